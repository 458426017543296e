"""Everything the board dashboard shows, computed once for the page, the share link, the PDF report and
the weekly digest.

Every number comes from ``analytics.selectors`` with the viewer's access scope (a share link passes an
unrestricted scope), so the number of SQL queries is fixed whatever the data size: two tallies (the
period and the one before), one series, two breakdowns, the closed-loop KPIs, the themes and their
series.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Organization
from accounts.selectors import AccessScope
from analytics import selectors
from analytics.filters import MetricFilters, previous_period
from analytics.metrics import Change, Estimate, MetricName, Tally, compare, estimate
from analytics.selectors import Group, Interval, LoopKpis, ThemeCount
from dashboards import charts
from dashboards.charts import Chart

PERIODS: tuple[int, ...] = (30, 90, 365)
# The last 30 days against the 30 before: what an executive reads each month.
DEFAULT_PERIOD = 30
DIGEST_PERIOD = 7
TOP_THEMES = 8
THEMES_IN_TREND = 5
BREAKDOWN_LIMIT = 12

METRIC_LABELS: dict[MetricName, str | Promise] = {
    "nps": gettext_lazy("NPS"),
    "csat": gettext_lazy("CSAT"),
    "ces": gettext_lazy("CES"),
    "ces_easy": gettext_lazy("CES easy share"),
}
METRIC_NAMES: dict[MetricName, str | Promise] = {
    "nps": gettext_lazy("Net Promoter Score"),
    "csat": gettext_lazy("Customer satisfaction (share of 4–5)"),
    "ces": gettext_lazy("Customer effort (mean on 1–7)"),
    "ces_easy": gettext_lazy("Customer effort (share of 5–7)"),
}
# value format, suffix and the fixed axis of the trend chart
METRIC_FORMATS: dict[MetricName, tuple[int, str, tuple[float, float]]] = {
    "nps": (0, "", (-100, 100)),
    "csat": (0, " %", (0, 100)),
    "ces": (1, "", (1, 7)),
    "ces_easy": (0, " %", (0, 100)),
}
HEADLINE_METRICS: tuple[MetricName, ...] = ("nps", "csat", "ces")
BACKLOG_LABELS: dict[str, str | Promise] = {
    "lt24h": gettext_lazy("< 24 h"),
    "24to48h": gettext_lazy("24–48 h"),
    "2to7d": gettext_lazy("2–7 days"),
    "gt7d": gettext_lazy("> 7 days"),
}


def parse_period(value: object) -> int:
    """The period in days from a query parameter; anything unknown is the default."""
    try:
        days = int(str(value))
    except (TypeError, ValueError):
        return DEFAULT_PERIOD
    return days if days in PERIODS else DEFAULT_PERIOD


def interval_for(days: int) -> Interval:
    if days <= 31:
        return "day"
    if days <= 120:
        return "week"
    return "month"


def _number(value: float | None, decimals: int) -> str:
    if value is None:
        return "—"
    return formats.number_format(round(value, decimals), decimal_pos=decimals, use_l10n=True)


@dataclass(frozen=True)
class Figure:
    """An estimate ready to print: value, 95 % interval and the number of answers."""

    metric: MetricName
    value: str
    ci: str  # "12 – 48", "" when unknown
    n: int
    raw: float | None

    @property
    def empty(self) -> bool:
        return self.raw is None


def figure(est: Estimate) -> Figure:
    decimals, suffix, _axis = METRIC_FORMATS[est.metric]
    value = _number(est.value, decimals) + (suffix if est.value is not None else "")
    ci = ""
    if est.ci_low is not None and est.ci_high is not None:
        ci = f"{_number(est.ci_low, decimals)} – {_number(est.ci_high, decimals)}{suffix}"
    return Figure(metric=est.metric, value=value, ci=ci, n=est.n, raw=est.value)


@dataclass(frozen=True)
class Headline:
    metric: MetricName
    label: str
    name: str
    current: Figure
    previous: Figure
    change: Change
    delta: str  # signed, e.g. "+12"; "" when either side is empty
    trend: Chart | None

    @property
    def marked(self) -> bool:
        return self.change.significant and self.change.direction in ("up", "down")


@dataclass(frozen=True)
class BreakdownRow:
    key: str
    label: str
    responses: int
    nps: Figure
    csat: Figure
    ces: Figure


@dataclass(frozen=True)
class Breakdown:
    rows: list[BreakdownRow]
    chart: Chart | None


@dataclass(frozen=True)
class Loop:
    kpis: LoopKpis
    share_48h: str
    median_hours: str
    recovered_share: str
    backlog_total: int
    backlog_chart: Chart | None


@dataclass(frozen=True)
class Themes:
    top: list[ThemeCount]
    trend: Chart | None


@dataclass(frozen=True)
class BoardContext:
    organization: Organization
    period_days: int
    periods: tuple[int, ...]
    start: date
    end: date
    previous_start: date
    previous_end: date
    interval: Interval
    generated_at: datetime
    responses: int
    previous_responses: int
    headline: list[Headline]
    channels: Breakdown
    stages: Breakdown
    loop: Loop
    themes: Themes

    @property
    def empty(self) -> bool:
        return not self.responses and not self.previous_responses

    def headline_for(self, metric: MetricName) -> Headline:
        return next(h for h in self.headline if h.metric == metric)


def _delta(change: Change, metric: MetricName) -> str:
    if change.delta is None:
        return ""
    decimals = METRIC_FORMATS[metric][0]
    text = _number(abs(change.delta), decimals)
    if round(change.delta, decimals) > 0:
        return f"+{text}"
    if round(change.delta, decimals) < 0:
        return f"−{text}"
    return text


def _label_for(day: date, interval: Interval) -> str:
    if interval == "month":
        return formats.date_format(day, "YEAR_MONTH_FORMAT")
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def _trend(
    metric: MetricName, series: list[tuple[date, Tally]], interval: Interval, title: str
) -> Chart | None:
    estimates = [estimate(tally, metric) for _day, tally in series]
    if not any(e.n for e in estimates):
        return None
    decimals, _suffix, axis = METRIC_FORMATS[metric]
    return charts.line_chart(
        title=title,
        x_labels=[_label_for(day, interval) for day, _tally in series],
        series={str(METRIC_LABELS[metric]): [e.value for e in estimates]},
        band=([e.ci_low for e in estimates], [e.ci_high for e in estimates]),
        y_range=axis,
        value_format=f"{{:.{decimals}f}}",
    )


def _breakdown(groups: list[Group], title: str, *, with_charts: bool) -> Breakdown:
    rows = [
        BreakdownRow(
            key=group.key,
            label=group.label,
            responses=group.tally.responses,
            nps=figure(estimate(group.tally, "nps")),
            csat=figure(estimate(group.tally, "csat")),
            ces=figure(estimate(group.tally, "ces")),
        )
        for group in groups[:BREAKDOWN_LIMIT]
    ]
    scored = [row for row in rows if row.nps.raw is not None]
    chart = None
    if with_charts and scored:
        chart = charts.bar_chart(
            title=title,
            labels=[row.label for row in scored],
            values=[row.nps.raw for row in scored],
            horizontal=True,
            y_range=(-100, 100),
            value_header=str(METRIC_LABELS["nps"]),
        )
    return Breakdown(rows=rows, chart=chart)


def _percent(value: float | None) -> str:
    return "—" if value is None else _number(value, 0) + " %"


def _loop(kpis: LoopKpis, *, with_charts: bool) -> Loop:
    backlog_total = sum(count for _key, count in kpis.backlog)
    chart = None
    if with_charts and backlog_total:
        chart = charts.bar_chart(
            title=_("Open backlog by age"),
            labels=[str(BACKLOG_LABELS.get(key, key)) for key, _count in kpis.backlog],
            values=[count for _key, count in kpis.backlog],
            value_header=_("Open tickets"),
        )
    hours = kpis.median_first_contact_hours
    return Loop(
        kpis=kpis,
        share_48h=_percent(kpis.share_48h),
        median_hours="—" if hours is None else _("%(hours)s h") % {"hours": _number(hours, 1)},
        recovered_share=_percent(kpis.recovered_share),
        backlog_total=backlog_total,
        backlog_chart=chart,
    )


def _themes(
    organization: Organization,
    scope: AccessScope,
    filters: MetricFilters,
    interval: Interval,
    *,
    with_charts: bool,
) -> Themes:
    top = selectors.theme_counts(organization=organization, scope=scope, filters=filters, limit=TOP_THEMES)
    top = [theme for theme in top if theme.count]
    if not with_charts or not top:
        return Themes(top=top, trend=None)
    shown = top[:THEMES_IN_TREND]
    series = selectors.theme_series(
        organization=organization,
        scope=scope,
        filters=filters,
        interval=interval,
        theme_ids=[theme.theme_id for theme in shown],
    )
    days = next((points for points in series.values() if points), [])
    chart = charts.line_chart(
        title=_("Top themes over time"),
        x_labels=[_label_for(day, interval) for day, _count in days],
        series={
            theme.name: [float(count) for _day, count in series.get(theme.theme_id, [])] for theme in shown
        },
        value_format="{:.0f}",
    )
    return Themes(top=top, trend=chart)


def board_context(
    *,
    organization: Organization,
    scope: AccessScope,
    period_days: int = DEFAULT_PERIOD,
    today: date | None = None,
    with_charts: bool = True,
) -> BoardContext:
    """The board for the ``period_days`` ending ``today`` (organisation-local) against the period of
    the same length before it. ``with_charts=False`` (the digest) skips the series and the charts."""
    end = today or selectors.org_today(organization)
    start = end - timedelta(days=period_days - 1)
    previous_start, previous_end = previous_period(start, end)
    interval = interval_for(period_days)
    filters = MetricFilters(start=start, end=end)
    current = selectors.tally(organization=organization, scope=scope, filters=filters)
    previous = selectors.tally(
        organization=organization, scope=scope, filters=filters.with_period(previous_start, previous_end)
    )
    series: list[tuple[date, Tally]] = []
    if with_charts and current.responses:
        series = selectors.tally_series(
            organization=organization, scope=scope, filters=filters, interval=interval
        )

    headline = []
    for metric in HEADLINE_METRICS:
        change = compare(current, previous, metric)
        label = str(METRIC_LABELS[metric])
        headline.append(
            Headline(
                metric=metric,
                label=label,
                name=str(METRIC_NAMES[metric]),
                current=figure(estimate(current, metric)),
                previous=figure(estimate(previous, metric)),
                change=change,
                delta=_delta(change, metric),
                trend=_trend(metric, series, interval, _("%(metric)s trend") % {"metric": label})
                if series
                else None,
            )
        )

    if current.responses:
        channel_groups = selectors.tally_by(
            organization=organization, scope=scope, filters=filters, group_by="channel"
        )
        stage_groups = selectors.tally_by(
            organization=organization, scope=scope, filters=filters, group_by="stage"
        )
    else:
        channel_groups, stage_groups = [], []
    channels = _breakdown(channel_groups, _("NPS by channel"), with_charts=with_charts)
    stages = _breakdown(stage_groups, _("NPS by journey stage"), with_charts=with_charts)

    kpis = selectors.loop_kpis(organization=organization, scope=scope, start=start, end=end)
    return BoardContext(
        organization=organization,
        period_days=period_days,
        periods=PERIODS,
        start=start,
        end=end,
        previous_start=previous_start,
        previous_end=previous_end,
        interval=interval,
        generated_at=timezone.now(),
        responses=current.responses,
        previous_responses=previous.responses,
        headline=headline,
        channels=channels,
        stages=stages,
        loop=_loop(kpis, with_charts=with_charts),
        themes=_themes(organization, scope, filters, interval, with_charts=with_charts)
        if current.responses
        else Themes(top=[], trend=None),
    )
