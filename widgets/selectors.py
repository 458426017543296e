"""Reads about websites and their publishable keys. The organisation comes first."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Organization
from widgets.models import Site


def site_list(*, organization: Organization) -> QuerySet[Site]:
    return Site.all_orgs.filter(organization=organization).order_by("-created_at")


def site_get(*, organization: Organization, site_id: int) -> Site:
    """Another organisation's site is a 404, exactly like a missing one."""
    return get_object_or_404(
        Site.all_orgs.select_related("organization"), organization=organization, pk=site_id
    )
