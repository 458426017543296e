"""The read layer every dashboard, report, export header and the metrics API goes through.

Each read takes the organisation and the viewer's ``AccessScope`` first. When the filters allow
(``MetricFilters.uses_rollups``) it sums the rollup rows; otherwise it aggregates the raw responses with
the same SQL definitions (``analytics.sql``), so both give identical numbers. Every function runs a
bounded number of queries whatever the data size. Definitions: ``docs/metrics.md``.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import connection
from django.db.models import DateField, F, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from accounts.models import Organization
from accounts.selectors import AccessScope
from analytics.filters import MetricFilters
from analytics.metrics import TALLY_FIELDS, Tally
from analytics.models import DailyFacet, DailyRollup, FacetKind
from analytics.sql import TALLY_SELECT, facet_params, facet_sql
from feedback.models import Channel, Response
from surveys.definition.piping import localized
from surveys.definition.types import scale_of
from surveys.models import JourneyStage, Survey, SurveyVersion, Touchpoint

GroupBy = Literal["channel", "touchpoint", "stage", "language", "survey"]
Interval = Literal["day", "week", "month"]  # week starts Monday
GROUP_BYS: tuple[GroupBy, ...] = get_args(GroupBy)
INTERVALS: tuple[Interval, ...] = get_args(Interval)
NONE_LABEL = "—"

_force_raw: ContextVar[bool] = ContextVar("analytics_force_raw", default=False)


@contextmanager
def raw_reads() -> Iterator[None]:
    """Serve every read in the block from the raw responses (tests and benchmarks compare the two)."""
    token = _force_raw.set(True)
    try:
        yield
    finally:
        _force_raw.reset(token)


def _use_rollups(filters: MetricFilters) -> bool:
    return filters.uses_rollups() and not _force_raw.get()


# --- time -----------------------------------------------------------------------------------------


def org_zone(organization: Organization) -> ZoneInfo:
    try:
        return ZoneInfo(organization.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def org_today(organization: Organization) -> date:
    """Today in the organisation's time zone."""
    return timezone.now().astimezone(org_zone(organization)).date()


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant the organisation-local ``day`` begins (days are 23 or 25 hours around DST)."""
    return datetime.combine(day, time.min, tzinfo=zone)


def period_start(day: date, interval: Interval) -> date:
    if interval == "week":
        return day - timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    return day


def period_starts(start: date, end: date, interval: Interval) -> list[date]:
    """Every period start from the one containing ``start`` through the one containing ``end``."""
    result: list[date] = []
    current = period_start(start, interval)
    while current <= end:
        result.append(current)
        if interval == "day":
            current += timedelta(days=1)
        elif interval == "week":
            current += timedelta(days=7)
        else:
            current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
    return result


# --- sources --------------------------------------------------------------------------------------


def _scope_q(scope: AccessScope) -> Q:
    if scope.unrestricted:
        return Q()
    return Q(survey_id__in=scope.survey_ids) | Q(touchpoint_id__in=scope.touchpoint_ids)


def _stage_touchpoints(organization: Organization, stage_ids: Sequence[int]) -> QuerySet[Any]:
    return Touchpoint.all_orgs.filter(organization_id=organization.pk, stage_id__in=stage_ids).values("pk")


def _dimension_q(organization: Organization, scope: AccessScope, filters: MetricFilters) -> Q:
    """The filters that both the rollups and the raw rows carry (everything but the period)."""
    q = _scope_q(scope)
    if filters.survey_ids:
        q &= Q(survey_id__in=filters.survey_ids)
    if filters.channels:
        q &= Q(channel__in=filters.channels)
    if filters.touchpoint_ids:
        q &= Q(touchpoint_id__in=filters.touchpoint_ids)
    if filters.stage_ids:
        q &= Q(touchpoint_id__in=_stage_touchpoints(organization, filters.stage_ids))
    if filters.languages:
        q &= Q(language__in=filters.languages)
    return q


def responses_matching(
    *, organization: Organization, scope: AccessScope, filters: MetricFilters
) -> QuerySet[Response]:
    """The raw responses the filters and the scope select (drill-down, feeds, the raw read path)."""
    zone = org_zone(organization)
    qs = Response.all_orgs.filter(organization_id=organization.pk).filter(
        _dimension_q(organization, scope, filters)
    )
    if filters.start is not None:
        qs = qs.filter(received_at__gte=local_midnight(filters.start, zone))
    if filters.end is not None:
        qs = qs.filter(received_at__lt=local_midnight(filters.end + timedelta(days=1), zone))
    if filters.score_group == "promoter":
        qs = qs.filter(nps__gte=9)
    elif filters.score_group == "passive":
        qs = qs.filter(nps__gte=7, nps__lte=8)
    elif filters.score_group == "detractor":
        qs = qs.filter(nps__lte=6)
    for name, value in filters.hidden:
        qs = qs.filter(hidden_fields__contains={name: value})
    if filters.tag_ids:
        from textanalysis.models import ResponseTag

        qs = qs.filter(
            pk__in=ResponseTag.all_orgs.filter(
                organization_id=organization.pk, tag_id__in=filters.tag_ids
            ).values("response_id")
        )
    if filters.theme_ids:
        qs = qs.filter(theme_ids__overlap=list(filters.theme_ids))
    if filters.sentiment:
        qs = qs.filter(sentiment=filters.sentiment)
    return qs


def response_source_sql(
    organization: Organization, qs: QuerySet[Response], *, with_stage: bool = True, day: date | None = None
) -> tuple[str, tuple[Any, ...]]:
    """The raw source subquery (``analytics.sql``): the response columns plus its organisation-local
    day (``r_day``; ``day`` when the caller selected one day's rows) and journey stage (``r_stage``,
    NULL unless ``with_stage``)."""
    stage: Any = F("touchpoint__stage_id") if with_stage else Value(None, output_field=IntegerField())
    local_day: Any = (
        Value(day, output_field=DateField())
        if day is not None
        else TruncDate("received_at", tzinfo=org_zone(organization))
    )
    src = qs.annotate(
        r_day=local_day,
        r_stage=stage,
    ).values(
        "id",
        "survey_id",
        "survey_version_id",
        "touchpoint_id",
        "channel",
        "language",
        "answers",
        "theme_ids",
        "sentiment",
        "nps",
        "csat",
        "ces",
        "comment",
        "finished_at",
        "r_day",
        "r_stage",
    )
    sql, params = src.order_by().query.sql_with_params()
    return sql, tuple(params)


def _rollup_rows(
    model: type[DailyRollup] | type[DailyFacet],
    organization: Organization,
    scope: AccessScope,
    filters: MetricFilters,
) -> QuerySet[Any]:
    qs = model.all_orgs.filter(organization_id=organization.pk).filter(
        _dimension_q(organization, scope, filters)
    )
    if filters.start is not None:
        qs = qs.filter(day__gte=filters.start)
    if filters.end is not None:
        qs = qs.filter(day__lte=filters.end)
    return qs


# Dimension → (rollup value name, raw SQL column over the src row).
_DIMS: dict[str, tuple[str, str]] = {
    "channel": ("channel", "r.channel"),
    "language": ("language", "r.language"),
    "survey": ("survey_id", "r.survey_id"),
    "touchpoint": ("touchpoint_id", "r.touchpoint_id"),
    "stage": ("g_stage", "r.r_stage"),
    "day": ("day", "r.r_day"),
}


def _dim_key(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, date):
        return value
    return str(value)


def _tallies(
    organization: Organization, scope: AccessScope, filters: MetricFilters, dims: Sequence[str]
) -> dict[tuple[Any, ...], Tally]:
    """Tallies grouped by ``dims`` (names of ``_DIMS``); keys are strings ("" for none) or dates."""
    result: dict[tuple[Any, ...], Tally] = {}
    if _use_rollups(filters):
        qs = _rollup_rows(DailyRollup, organization, scope, filters)
        # Journey stage is the touchpoint's (read now, so moving a touchpoint moves its history): group
        # by touchpoint in SQL and fold touchpoints into their stage here — a join per rollup row in SQL
        # costs more than the whole query.
        stage_of: dict[str, str] = {}
        if "stage" in dims:
            stage_of = {
                str(pk): "" if stage is None else str(stage)
                for pk, stage in Touchpoint.all_orgs.filter(organization_id=organization.pk).values_list(
                    "pk", "stage_id"
                )
            }
        names = list(dict.fromkeys("touchpoint_id" if d == "stage" else _DIMS[d][0] for d in dims))
        sums = {f"t_{f}": Sum(f) for f in TALLY_FIELDS}
        if not names:
            total = qs.aggregate(**sums)
            return {(): Tally(**{f: int(total[f"t_{f}"] or 0) for f in TALLY_FIELDS})}
        rows = qs.order_by().values(*names).annotate(**sums)
        for row in rows:
            key = tuple(
                stage_of.get(_dim_key(row["touchpoint_id"]), "")
                if d == "stage"
                else _dim_key(row[_DIMS[d][0]])
                for d in dims
            )
            tally = Tally(**{f: int(row[f"t_{f}"] or 0) for f in TALLY_FIELDS})
            result[key] = result[key] + tally if key in result else tally
        return result
    qs = responses_matching(organization=organization, scope=scope, filters=filters)
    src, params = response_source_sql(organization, qs)
    columns = [_DIMS[d][1] for d in dims]
    select = "".join(f"{c}, " for c in columns)
    group = f" GROUP BY {', '.join(columns)}" if columns else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select}{TALLY_SELECT} FROM ({src}) r{group}", params)  # noqa: S608
        for row in cursor.fetchall():
            key = tuple(_dim_key(v) for v in row[: len(dims)])
            result[key] = Tally(
                **{f: int(v or 0) for f, v in zip(TALLY_FIELDS, row[len(dims) :], strict=True)}
            )
    return result


def _facets(
    organization: Organization,
    scope: AccessScope,
    filters: MetricFilters,
    kinds: tuple[str, ...],
    dims: Sequence[str] = (),
) -> list[tuple[tuple[Any, ...], str, str, str, int]]:
    """Facet counts grouped by ``dims`` then kind, key and value."""
    result: list[tuple[tuple[Any, ...], str, str, str, int]] = []
    if _use_rollups(filters):
        names = [_DIMS[d][0] for d in dims]
        rows = (
            _rollup_rows(DailyFacet, organization, scope, filters)
            .filter(kind__in=kinds)
            .order_by()
            .values(*names, "kind", "key", "value")
            .annotate(total=Sum("count"))
        )
        for row in rows:
            key = tuple(_dim_key(row[n]) for n in names)
            result.append((key, row["kind"], row["key"], row["value"], int(row["total"] or 0)))
        return result
    qs = responses_matching(organization=organization, scope=scope, filters=filters)
    src, params = response_source_sql(organization, qs)
    sql = facet_sql(src_sql=src, dims=[_DIMS[d][1] for d in dims], kinds=kinds)
    all_params = facet_params(organization_id=organization.pk, src_params=params, kinds=kinds)
    with connection.cursor() as cursor:
        cursor.execute(sql, all_params)
        for row in cursor.fetchall():
            n = len(dims)
            key = tuple(_dim_key(v) for v in row[:n])
            result.append((key, row[n], row[n + 1], row[n + 2] or "", int(row[n + 3])))
    return result


# --- tallies --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    key: str  # channel code, str(pk), language code, "" for none
    label: str  # translated for channels/languages; the name for touchpoint/stage/survey; "—" for none
    tally: Tally


def tally(*, organization: Organization, scope: AccessScope, filters: MetricFilters) -> Tally:
    return _tallies(organization, scope, filters, ()).get((), Tally())


def _labels(organization: Organization, group_by: GroupBy, keys: set[str]) -> dict[str, str]:
    labels: dict[str, str] = {"": NONE_LABEL}
    if group_by == "channel":
        choices = dict(Channel.choices)
        labels.update({k: str(choices.get(k, k)) for k in keys if k})
    elif group_by == "language":
        languages = dict(settings.LANGUAGES)
        labels.update({k: gettext(str(languages[k])) if k in languages else k for k in keys if k})
    else:
        models: dict[str, Any] = {"survey": Survey, "touchpoint": Touchpoint, "stage": JourneyStage}
        model = models[group_by]
        ids = [int(k) for k in keys if k]
        if ids:
            names = model.all_orgs.filter(organization_id=organization.pk, pk__in=ids).values_list(
                "pk", "name"
            )
            labels.update({str(pk): name for pk, name in names})
        # A survey or touchpoint deleted since: its rows keep its id; show it as unnamed.
        labels.update({k: f"#{k}" for k in keys if k and k not in labels})
    return labels


def _groups(organization: Organization, group_by: GroupBy, tallies: Mapping[str, Tally]) -> list[Group]:
    labels = _labels(organization, group_by, set(tallies))
    groups = [Group(key, labels.get(key, key), t) for key, t in tallies.items()]
    return sorted(groups, key=lambda g: (-g.tally.responses, g.label, g.key))


def tally_by(
    *, organization: Organization, scope: AccessScope, filters: MetricFilters, group_by: GroupBy
) -> list[Group]:
    """Tallies per group, ordered by responses (most first), then label."""
    rows = _tallies(organization, scope, filters, (group_by,))
    return _groups(organization, group_by, {key[0]: t for key, t in rows.items()})


def tally_series(
    *, organization: Organization, scope: AccessScope, filters: MetricFilters, interval: Interval
) -> list[tuple[date, Tally]]:
    """One tally per period start from ``filters.start`` to ``filters.end``, empty periods included.
    The first and last periods hold only the days inside the filter's period."""
    if filters.start is None or filters.end is None:
        raise ValueError("tally_series needs filters.start and filters.end")
    buckets: dict[date, Tally] = {s: Tally() for s in period_starts(filters.start, filters.end, interval)}
    for (day,), t in _tallies(organization, scope, filters, ("day",)).items():
        start = period_start(day, interval)
        if start in buckets:
            buckets[start] = buckets[start] + t
    return list(buckets.items())


def crosstab(
    *,
    organization: Organization,
    scope: AccessScope,
    filters: MetricFilters,
    rows: GroupBy,
    columns: GroupBy,
) -> tuple[list[Group], list[Group], dict[tuple[str, str], Tally]]:
    """Row groups and column groups (each with its total tally, ordered by responses) and the tally
    of each non-empty (row key, column key) cell."""
    if rows == columns:
        groups = tally_by(organization=organization, scope=scope, filters=filters, group_by=rows)
        return groups, list(groups), {(g.key, g.key): g.tally for g in groups}
    data = _tallies(organization, scope, filters, (rows, columns))
    row_totals: dict[str, Tally] = defaultdict(Tally)
    column_totals: dict[str, Tally] = defaultdict(Tally)
    cells: dict[tuple[str, str], Tally] = {}
    for (row_key, column_key), t in data.items():
        row_totals[row_key] += t
        column_totals[column_key] += t
        cells[(row_key, column_key)] = t
    return _groups(organization, rows, row_totals), _groups(organization, columns, column_totals), cells


# --- questions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionStats:
    key: str
    type: str
    title: str  # in the requested language, else the survey's base language
    answered: int  # responses that answered it
    reached: int  # responses that were shown it (estimate, see docs/metrics.md)
    distribution: list[tuple[str, str, int]]  # (value, label, count) in scale/choice order


def _question_values(question: Mapping[str, Any], language: str, base: str) -> list[tuple[str, str]]:
    """The values a question's answers can take, in display order, with their labels."""
    qtype = str(question.get("type"))
    scale = scale_of(question)
    if scale is not None:
        low, high = scale
        if qtype == "rating" and (question.get("options") or {}).get("style") == "thumbs":
            return [("0", pgettext("thumbs rating", "Down")), ("1", pgettext("thumbs rating", "Up"))]
        return [(str(v), str(v)) for v in range(low, high + 1)]
    if qtype in ("yes_no", "consent"):
        return [("true", gettext("Yes")), ("false", gettext("No"))]
    if qtype in ("single_choice", "multiple_choice", "dropdown", "ranking"):
        values = [
            (str(c.get("key")), localized(c.get("label"), language, base) or str(c.get("key")))
            for c in question.get("choices") or []
            if isinstance(c, Mapping)
        ]
        if (question.get("options") or {}).get("allow_other"):
            values.append(("other", gettext("Other")))
        return values
    if qtype == "matrix":
        rows = [r for r in question.get("rows") or [] if isinstance(r, Mapping)]
        columns = [c for c in question.get("columns") or [] if isinstance(c, Mapping)]
        return [
            (
                f"{r.get('key')}={c.get('key')}",
                f"{localized(r.get('label'), language, base)}: {localized(c.get('label'), language, base)}",
            )
            for r in rows
            for c in columns
        ]
    return []


def question_stats(
    *,
    organization: Organization,
    scope: AccessScope,
    filters: MetricFilters,
    survey: Survey,
    language: str,
) -> list[QuestionStats]:
    """Per question of the survey's current version (in its order): answered, reached and the answer
    distribution. Drop-off at a question = 1 − answered / started (started = ``tally().responses``)."""
    definition: Mapping[str, Any] = {}
    if survey.current_version_id is not None:
        definition = (
            SurveyVersion.all_orgs.filter(pk=survey.current_version_id)
            .values_list("definition", flat=True)
            .first()
            or {}
        )
    if not definition:
        definition = survey.draft if isinstance(survey.draft, Mapping) else {}
    base = str(definition.get("base_language") or survey.base_language or "en")
    questions = [
        q
        for q in definition.get("questions") or []
        if isinstance(q, Mapping) and q.get("type") != "info" and isinstance(q.get("key"), str)
    ]
    survey_filters = replace(filters, survey_ids=(survey.pk,))
    answered: dict[str, int] = defaultdict(int)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for _dims, kind, key, value, count in _facets(
        organization, scope, survey_filters, ("answered", "answer")
    ):
        if kind == FacetKind.ANSWERED:
            answered[key] += count
        else:
            counts[(key, value)] += count
    finished = tally(organization=organization, scope=scope, filters=survey_filters).finished
    result: list[QuestionStats] = []
    later_answered = finished
    reached_by_key: dict[str, int] = {}
    for q in reversed(questions):
        later_answered = max(later_answered, answered.get(q["key"], 0))
        reached_by_key[q["key"]] = later_answered
    for q in questions:
        key = q["key"]
        known = _question_values(q, language, base)
        known_values = {v for v, _label in known}
        distribution = [(v, label, counts.get((key, v), 0)) for v, label in known]
        extras = sorted((v, c) for (k, v), c in counts.items() if k == key and v not in known_values)
        distribution += [(v, v, c) for v, c in extras]
        result.append(
            QuestionStats(
                key=key,
                type=str(q.get("type")),
                title=localized(q.get("text"), language, base),
                answered=answered.get(key, 0),
                reached=reached_by_key[key],
                distribution=distribution,
            )
        )
    return result


# --- themes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeCount:
    theme_id: int
    name: str
    count: int
    positive: int
    negative: int


def _theme_names(organization: Organization, ids: set[int]) -> dict[int, str]:
    from textanalysis.models import Theme

    if not ids:
        return {}
    return dict(Theme.all_orgs.filter(organization_id=organization.pk, pk__in=ids).values_list("pk", "name"))


def theme_counts(
    *, organization: Organization, scope: AccessScope, filters: MetricFilters, limit: int = 10
) -> list[ThemeCount]:
    """The most mentioned themes (responses whose comment matched), most first; deleted themes are left out."""
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for _dims, _kind, key, value, count in _facets(organization, scope, filters, ("theme",)):
        if not key.isdigit():
            continue
        entry = totals[int(key)]
        entry[0] += count
        if value == "positive":
            entry[1] += count
        elif value == "negative":
            entry[2] += count
    names = _theme_names(organization, set(totals))
    counts = [ThemeCount(tid, names[tid], c, p, n) for tid, (c, p, n) in totals.items() if tid in names]
    counts.sort(key=lambda t: (-t.count, t.name, t.theme_id))
    return counts[: max(0, limit)]


def theme_series(
    *,
    organization: Organization,
    scope: AccessScope,
    filters: MetricFilters,
    interval: Interval,
    theme_ids: Sequence[int],
) -> dict[int, list[tuple[date, int]]]:
    """Mentions per period for each requested theme (start and end required), empty periods included."""
    if filters.start is None or filters.end is None:
        raise ValueError("theme_series needs filters.start and filters.end")
    starts = period_starts(filters.start, filters.end, interval)
    wanted = {str(t) for t in theme_ids}
    series: dict[int, dict[date, int]] = {int(t): dict.fromkeys(starts, 0) for t in theme_ids}
    if not wanted:
        return {}
    if _use_rollups(filters):
        # Only the wanted themes, summed over sentiment in SQL: a year of seven themes is ~2,500 rows,
        # not ~10,000 with every sentiment.
        rows = (
            _rollup_rows(DailyFacet, organization, scope, filters)
            .filter(kind="theme", key__in=sorted(wanted))
            .order_by()
            .values("day", "key")
            .annotate(total=Sum("count"))
            .values_list("day", "key", "total")
        )
        facets = [((day,), "theme", key, "", int(total or 0)) for day, key, total in rows]
    else:
        facets = _facets(organization, scope, filters, ("theme",), ("day",))
    for (day,), _kind, key, _value, count in facets:
        if key in wanted:
            start = period_start(day, interval)
            if start in series[int(key)]:
                series[int(key)][start] += count
    return {tid: list(points.items()) for tid, points in series.items()}


# --- comments -------------------------------------------------------------------------------------


def comment_feed(
    *,
    organization: Organization,
    scope: AccessScope,
    filters: MetricFilters,
    limit: int = 20,
    before_id: int | None = None,
) -> list[Response]:
    """Responses with a comment, newest first (by received_at, then id); ``before_id`` pages on from
    that response."""
    qs = responses_matching(organization=organization, scope=scope, filters=filters).exclude(comment="")
    if before_id is not None:
        anchor = (
            Response.all_orgs.filter(organization_id=organization.pk, pk=before_id)
            .values_list("received_at", flat=True)
            .first()
        )
        if anchor is None:
            return []
        qs = qs.filter(Q(received_at__lt=anchor) | Q(received_at=anchor, pk__lt=before_id))
    return list(qs.select_related("touchpoint", "survey").order_by("-received_at", "-pk")[: max(0, limit)])


# --- closed loop ----------------------------------------------------------------------------------

BACKLOG_BUCKETS = ("lt24h", "24to48h", "2to7d", "gt7d")


@dataclass(frozen=True)
class LoopKpis:
    actionable: int
    followed_up_48h: int
    share_48h: float | None  # percent
    median_first_contact_hours: float | None
    backlog: list[tuple[str, int]]  # [("lt24h", n), ("24to48h", n), ("2to7d", n), ("gt7d", n)]
    detractor_tickets: int
    recovery_known: int  # detractor tickets whose follow-up answered whether they were recovered
    recovered: int
    recovered_share: float | None  # percent of recovery_known


def _ticket_scope_q(organization: Organization, scope: AccessScope) -> Q:
    if scope.unrestricted:
        return Q()
    visible = Response.all_orgs.filter(organization_id=organization.pk).filter(_scope_q(scope)).values("pk")
    return Q(response_id__in=visible) | Q(team_id__in=scope.team_ids)


def loop_kpis(*, organization: Organization, scope: AccessScope, start: date, end: date) -> LoopKpis:
    """Closed-loop KPIs of the tickets whose feedback arrived in ``start``…``end`` (organisation-local),
    and the open backlog now. Raw queries over tickets; see docs/metrics.md."""
    from tickets.models import OPEN_STATUSES, Ticket, TicketResponse

    zone = org_zone(organization)
    tickets = Ticket.all_orgs.filter(organization_id=organization.pk).filter(
        _ticket_scope_q(organization, scope)
    )
    in_period = tickets.filter(
        feedback_at__gte=local_midnight(start, zone),
        feedback_at__lt=local_midnight(end + timedelta(days=1), zone),
    )
    rows = list(
        in_period.values_list(
            "pk", "response_id", "feedback_at", "first_responded_at", "recovered", "response__nps"
        )
    )
    linked = TicketResponse.all_orgs.filter(
        organization_id=organization.pk, ticket_id__in=in_period.values("pk")
    ).values_list("ticket_id", "response_id")
    # Actionable feedback: each response that got a ticket (its first, or appended later), counted once,
    # followed up when its ticket's first contact came within 48 hours of the ticket's feedback.
    limit = timedelta(hours=48)
    on_time = {r[0]: r[3] is not None and r[3] - r[2] <= limit for r in rows}
    responses: dict[int, bool] = {}
    for ticket_id, response_id in [(r[0], r[1]) for r in rows if r[1] is not None] + list(linked):
        responses[response_id] = responses.get(response_id, False) or on_time.get(ticket_id, False)
    hours = [max((r[3] - r[2]).total_seconds(), 0.0) / 3600 for r in rows if r[3] is not None]
    followed = sum(responses.values())
    detractors = [r for r in rows if r[5] is not None and r[5] <= 6]
    answered = [r for r in detractors if r[4] is not None]
    recovered = sum(1 for r in answered if r[4])
    now = timezone.now()
    backlog = dict.fromkeys(BACKLOG_BUCKETS, 0)
    for feedback_at in tickets.filter(status__in=OPEN_STATUSES).values_list("feedback_at", flat=True):
        backlog[_age_bucket(now - feedback_at)] += 1
    actionable = len(responses)
    return LoopKpis(
        actionable=actionable,
        followed_up_48h=followed,
        share_48h=followed * 100 / actionable if actionable else None,
        median_first_contact_hours=statistics.median(hours) if hours else None,
        backlog=list(backlog.items()),
        detractor_tickets=len(detractors),
        recovery_known=len(answered),
        recovered=recovered,
        recovered_share=recovered * 100 / len(answered) if answered else None,
    )


def _age_bucket(age: timedelta) -> str:
    if age < timedelta(hours=24):
        return "lt24h"
    if age < timedelta(hours=48):
        return "24to48h"
    if age < timedelta(days=7):
        return "2to7d"
    return "gt7d"
