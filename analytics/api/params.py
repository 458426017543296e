"""The query string of ``GET /api/v1/metrics``, checked: a ``MetricQuery`` or every problem by field.

Nothing in a query string can make the endpoint fail: every value is parsed here, and each problem
is reported under the parameter's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import cast

from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext as _

from accounts.models import Organization
from analytics.filters import MetricFilters
from analytics.selectors import GROUP_BYS, INTERVALS, GroupBy, Interval
from feedback.models import Channel
from surveys.models import Survey

METRICS = ("nps", "csat", "ces")
PERIODS = {"7d": 7, "30d": 30, "90d": 90, "365d": 365}
DEFAULT_PERIOD = "30d"
MAX_DAYS = 3 * 365 + 1  # "at most three years", whatever the leap days
MAX_DAILY_DAYS = 366
EARLIEST = date(2000, 1, 1)
LATEST = date(2999, 12, 31)
MAX_VALUES = 100
PARAMETERS = (
    "metric",
    "period",
    "from",
    "to",
    "interval",
    "group_by",
    "survey",
    "channel",
    "touchpoint",
    "language",
)


@dataclass(frozen=True)
class MetricQuery:
    metric: str
    start: date
    end: date
    interval: Interval | None
    group_by: GroupBy | None
    filters: MetricFilters  # the dimensions, with the period set


class QueryInvalid(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("invalid query")
        self.errors = errors


def _values(query: QueryDict, name: str) -> list[str]:
    """Repeated (``?channel=a&channel=b``) or comma-separated (``?channel=a,b``), blanks dropped."""
    return [part.strip() for raw in query.getlist(name) for part in raw.split(",") if part.strip()]


def _one(query: QueryDict, name: str) -> str:
    return (query.get(name) or "").strip()


def _date(raw: str, errors: list[str]) -> date | None:
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        errors.append(_("Enter a date as YYYY-MM-DD."))
        return None
    if len(raw) != 10 or not EARLIEST <= value <= LATEST:
        errors.append(_("Enter a date as YYYY-MM-DD between 2000-01-01 and 2999-12-31."))
        return None
    return value


def _choice(query: QueryDict, name: str, choices: tuple[str, ...], errors: dict[str, list[str]]) -> str:
    value = _one(query, name)
    if value and value not in choices:
        errors[name] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)}]
        return ""
    return value


def _period(query: QueryDict, today: date, errors: dict[str, list[str]]) -> tuple[date, date] | None:
    period, raw_from, raw_to = _one(query, "period"), _one(query, "from"), _one(query, "to")
    if raw_from or raw_to:
        if period:
            errors["period"] = [_("Give either a period or from and to, not both.")]
        for name, raw in (("from", raw_from), ("to", raw_to)):
            if not raw:
                errors[name] = [_("Give both from and to.")]
        problems: dict[str, list[str]] = {"from": [], "to": []}
        start = _date(raw_from, problems["from"]) if raw_from else None
        end = _date(raw_to, problems["to"]) if raw_to else None
        errors.update({name: found for name, found in problems.items() if found})
        if start is None or end is None:
            return None
        if start > end:
            errors["from"] = [_("from must be on or before to.")]
            return None
        if (end - start).days + 1 > MAX_DAYS:
            errors["to"] = [_("A period covers at most three years.")]
            return None
        return start, end
    days = PERIODS.get(period or DEFAULT_PERIOD)
    if days is None:
        errors["period"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(PERIODS)}]
        return None
    return today - timedelta(days=days - 1), today


def _ids(raw: list[str], name: str, errors: dict[str, list[str]]) -> tuple[int, ...]:
    if not all(value.isascii() and value.isdigit() and 0 < int(value) < 2**31 for value in raw):
        errors[name] = [_("Give whole numbers above zero.")]
        return ()
    return tuple(int(value) for value in raw)


def _surveys(organization: Organization, raw: list[str], errors: dict[str, list[str]]) -> tuple[int, ...]:
    """Surveys by their public id (as everywhere in the API) or their numeric id."""
    if any(len(value) > 16 for value in raw):
        errors["survey"] = [_("No survey has this id.")]
        return ()
    numbers = [int(value) for value in raw if value.isascii() and value.isdigit() and int(value) < 2**31]
    printable = [value for value in raw if value.isprintable()]
    found = dict(
        Survey.all_orgs.filter(organization=organization, public_id__in=printable).values_list(
            "public_id", "pk"
        )
    )
    found.update(
        {
            str(pk): pk
            for pk in Survey.all_orgs.filter(organization=organization, pk__in=numbers).values_list(
                "pk", flat=True
            )
        }
    )
    missing = [value for value in raw if value not in found]
    if missing:
        errors["survey"] = [_("No survey has this id: %(ids)s.") % {"ids": ", ".join(missing)}]
        return ()
    return tuple(dict.fromkeys(found[value] for value in raw))


def _codes(raw: list[str], name: str, valid: set[str], errors: dict[str, list[str]]) -> tuple[str, ...]:
    unknown = [value for value in raw if value not in valid]
    if unknown:
        errors[name] = [_("Choose from: %(choices)s.") % {"choices": ", ".join(sorted(valid))}]
        return ()
    return tuple(dict.fromkeys(raw))


def parse_metric_query(query: QueryDict, *, organization: Organization, today: date) -> MetricQuery:
    """The checked query; QueryInvalid with every problem by parameter name otherwise."""
    errors: dict[str, list[str]] = {}
    metric = _one(query, "metric")
    blank = [name for name in PARAMETERS if any(not raw.strip() for raw in query.getlist(name))]
    if not metric:
        errors["metric"] = [_("This parameter is required: nps, csat or ces.")]
    elif metric not in METRICS:
        errors["metric"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(METRICS)}]
    period = _period(query, today, errors)
    interval = _choice(query, "interval", INTERVALS, errors)
    group_by = _choice(query, "group_by", GROUP_BYS, errors)
    if (
        period is not None
        and interval == "day"
        and (period[1] - period[0]).days + 1 > MAX_DAILY_DAYS
        and "interval" not in errors
    ):
        errors["interval"] = [_("A daily series covers at most 366 days; use week or month.")]
    raw = {name: _values(query, name) for name in ("survey", "channel", "touchpoint", "language")}
    for name, values in raw.items():
        if len(values) > MAX_VALUES:
            errors[name] = [_("Give at most %(n)d values.") % {"n": MAX_VALUES}]
            raw[name] = []
    channels = _codes(raw["channel"], "channel", set(Channel.values), errors)
    languages = _codes(raw["language"], "language", {code for code, _name in settings.LANGUAGES}, errors)
    touchpoints = _ids(raw["touchpoint"], "touchpoint", errors)
    surveys = (
        _surveys(organization, raw["survey"], errors) if raw["survey"] and "survey" not in errors else ()
    )
    # A blank value would otherwise count as "not given" (and widen the query); say so instead.
    errors.update(
        {name: [_("Give a value or leave the parameter out.")] for name in blank if name not in errors}
    )
    if errors or period is None:
        raise QueryInvalid(errors)
    start, end = period
    return MetricQuery(
        metric=metric,
        start=start,
        end=end,
        interval=cast(Interval, interval) if interval else None,
        group_by=cast(GroupBy, group_by) if group_by else None,
        filters=MetricFilters(
            start=start,
            end=end,
            survey_ids=surveys,
            channels=channels,
            touchpoint_ids=touchpoints,
            languages=languages,
        ),
    )
