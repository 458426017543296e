"""Writes of the custom dashboards: dashboards, their filters and their tiles. Each is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization
from accounts.services import audit_record
from dashboards.models import Dashboard, Tile, TileKind
from dashboards.selectors import DEFAULT_PERIOD
from feedback.models import Channel
from surveys.models import JourneyStage, Survey, Touchpoint

PERIODS = ("7d", "30d", "90d", "365d", "custom")
METRICS = ("nps", "csat", "ces", "ces_easy")
GROUP_BYS = ("channel", "touchpoint", "stage", "language", "survey")
INTERVALS = ("day", "week", "month")
MAX_TILES = 30
MAX_LIMIT = 50
MAX_CUSTOM_DAYS = 3 * 366

# What each kind's config holds besides its own "filters".
_KIND_SETTINGS: dict[str, tuple[str, ...]] = {
    TileKind.METRIC: ("metric",),
    TileKind.TREND: ("metric", "interval"),
    TileKind.BREAKDOWN: ("metric", "group_by"),
    TileKind.CROSSTAB: ("metric", "rows", "columns"),
    TileKind.THEMES: ("limit",),
    TileKind.FEED: ("limit",),
}
_DEFAULTS: dict[str, Any] = {
    "metric": "nps",
    "interval": "week",
    "group_by": "channel",
    "rows": "channel",
    "columns": "stage",
    "limit": 10,
}


def _ids_in(organization: Organization, model: Any, value: Any, field: str) -> list[int]:
    if value in (None, []):
        return []
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise ValidationError({field: _("Choose from the list.")})
    found = set(model.all_orgs.filter(organization=organization, pk__in=value).values_list("pk", flat=True))
    if found != set(value):
        raise ValidationError({field: _("Choose from the list.")})
    return list(value)


def _choices_in(value: Any, allowed: Sequence[str], field: str) -> list[str]:
    if value in (None, []):
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v in allowed for v in value):
        raise ValidationError({field: _("Choose from the list.")})
    return list(value)


def filters_clean(
    *,
    organization: Organization,
    data: Mapping[str, Any],
    field_prefix: str = "",
    allow_inherit: bool = False,
) -> dict[str, Any]:
    """Check saved filters (a dashboard's, or a tile's own when ``allow_inherit``) and return them
    normalised. Every id must belong to the organisation. Errors name the form's fields."""
    if not isinstance(data, Mapping):
        raise ValidationError(_("The filters are not valid."))
    unknown = set(data) - {
        "period",
        "start",
        "end",
        "survey_ids",
        "channels",
        "touchpoint_ids",
        "stage_ids",
        "languages",
    }
    if unknown:
        raise ValidationError(_("Unknown filters: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    clean: dict[str, Any] = {}
    period = data.get("period") or ("" if allow_inherit else DEFAULT_PERIOD)
    if period not in PERIODS and not (allow_inherit and period == ""):
        raise ValidationError({f"{field_prefix}period": _("Choose a period from the list.")})
    if period:
        clean["period"] = period
    if period == "custom":
        start, end = _iso_date(data.get("start")), _iso_date(data.get("end"))
        if start is None:
            raise ValidationError({f"{field_prefix}start": _("Choose the first day of the period.")})
        if end is None:
            raise ValidationError({f"{field_prefix}end": _("Choose the last day of the period.")})
        if start > end:
            raise ValidationError({f"{field_prefix}end": _("The last day must not be before the first day.")})
        if (end - start).days >= MAX_CUSTOM_DAYS:
            raise ValidationError({f"{field_prefix}end": _("Choose a period of at most three years.")})
        clean["start"], clean["end"] = start.isoformat(), end.isoformat()
    lists = {
        "survey_ids": _ids_in(organization, Survey, data.get("survey_ids"), f"{field_prefix}survey"),
        "channels": _choices_in(data.get("channels"), Channel.values, f"{field_prefix}channel"),
        "touchpoint_ids": _ids_in(
            organization, Touchpoint, data.get("touchpoint_ids"), f"{field_prefix}touchpoint"
        ),
        "stage_ids": _ids_in(organization, JourneyStage, data.get("stage_ids"), f"{field_prefix}stage"),
        "languages": _choices_in(
            data.get("languages"), [code for code, _name in settings.LANGUAGES], f"{field_prefix}language"
        ),
    }
    clean.update({name: value for name, value in lists.items() if value})
    return clean


def _iso_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def tile_config_clean(*, organization: Organization, kind: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """The tile's config checked against its kind; ValidationError names the offending field."""
    if kind not in _KIND_SETTINGS:
        raise ValidationError(_("Choose a kind of tile from the list."))
    if not isinstance(config, Mapping):
        raise ValidationError(_("The tile's settings are not valid."))
    allowed = {*_KIND_SETTINGS[kind], "filters"}
    unknown = set(config) - allowed
    if unknown:
        raise ValidationError(_("Unknown settings: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    clean: dict[str, Any] = {}
    for name in _KIND_SETTINGS[kind]:
        value = config.get(name, _DEFAULTS[name])
        if name == "metric" and value not in METRICS:
            raise ValidationError({"metric": _("Choose a metric from the list.")})
        if name == "interval" and value not in INTERVALS:
            raise ValidationError({"interval": _("Choose an interval from the list.")})
        if name in ("group_by", "rows", "columns") and value not in GROUP_BYS:
            raise ValidationError({name: _("Choose a dimension from the list.")})
        if name == "limit" and (
            not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_LIMIT
        ):
            raise ValidationError({"limit": _("Enter a number from 1 to %(max)s.") % {"max": MAX_LIMIT}})
        clean[name] = value
    if kind == TileKind.CROSSTAB and clean["rows"] == clean["columns"]:
        raise ValidationError({"columns": _("Choose different dimensions for rows and columns.")})
    clean["filters"] = filters_clean(
        organization=organization, data=config.get("filters") or {}, field_prefix="f_", allow_inherit=True
    )
    return clean


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the dashboard a name.")})
    if len(name) > 120:
        raise ValidationError({"name": _("Use at most 120 characters.")})
    return name


def _snapshot(dashboard: Dashboard) -> dict[str, Any]:
    return {"name": dashboard.name, "shared": dashboard.shared, "filters": dashboard.filters}


@transaction.atomic
def dashboard_create(
    *,
    organization: Organization,
    actor: Membership,
    name: str,
    shared: bool = False,
    filters: Mapping[str, Any] | None = None,
) -> Dashboard:
    dashboard = Dashboard.all_orgs.create(
        organization=organization,
        owner=actor.user,
        name=_clean_name(name),
        shared=shared,
        filters=filters_clean(organization=organization, data=filters or {}),
    )
    audit_record(
        organization=organization,
        actor=actor.user,
        action="dashboard.created",
        target=dashboard,
        after=_snapshot(dashboard),
    )
    return dashboard


def _locked(dashboard: Dashboard) -> Dashboard:
    return Dashboard.all_orgs.select_for_update().get(
        pk=dashboard.pk, organization_id=dashboard.organization_id
    )


@transaction.atomic
def dashboard_update(
    *,
    dashboard: Dashboard,
    actor: Membership,
    name: str,
    shared: bool,
    filters: Mapping[str, Any],
) -> Dashboard:
    """Rename, share or unshare, and set the filters every tile starts from."""
    locked = _locked(dashboard)
    before = _snapshot(locked)
    locked.name = _clean_name(name)
    locked.shared = shared
    locked.filters = filters_clean(organization=locked.organization, data=filters)
    locked.updated_at = timezone.now()
    locked.save(update_fields=["name", "shared", "filters", "updated_at"])
    audit_record(
        organization=locked.organization,
        actor=actor.user,
        action="dashboard.updated",
        target=locked,
        before=before,
        after=_snapshot(locked),
    )
    return locked


@transaction.atomic
def dashboard_delete(*, dashboard: Dashboard, actor: Membership) -> None:
    locked = _locked(dashboard)
    audit_record(
        organization=locked.organization,
        actor=actor.user,
        action="dashboard.deleted",
        target=locked,
        before=_snapshot(locked),
    )
    locked.delete()


def _touch(dashboard: Dashboard) -> None:
    Dashboard.all_orgs.filter(pk=dashboard.pk).update(updated_at=timezone.now())


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if len(title) > 120:
        raise ValidationError({"title": _("Use at most 120 characters.")})
    return title


@transaction.atomic
def tile_create(
    *, dashboard: Dashboard, actor: Membership, kind: str, title: str = "", config: Mapping[str, Any]
) -> Tile:
    """A new tile at the end of the dashboard."""
    locked = _locked(dashboard)
    clean = tile_config_clean(organization=locked.organization, kind=kind, config=config)
    tiles = Tile.all_orgs.filter(dashboard=locked)
    if tiles.count() >= MAX_TILES:
        raise ValidationError(_("A dashboard holds at most %(max)s tiles.") % {"max": MAX_TILES})
    last = tiles.aggregate(last=Max("position"))["last"]
    tile = Tile.all_orgs.create(
        organization=locked.organization,
        dashboard=locked,
        kind=kind,
        title=_clean_title(title),
        position=0 if last is None else last + 1,
        config=clean,
    )
    _touch(locked)
    audit_record(
        organization=locked.organization,
        actor=actor.user,
        action="dashboard.tile_added",
        target=locked,
        after={"tile": tile.pk, "kind": kind, "title": tile.title, "config": clean},
    )
    return tile


@transaction.atomic
def tile_update(*, tile: Tile, actor: Membership, title: str, config: Mapping[str, Any]) -> Tile:
    locked = Tile.all_orgs.select_for_update().get(pk=tile.pk, organization_id=tile.organization_id)
    clean = tile_config_clean(organization=locked.organization, kind=locked.kind, config=config)
    before = {"tile": locked.pk, "title": locked.title, "config": locked.config}
    locked.title = _clean_title(title)
    locked.config = clean
    locked.save(update_fields=["title", "config"])
    _touch(locked.dashboard)
    audit_record(
        organization=locked.organization,
        actor=actor.user,
        action="dashboard.tile_changed",
        target=locked.dashboard,
        before=before,
        after={"tile": locked.pk, "title": locked.title, "config": clean},
    )
    return locked


@transaction.atomic
def tile_delete(*, tile: Tile, actor: Membership) -> None:
    locked = Tile.all_orgs.select_for_update().get(pk=tile.pk, organization_id=tile.organization_id)
    dashboard = locked.dashboard
    audit_record(
        organization=locked.organization,
        actor=actor.user,
        action="dashboard.tile_removed",
        target=dashboard,
        before={"tile": locked.pk, "kind": locked.kind, "title": locked.title, "config": locked.config},
    )
    locked.delete()
    _touch(dashboard)


@transaction.atomic
def tiles_reorder(*, dashboard: Dashboard, actor: Membership, tile_ids: Sequence[int]) -> list[int]:
    """Put the tiles in the given order; the ids must be exactly the dashboard's tiles."""
    locked = _locked(dashboard)
    tiles = {t.pk: t for t in Tile.all_orgs.filter(dashboard=locked).select_for_update()}
    order = list(tile_ids)
    if len(order) != len(set(order)) or set(order) != set(tiles):
        raise ValidationError(_("The order must list every tile of the dashboard once."))
    before = [t.pk for t in sorted(tiles.values(), key=lambda t: (t.position, t.pk))]
    changed = []
    for position, pk in enumerate(order):
        if tiles[pk].position != position:
            tiles[pk].position = position
            changed.append(tiles[pk])
    Tile.all_orgs.bulk_update(changed, ["position"])
    if before != order:
        _touch(locked)
        audit_record(
            organization=locked.organization,
            actor=actor.user,
            action="dashboard.tiles_reordered",
            target=locked,
            before={"order": before},
            after={"order": order},
        )
    return order


@transaction.atomic
def tile_move(*, tile: Tile, actor: Membership, direction: str) -> list[int]:
    """Move a tile one place up or down (the buttons that work without JavaScript)."""
    if direction not in ("up", "down"):
        raise ValidationError(_("Move a tile up or down."))
    dashboard = _locked(tile.dashboard)
    order = list(
        Tile.all_orgs.filter(dashboard=dashboard).order_by("position", "pk").values_list("pk", flat=True)
    )
    index = order.index(tile.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
    return tiles_reorder(dashboard=dashboard, actor=actor, tile_ids=order)
