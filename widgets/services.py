"""Writes about websites that embed the widget and their publishable keys."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization
from accounts.services import audit_record
from widgets.models import Site

PUBLISHABLE_KEY_PREFIX = "cx_pk_"


def normalize_origin(raw: str) -> str:
    """``https://Example.com:443/path`` -> ``https://example.com``; raises ValidationError otherwise."""
    value = raw.strip()
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationError(
            _("“%(origin)s” is not an origin such as https://www.example.com.") % {"origin": value}
        )
    try:
        port = parts.port
    except ValueError:
        raise ValidationError(_("“%(origin)s” has an invalid port.") % {"origin": value}) from None
    default_port = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default_port else "")


def _clean_origins(origins: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    errors: list[str] = []
    for raw in origins:
        if not raw.strip():
            continue
        try:
            origin = normalize_origin(raw)
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        if origin not in cleaned:
            cleaned.append(origin)
    if errors:
        raise ValidationError({"origins": errors})
    if not cleaned:
        raise ValidationError({"origins": _("Add at least one origin where the widget may run.")})
    return cleaned


def _new_key() -> str:
    return PUBLISHABLE_KEY_PREFIX + secrets.token_urlsafe(18)


@transaction.atomic
def site_create(*, organization: Organization, actor: Membership, name: str, origins: Iterable[str]) -> Site:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the website a name.")})
    site = Site.all_orgs.create(
        organization=organization, name=name, origins=_clean_origins(origins), public_key=_new_key()
    )
    audit_record(
        organization=organization,
        actor=actor.user,
        action="site.created",
        target=site,
        after={"name": name, "origins": site.origins},
    )
    return site


@transaction.atomic
def site_update(*, site: Site, actor: Membership, name: str, origins: Iterable[str]) -> Site:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the website a name.")})
    before = {"name": site.name, "origins": site.origins}
    site.name = name
    site.origins = _clean_origins(origins)
    site.save(update_fields=["name", "origins"])
    audit_record(
        organization=site.organization,
        actor=actor.user,
        action="site.updated",
        target=site,
        before=before,
        after={"name": site.name, "origins": site.origins},
    )
    return site


@transaction.atomic
def site_rotate_key(*, site: Site, actor: Membership) -> Site:
    """Replace the publishable key: pages still carrying the old snippet stop sending feedback."""
    if site.revoked_at is not None:
        raise ValidationError(_("This website's key is revoked; create a new website instead."))
    before = {"public_key": site.public_key}
    site.public_key = _new_key()
    site.save(update_fields=["public_key"])
    audit_record(
        organization=site.organization,
        actor=actor.user,
        action="site.key_rotated",
        target=site,
        before=before,
        after={"public_key": site.public_key},
    )
    return site


@transaction.atomic
def site_revoke(*, site: Site, actor: Membership) -> Site:
    updated = Site.all_orgs.filter(pk=site.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if not updated:
        raise ValidationError(_("This website's key is already revoked."))
    site.refresh_from_db()
    audit_record(
        organization=site.organization,
        actor=actor.user,
        action="site.revoked",
        target=site,
        before={"revoked": False},
        after={"revoked": True},
    )
    return site
