"""Resolving a publishable key on the public endpoints (before any organisation is in context)."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import Organization
from core import prepared
from widgets.models import Site

_CACHE_ATTR = "_cx_site"
_SITE_FIELDS = list(Site._meta.concrete_fields)
_ORGANIZATION_FIELDS = list(Organization._meta.concrete_fields)
# Site.all_orgs.select_related("organization").filter(public_key=…, revoked_at=None).first(), written
# once (core/prepared.py): it runs on every public request, and building it cost more than running it.
_SITE_SQL = (  # noqa: S608 - names from the models, values as parameters
    "SELECT {site_columns}, {organization_columns} FROM {site} INNER JOIN {organization} "
    "ON {site}.{site_organization} = {organization}.{organization_pk} "
    "WHERE {site}.{public_key} = %s AND {site}.{revoked_at} IS NULL ORDER BY {site}.{site_pk} LIMIT 1"
).format(
    site_columns=prepared.column_list(Site, _SITE_FIELDS),
    organization_columns=prepared.column_list(Organization, _ORGANIZATION_FIELDS),
    site=prepared.quote(Site._meta.db_table),
    organization=prepared.quote(Organization._meta.db_table),
    site_organization=prepared.quote(Site._meta.get_field("organization").column),
    organization_pk=prepared.quote(Organization._meta.pk.column),
    public_key=prepared.quote(Site._meta.get_field("public_key").column),
    revoked_at=prepared.quote(Site._meta.get_field("revoked_at").column),
    site_pk=prepared.quote(Site._meta.pk.column),
)


def site_for_key(request: HttpRequest, public_key: str) -> Site | None:
    """The active site of a publishable key, looked up once per request (CORS and the view share it)."""
    cached = getattr(request, _CACHE_ATTR, None)
    if cached is not None and cached.public_key == public_key:
        return cached
    if not public_key.startswith("cx_pk_") or len(public_key) > 40:
        return None
    row = prepared.fetch_row(_SITE_SQL, [public_key])
    if row is None:
        return None
    split = len(_SITE_FIELDS)
    site = prepared.from_row(Site, _SITE_FIELDS, row[:split])
    site.organization = prepared.from_row(Organization, _ORGANIZATION_FIELDS, row[split:])
    setattr(request, _CACHE_ATTR, site)
    return site
