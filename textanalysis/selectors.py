"""Reads of the text analytics app."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db.models import Count, F, Func, IntegerField, QuerySet
from django.utils import timezone

from accounts.models import Organization
from accounts.selectors import AccessScope
from feedback.models import Response
from feedback.selectors import response_scope_q
from textanalysis.models import Tag, Theme


def theme_list(*, organization: Organization) -> QuerySet[Theme]:
    return Theme.all_orgs.filter(organization=organization).order_by("name")


def theme_recent_counts(*, organization: Organization, scope: AccessScope, days: int = 30) -> dict[int, int]:
    """Responses per theme received in the last ``days`` days that the member may see: one grouped
    query over ``Response.theme_ids`` on the (organisation, received_at) index."""
    since = timezone.now() - timedelta(days=days)
    rows = (
        Response.all_orgs.filter(response_scope_q(scope), organization=organization, received_at__gte=since)
        .exclude(theme_ids=[])
        .annotate(theme_id=Func(F("theme_ids"), function="unnest", output_field=IntegerField()))
        .values("theme_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["theme_id"]: row["n"] for row in rows}


def theme_names(*, organization_id: int, ids: Iterable[int]) -> dict[int, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    return dict(
        Theme.all_orgs.filter(organization_id=organization_id, pk__in=wanted).values_list("id", "name")
    )


def tag_list(*, organization: Organization) -> QuerySet[Tag]:
    """The organisation's tags with how many responses carry each."""
    return (
        Tag.all_orgs.filter(organization=organization)
        .annotate(response_count=Count("response_tags"))
        .order_by("name")
    )


def response_tags(*, response: Response) -> list[Tag]:
    return list(
        Tag.all_orgs.filter(
            organization_id=response.organization_id, response_tags__response=response
        ).order_by("name")
    )


def tag_choices(*, organization_id: int, limit: int = 200) -> list[str]:
    """Tag names to suggest when tagging a response."""
    return list(
        Tag.all_orgs.filter(organization_id=organization_id)
        .order_by("name")
        .values_list("name", flat=True)[:limit]
    )
