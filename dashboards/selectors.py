"""Reads for the dashboards. Every read takes the organisation first and honours the access scope.

All numbers are computed by PostgreSQL with conditional aggregates, so the number of queries and the
memory used do not grow with the number of responses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise

from accounts.models import Membership, Organization, User
from accounts.roles import Perm, Role, role_has
from accounts.selectors import AccessScope
from analytics.filters import MetricFilters, previous_period
from analytics.metrics import Change, Estimate, MetricName, Tally, compare, estimate, nps_groups
from analytics.selectors import (
    Group,
    GroupBy,
    Interval,
    ThemeCount,
    comment_feed,
    crosstab,
    tally,
    tally_by,
    tally_series,
    theme_counts,
)
from dashboards.models import Dashboard, Tile, TileKind
from feedback.models import Channel, Response
from feedback.selectors import survey_filter_choices
from surveys.models import Survey

PERIOD_DAYS: dict[str, int] = {"7d": 7, "30d": 30, "90d": 90, "365d": 365}
DEFAULT_PERIOD = "30d"
# The longest custom period: keeps the trend series (and the page) bounded.
MAX_PERIOD_DAYS = 3 * 366


def resolve_period(period: str, start: date | None, end: date | None, *, today: date) -> tuple[date, date]:
    """Inclusive organisation-local dates of a preset (ending today) or of custom dates."""
    if period == "custom" and start is not None and end is not None:
        return start, end
    days = PERIOD_DAYS.get(period, PERIOD_DAYS[DEFAULT_PERIOD])
    return today - timedelta(days=days - 1), today


def interval_for(start: date, end: date) -> str:
    """A trend interval that gives a readable number of points for the period."""
    days = (end - start).days + 1
    if days <= 62:
        return "day"
    if days <= 366:
        return "week"
    return "month"


OVERVIEW_PERIOD = timedelta(days=30)
LATEST_COMMENTS = 10


def _rounded_percent(part: int, whole: int) -> int | None:
    """``part`` of ``whole`` in whole percent, halves away from zero; None when there is nothing."""
    if not whole:
        return None
    return int((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def nps_of(*, promoters: int, detractors: int, answers: int) -> int | None:
    """Net Promoter Score: promoters (9–10) minus detractors (0–6), as a share of NPS answers."""
    if not answers:
        return None
    return _rounded_percent(promoters - detractors, answers)


def responses_visible(*, organization: Organization, scope: AccessScope) -> QuerySet[Response]:
    """The organisation's responses that this member may see."""
    responses = Response.all_orgs.filter(organization=organization)
    if scope.unrestricted:
        return responses
    return responses.filter(Q(survey_id__in=scope.survey_ids) | Q(touchpoint_id__in=scope.touchpoint_ids))


@dataclass(frozen=True)
class PeriodMetrics:
    responses: int
    nps: int | None
    nps_answers: int
    csat: int | None  # share of 4–5 answers, percent
    csat_answers: int
    ces: Decimal | None  # mean of 1–7, one decimal
    ces_answers: int


@dataclass(frozen=True)
class ChannelMetrics:
    channel: str
    label: str | Promise
    responses: int
    nps: int | None
    nps_answers: int


@dataclass(frozen=True)
class Overview:
    start: datetime
    end: datetime
    previous_start: datetime
    current: PeriodMetrics
    previous: PeriodMetrics
    channels: list[ChannelMetrics]
    latest_comments: list[Response]

    @property
    def nps_change(self) -> int | None:
        if self.current.nps is None or self.previous.nps is None:
            return None
        return self.current.nps - self.previous.nps


def _period_aggregates(prefix: str, period: Q) -> dict[str, Count | Avg]:
    return {
        f"{prefix}_responses": Count("pk", filter=period),
        f"{prefix}_nps_answers": Count("nps", filter=period),
        f"{prefix}_promoters": Count("pk", filter=period & Q(nps__gte=9)),
        f"{prefix}_detractors": Count("pk", filter=period & Q(nps__lte=6)),
        f"{prefix}_csat_answers": Count("csat", filter=period),
        f"{prefix}_csat_satisfied": Count("pk", filter=period & Q(csat__gte=4)),
        f"{prefix}_ces_answers": Count("ces", filter=period),
        f"{prefix}_ces_mean": Avg("ces", filter=period),
    }


def _period_metrics(prefix: str, row: dict[str, int | float | None]) -> PeriodMetrics:
    def count(name: str) -> int:
        return int(row[f"{prefix}_{name}"] or 0)

    ces_mean = row[f"{prefix}_ces_mean"]
    return PeriodMetrics(
        responses=count("responses"),
        nps=nps_of(
            promoters=count("promoters"), detractors=count("detractors"), answers=count("nps_answers")
        ),
        nps_answers=count("nps_answers"),
        csat=_rounded_percent(count("csat_satisfied"), count("csat_answers")),
        csat_answers=count("csat_answers"),
        ces=(
            None
            if ces_mean is None
            else Decimal(str(ces_mean)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        ),
        ces_answers=count("ces_answers"),
    )


def overview(*, organization: Organization, scope: AccessScope, now: datetime | None = None) -> Overview:
    """The landing page: the last 30 days against the 30 before, per channel, and the latest comments.

    Three queries whatever the data size: one aggregate for both periods, one grouped by channel, one
    for the latest comments (served by the organisation/received_at index).
    """
    end = now or timezone.now()
    start = end - OVERVIEW_PERIOD
    previous_start = start - OVERVIEW_PERIOD
    visible = responses_visible(organization=organization, scope=scope)
    current = Q(received_at__gte=start, received_at__lt=end)
    previous = Q(received_at__gte=previous_start, received_at__lt=start)

    totals = visible.filter(received_at__gte=previous_start, received_at__lt=end).aggregate(
        **_period_aggregates("current", current), **_period_aggregates("previous", previous)
    )
    per_channel = (
        visible.filter(current)
        .values("channel")
        .annotate(
            responses=Count("pk"),
            nps_answers=Count("nps"),
            promoters=Count("pk", filter=Q(nps__gte=9)),
            detractors=Count("pk", filter=Q(nps__lte=6)),
        )
        .order_by("-responses", "channel")
    )
    labels = dict(Channel.choices)
    channels = [
        ChannelMetrics(
            channel=row["channel"],
            label=labels.get(row["channel"], row["channel"]),
            responses=row["responses"],
            nps=nps_of(promoters=row["promoters"], detractors=row["detractors"], answers=row["nps_answers"]),
            nps_answers=row["nps_answers"],
        )
        for row in per_channel
    ]
    comments = list(
        visible.filter(received_at__lt=end)
        .exclude(comment="")
        .select_related("touchpoint")
        .only(
            "comment",
            "language",
            "channel",
            "nps",
            "csat",
            "ces",
            "received_at",
            "touchpoint__name",
        )
        .order_by("-received_at", "-pk")[:LATEST_COMMENTS]
    )
    return Overview(
        start=start,
        end=end,
        previous_start=previous_start,
        current=_period_metrics("current", totals),
        previous=_period_metrics("previous", totals),
        channels=channels,
        latest_comments=comments,
    )


# --- custom dashboards ---------------------------------------------------------------------------------


def dashboards_for(*, organization: Organization, user: User) -> list[Dashboard]:
    """The member's own dashboards and those shared with the organisation, by name."""
    return list(
        Dashboard.all_orgs.filter(organization=organization)
        .filter(Q(owner=user) | Q(shared=True))
        .select_related("owner")
        .annotate(tile_count=Count("tiles"))
        .order_by("name", "pk")
    )


def dashboard_get(*, organization: Organization, user: User, dashboard_id: int) -> Dashboard:
    """One dashboard the member may read; Dashboard.DoesNotExist when it is missing, another
    organisation's or someone else's private one (all three read the same)."""
    return (
        Dashboard.all_orgs.filter(organization=organization)
        .filter(Q(owner=user) | Q(shared=True))
        .select_related("owner", "organization")
        .get(pk=dashboard_id)
    )


def dashboard_editable_by(*, dashboard: Dashboard, membership: Membership) -> bool:
    """Only the owner edits a dashboard; admins may also edit the shared ones they can see."""
    if not role_has(membership.role, Perm.DASHBOARDS_EDIT):
        return False
    return dashboard.owner_id == membership.user_id or membership.role in (Role.OWNER, Role.ADMIN)


def dashboard_tiles(*, dashboard: Dashboard) -> list[Tile]:
    return list(Tile.all_orgs.filter(dashboard=dashboard).order_by("position", "pk"))


def tile_get(*, dashboard: Dashboard, tile_id: int) -> Tile:
    return Tile.all_orgs.select_related("dashboard").get(dashboard=dashboard, pk=tile_id)


def saved_filters_to_metric(saved: Mapping[str, Any], *, today: date) -> MetricFilters:
    """Saved dashboard filters (a relative period, so the dashboard stays current) as MetricFilters."""
    start, end = resolve_period(
        str(saved.get("period") or DEFAULT_PERIOD),
        _iso(saved.get("start")),
        _iso(saved.get("end")),
        today=today,
    )
    dimensions = {k: v for k, v in saved.items() if k not in ("period", "start", "end")}
    return MetricFilters.from_json(dimensions).with_period(start, end)


def tile_filters(dashboard_filters: Mapping[str, Any], tile_config: Mapping[str, Any]) -> dict[str, Any]:
    """The dashboard's saved filters overlaid by the tile's own (each one it sets replaces the dashboard's)."""
    merged = dict(dashboard_filters or {})
    own = tile_config.get("filters") or {}
    if not isinstance(own, Mapping):
        return merged
    if own.get("period"):
        merged["period"] = own["period"]
        merged["start"], merged["end"] = own.get("start"), own.get("end")
    for name in ("survey_ids", "channels", "touchpoint_ids", "stage_ids", "languages"):
        if own.get(name):
            merged[name] = own[name]
    return merged


def _iso(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class SurveyResultsRow:
    survey: Survey
    responses: int


def results_surveys(*, organization: Organization, scope: AccessScope) -> list[SurveyResultsRow]:
    """The surveys the member may see, with the number of responses they may see (all time)."""
    surveys = list(survey_filter_choices(organization=organization, scope=scope).select_related("touchpoint"))
    counts = {
        group.key: group.tally.responses
        for group in tally_by(
            organization=organization, scope=scope, filters=MetricFilters(), group_by="survey"
        )
    }
    return [SurveyResultsRow(survey=s, responses=counts.get(str(s.pk), 0)) for s in surveys]


def results_survey_get(*, organization: Organization, scope: AccessScope, survey_id: int) -> Survey:
    """A survey the member may see; Survey.DoesNotExist otherwise (missing, another tenant's, out of scope)."""
    return (
        survey_filter_choices(organization=organization, scope=scope)
        .select_related("current_version", "touchpoint")
        .get(pk=survey_id)
    )


@dataclass
class TileData:
    """What one tile shows, read with the viewer's scope."""

    tile: Tile
    filters: MetricFilters
    metric: MetricName = "nps"
    estimate: Estimate | None = None
    change: Change | None = None
    previous: Estimate | None = None
    nps_groups: tuple[int, int, int] | None = None
    interval: Interval = "week"
    series: list[tuple[date, Tally]] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    rows: list[Group] = field(default_factory=list)
    columns: list[Group] = field(default_factory=list)
    cells: dict[tuple[str, str], Tally] = field(default_factory=dict)
    themes: list[ThemeCount] = field(default_factory=list)
    feed: list[Response] = field(default_factory=list)


def tile_read(
    *,
    organization: Organization,
    scope: AccessScope,
    tile: Tile,
    dashboard_filters: Mapping[str, Any],
    today: date,
) -> TileData:
    """One tile's numbers: the dashboard's filters overlaid by the tile's own, through the analytics
    read layer with the viewer's scope (a restricted viewer of a shared dashboard sees only their data).
    One to two reads per tile whatever the data size."""
    config = tile.config if isinstance(tile.config, Mapping) else {}
    filters = saved_filters_to_metric(tile_filters(dashboard_filters, config), today=today)
    metric = cast(MetricName, config.get("metric") if config.get("metric") in METRIC_NAMES else "nps")
    data = TileData(tile=tile, filters=filters, metric=metric)
    raw_limit = config.get("limit")
    limit = max(1, min(raw_limit, 50)) if isinstance(raw_limit, int) else 10
    if tile.kind == TileKind.METRIC:
        current = tally(organization=organization, scope=scope, filters=filters)
        start, end = filters.start or today, filters.end or today
        before = tally(
            organization=organization, scope=scope, filters=filters.with_period(*previous_period(start, end))
        )
        data.estimate = estimate(current, metric)
        data.previous = estimate(before, metric)
        data.change = compare(current, before, metric)
        data.nps_groups = nps_groups(current) if metric == "nps" else None
    elif tile.kind == TileKind.TREND:
        interval = config.get("interval")
        data.interval = cast(Interval, interval if interval in ("day", "week", "month") else "week")
        data.series = tally_series(
            organization=organization, scope=scope, filters=filters, interval=data.interval
        )
    elif tile.kind == TileKind.BREAKDOWN:
        data.groups = tally_by(
            organization=organization,
            scope=scope,
            filters=filters,
            group_by=_group_by(config.get("group_by"), "channel"),
        )
    elif tile.kind == TileKind.CROSSTAB:
        rows = _group_by(config.get("rows"), "channel")
        columns = _group_by(config.get("columns"), "stage")
        if rows != columns:
            data.rows, data.columns, data.cells = crosstab(
                organization=organization, scope=scope, filters=filters, rows=rows, columns=columns
            )
    elif tile.kind == TileKind.THEMES:
        data.themes = theme_counts(organization=organization, scope=scope, filters=filters, limit=limit)
    elif tile.kind == TileKind.FEED:
        data.feed = comment_feed(organization=organization, scope=scope, filters=filters, limit=limit)
    return data


METRIC_NAMES: tuple[str, ...] = ("nps", "csat", "ces", "ces_easy")
GROUP_BY_NAMES: tuple[str, ...] = ("channel", "touchpoint", "stage", "language", "survey")


def _group_by(value: Any, default: GroupBy) -> GroupBy:
    return cast(GroupBy, value) if value in GROUP_BY_NAMES else default
