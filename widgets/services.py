"""Writes about websites that embed the widget and their publishable keys."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization
from accounts.services import audit_record
from surveys.models import Survey
from widgets.models import COOLDOWN_DAYS_MAX, ButtonSide, Intercept, Site
from widgets.targeting import validate_targeting

PUBLISHABLE_KEY_PREFIX = "cx_pk_"
# The install check ("last seen") is kept to the minute: most widget loads write nothing.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


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


def _clean_cooldown(cooldown_days: int) -> int:
    if isinstance(cooldown_days, bool) or not 0 <= cooldown_days <= COOLDOWN_DAYS_MAX:
        raise ValidationError(
            {"cooldown_days": _("Enter a number of days from 0 to %(high)d.") % {"high": COOLDOWN_DAYS_MAX}}
        )
    return cooldown_days


@transaction.atomic
def site_create(
    *,
    organization: Organization,
    actor: Membership,
    name: str,
    origins: Iterable[str],
    cooldown_days: int = 7,
) -> Site:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the website a name.")})
    site = Site.all_orgs.create(
        organization=organization,
        name=name,
        origins=_clean_origins(origins),
        public_key=_new_key(),
        cooldown_days=_clean_cooldown(cooldown_days),
    )
    audit_record(
        organization=organization,
        actor=actor.user,
        action="site.created",
        target=site,
        after={"name": name, "origins": site.origins, "cooldown_days": site.cooldown_days},
    )
    return site


@transaction.atomic
def site_update(
    *,
    site: Site,
    actor: Membership,
    name: str,
    origins: Iterable[str],
    cooldown_days: int | None = None,
) -> Site:
    """Rename the site and replace its origins; ``cooldown_days`` None keeps the current cooldown."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the website a name.")})
    before = {"name": site.name, "origins": site.origins, "cooldown_days": site.cooldown_days}
    site.name = name
    site.origins = _clean_origins(origins)
    if cooldown_days is not None:
        site.cooldown_days = _clean_cooldown(cooldown_days)
    site.save(update_fields=["name", "origins", "cooldown_days"])
    audit_record(
        organization=site.organization,
        actor=actor.user,
        action="site.updated",
        target=site,
        before=before,
        after={"name": site.name, "origins": site.origins, "cooldown_days": site.cooldown_days},
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


def site_seen(*, site: Site, now: datetime | None = None) -> bool:
    """Record that the widget loaded on ``site``, at most once a minute; True when it was recorded.

    No query at all while the loaded ``last_seen_at`` is fresh. Otherwise one conditional UPDATE (atomic
    on its own, so no transaction is opened), which also keeps concurrent loads from writing twice.
    """
    now = now or timezone.now()
    stale_before = now - LAST_SEEN_RESOLUTION
    if site.last_seen_at is not None and site.last_seen_at > stale_before:
        return False
    updated = (
        Site.all_orgs.filter(pk=site.pk)
        .filter(Q(last_seen_at__isnull=True) | Q(last_seen_at__lte=stale_before))
        .update(last_seen_at=now)
    )
    if updated:
        site.last_seen_at = now
    return bool(updated)


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


# --- intercepts: which surveys a site shows, and when ------------------------------------------------


def _same_organization(site: Site, survey: Survey, actor: Membership) -> None:
    """Both ends of an intercept, and the person making it, belong to one organisation."""
    if actor.organization_id != site.organization_id:
        raise ValidationError(_("This website belongs to another organisation."))
    if survey.organization_id != site.organization_id:
        raise ValidationError({"survey": _("Choose one of this organisation's surveys.")})


def _survey_label(survey: Survey) -> dict[str, Any]:
    return {"survey": survey.public_id, "survey_name": survey.name}


@transaction.atomic
def intercept_create(
    *, site: Site, survey: Survey, targeting: Mapping[str, Any], actor: Membership
) -> Intercept:
    """Show ``survey`` on ``site`` with ``targeting`` (validated, defaults filled in)."""
    _same_organization(site, survey, actor)
    clean = validate_targeting(targeting)
    try:
        # A savepoint, so that a duplicate leaves the caller's transaction usable.
        with transaction.atomic():
            intercept = Intercept.all_orgs.create(
                organization_id=site.organization_id, site=site, survey=survey, targeting=clean
            )
    except IntegrityError:
        raise ValidationError({"survey": _("This survey is already on this website.")}) from None
    audit_record(
        organization=site.organization,
        actor=actor.user,
        action="site.intercept_added",
        target=site,
        after={**_survey_label(survey), "targeting": clean},
    )
    return intercept


@transaction.atomic
def intercept_update(*, intercept: Intercept, targeting: Mapping[str, Any], actor: Membership) -> Intercept:
    if actor.organization_id != intercept.organization_id:
        raise ValidationError(_("This website belongs to another organisation."))
    clean = validate_targeting(targeting)
    before = intercept.targeting
    intercept.targeting = clean
    intercept.updated_at = timezone.now()
    intercept.save(update_fields=["targeting", "updated_at"])
    audit_record(
        organization=intercept.site.organization,
        actor=actor.user,
        action="site.intercept_updated",
        target=intercept.site,
        before={**_survey_label(intercept.survey), "targeting": before},
        after={**_survey_label(intercept.survey), "targeting": clean},
    )
    return intercept


@transaction.atomic
def intercept_delete(*, intercept: Intercept, actor: Membership) -> None:
    """Take the survey off the site; the feedback button goes too when it opened that survey."""
    if actor.organization_id != intercept.organization_id:
        raise ValidationError(_("This website belongs to another organisation."))
    site = (
        Site.all_orgs.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=intercept.site_id, organization_id=intercept.organization_id)
    )
    survey = intercept.survey
    button_cleared = site.button_survey_id == intercept.survey_id
    if button_cleared:
        site.button_survey = None
        site.save(update_fields=["button_survey"])
    intercept.delete()
    audit_record(
        organization=site.organization,
        actor=actor.user,
        action="site.intercept_removed",
        target=site,
        before={**_survey_label(survey), "targeting": intercept.targeting},
        after={"button_cleared": button_cleared},
    )


@transaction.atomic
def site_set_button(*, site: Site, survey: Survey | None, label: str, side: str, actor: Membership) -> Site:
    """The always-on feedback tab: which survey it opens (None: no tab), its label and side.

    A survey not yet on the site is added with a manual trigger, so that it only opens from the tab
    (or the JavaScript API).
    """
    if actor.organization_id != site.organization_id:
        raise ValidationError(_("This website belongs to another organisation."))
    label = label.strip()
    errors: dict[str, str] = {}
    if len(label) > 40:
        errors["label"] = _("Use at most %(limit)d characters for the label.") % {"limit": 40}
    if side not in ButtonSide.values:
        errors["side"] = _("Choose the left or the right side.")
    if errors:
        raise ValidationError(errors)
    locked = (
        Site.all_orgs.select_for_update(of=("self",))
        .select_related("organization", "button_survey")
        .get(pk=site.pk, organization_id=site.organization_id)
    )
    if survey is not None:
        _same_organization(locked, survey, actor)
        if not Intercept.all_orgs.filter(
            organization_id=locked.organization_id, site=locked, survey=survey
        ).exists():
            intercept_create(
                site=locked, survey=survey, targeting={"trigger": {"type": "manual"}}, actor=actor
            )
    before = {
        "button_survey": locked.button_survey.public_id if locked.button_survey is not None else None,
        "button_label": locked.button_label,
        "button_side": locked.button_side,
    }
    locked.button_survey = survey
    locked.button_label = label
    locked.button_side = side
    locked.save(update_fields=["button_survey", "button_label", "button_side"])
    audit_record(
        organization=locked.organization,
        actor=actor.user,
        action="site.button_updated",
        target=locked,
        before=before,
        after={
            "button_survey": survey.public_id if survey is not None else None,
            "button_label": label,
            "button_side": side,
        },
    )
    site.button_survey, site.button_label, site.button_side = survey, label, side
    return site
