"""Resolving a publishable key on the public endpoints (before any organisation is in context)."""

from __future__ import annotations

from django.http import HttpRequest

from widgets.models import Site

_CACHE_ATTR = "_cx_site"


def site_for_key(request: HttpRequest, public_key: str) -> Site | None:
    """The active site of a publishable key, looked up once per request (CORS and the view share it)."""
    cached = getattr(request, _CACHE_ATTR, None)
    if cached is not None and cached.public_key == public_key:
        return cached
    if not public_key.startswith("cx_pk_") or len(public_key) > 40:
        return None
    site = (
        Site.all_orgs.select_related("organization")
        .filter(public_key=public_key, revoked_at__isnull=True)
        .first()
    )
    if site is not None:
        setattr(request, _CACHE_ATTR, site)
    return site
