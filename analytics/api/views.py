"""``GET /api/v1/metrics``: NPS, CSAT or CES for a period, with its interval, the previous period, an
optional series and an optional breakdown, read through ``analytics.selectors`` like every dashboard.

A key answers with the access scope of the member who created it (an owner or admin, so usually
everything); a key whose creator has left the organisation keeps answering for the whole organisation,
like every other endpoint of the key.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Membership, Organization
from accounts.selectors import AccessScope, access_scope_for
from analytics import selectors
from analytics.api.params import (
    DEFAULT_PERIOD,
    METRICS,
    PERIODS,
    MetricQuery,
    QueryInvalid,
    parse_metric_query,
)
from analytics.filters import previous_period
from analytics.metrics import Estimate, MetricName, Tally, compare, estimate, nps_groups
from core.api import ErrorOutput, OrgAPIView
from core.authentication import ApiKeyPrincipal
from core.ratelimit import Rate, check_all
from feedback.api.common import Refused
from feedback.models import Channel


def _round(value: float | None, digits: int = 1) -> float | None:
    return round(value, digits) if value is not None else None


def key_scope(principal: ApiKeyPrincipal) -> AccessScope:
    creator = (
        Membership.all_orgs.filter(organization=principal.organization, user_id=principal.key.created_by_id)
        .select_related("organization")
        .first()
        if principal.key.created_by_id is not None
        else None
    )
    return access_scope_for(membership=creator) if creator is not None else AccessScope(unrestricted=True)


def _point(found: Estimate) -> dict[str, Any]:
    return {
        "value": _round(found.value),
        "n": found.n,
        "ci_low": _round(found.ci_low),
        "ci_high": _round(found.ci_high),
    }


def _breakdown(tally: Tally, metric: str) -> dict[str, Any]:
    if metric == "nps":
        promoters, passives, detractors = nps_groups(tally)
        return {"promoters": promoters, "passives": passives, "detractors": detractors}
    if metric == "csat":
        return {"satisfied": tally.csat_satisfied}
    return {"easy_share": _round(estimate(tally, "ces_easy").value)}


def _series(points: list[tuple[date, Tally]], metric: MetricName) -> list[dict[str, Any]]:
    return [{"start": start.isoformat(), **_point(estimate(t, metric))} for start, t in points]


def metrics_answer(*, organization: Organization, scope: AccessScope, query: MetricQuery) -> dict[str, Any]:
    """The answer of the endpoint, from the same selectors as the dashboards."""
    metric: MetricName = query.metric  # type: ignore[assignment]
    filters = query.filters
    current = selectors.tally(organization=organization, scope=scope, filters=filters)
    before_start, before_end = previous_period(query.start, query.end)
    previous = selectors.tally(
        organization=organization, scope=scope, filters=filters.with_period(before_start, before_end)
    )
    now_estimate, before_estimate = estimate(current, metric), estimate(previous, metric)
    change = compare(current, previous, metric)
    answer: dict[str, Any] = {
        "metric": metric,
        "from": query.start.isoformat(),
        "to": query.end.isoformat(),
        "interval": query.interval,
        "group_by": query.group_by,
        **_point(now_estimate),
        "breakdown": _breakdown(current, metric),
        "previous": {"value": _round(before_estimate.value), "n": before_estimate.n},
        "change": {
            "delta": _round(change.delta),
            "p_value": _round(change.p_value, 4),
            "significant": change.significant,
        },
    }
    if query.interval is not None:
        answer["series"] = _series(
            selectors.tally_series(
                organization=organization, scope=scope, filters=filters, interval=query.interval
            ),
            metric,
        )
    if query.group_by is not None:
        groups = selectors.tally_by(
            organization=organization, scope=scope, filters=filters, group_by=query.group_by
        )
        by_group = _group_series(organization, scope, query) if query.interval is not None and groups else {}
        answer["groups"] = [
            {
                "key": group.key,
                "label": group.label,
                **_point(estimate(group.tally, metric)),
                **({"series": _series(by_group.get(group.key, []), metric)} if query.interval else {}),
            }
            for group in groups
        ]
    return answer


def _group_series(
    organization: Organization, scope: AccessScope, query: MetricQuery
) -> dict[str, list[tuple[date, Tally]]]:
    """Each group's series, in one read: tallies by (group, day) summed into the series' periods."""
    assert query.interval is not None
    assert query.group_by is not None
    starts = selectors.period_starts(query.start, query.end, query.interval)
    buckets: dict[str, dict[date, Tally]] = defaultdict(lambda: dict.fromkeys(starts, Tally()))
    rows = selectors._tallies(organization, scope, query.filters, (query.group_by, "day"))
    for (key, day), found in rows.items():
        start = selectors.period_start(day, query.interval)
        series = buckets[key]
        if start in series:
            series[start] = series[start] + found
    return {key: list(series.items()) for key, series in buckets.items()}


# --- the schema --------------------------------------------------------------------------------------


class _PointFields(serializers.Serializer[Any]):
    value = serializers.FloatField(allow_null=True, help_text="Rounded to 1 decimal; null without answers.")
    n = serializers.IntegerField(help_text="Answers counted.")
    ci_low = serializers.FloatField(allow_null=True, help_text="95 % interval, low end; null when unknown.")
    ci_high = serializers.FloatField(allow_null=True, help_text="95 % interval, high end; null when unknown.")


class MetricSeriesPoint(_PointFields):
    start = serializers.DateField(help_text="First day of the period.")


class MetricGroup(_PointFields):
    key = serializers.CharField(help_text="Channel or language code, or an id; empty for none.")
    label = serializers.CharField()  # type: ignore[assignment]  # a field, shadowing Field.label
    series = MetricSeriesPoint(many=True, required=False, help_text="With interval only.")


class MetricBreakdown(serializers.Serializer[Any]):
    promoters = serializers.IntegerField(required=False, help_text="NPS: answers 9–10.")
    passives = serializers.IntegerField(required=False, help_text="NPS: answers 7–8.")
    detractors = serializers.IntegerField(required=False, help_text="NPS: answers 0–6.")
    satisfied = serializers.IntegerField(required=False, help_text="CSAT: answers 4–5.")
    easy_share = serializers.FloatField(
        required=False, allow_null=True, help_text="CES: percent of answers 5–7."
    )


class MetricPrevious(serializers.Serializer[Any]):
    value = serializers.FloatField(allow_null=True)
    n = serializers.IntegerField()


class MetricChange(serializers.Serializer[Any]):
    delta = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True)
    significant = serializers.BooleanField(help_text="Two-sided z-test at 5 %.")


class MetricsOutput(_PointFields):
    metric = serializers.ChoiceField(choices=METRICS)
    from_ = serializers.DateField(help_text="First day, organisation-local, inclusive.")
    to = serializers.DateField(help_text="Last day, organisation-local, inclusive.")
    interval = serializers.ChoiceField(choices=selectors.INTERVALS, allow_null=True)
    group_by = serializers.ChoiceField(choices=selectors.GROUP_BYS, allow_null=True)
    breakdown = MetricBreakdown()
    previous = MetricPrevious(help_text="The period of the same length just before.")
    change = MetricChange()
    series = MetricSeriesPoint(many=True, required=False, help_text="With interval only.")
    groups = MetricGroup(many=True, required=False, help_text="With group_by only.")

    class Meta:
        ref_name = "Metrics"

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        # "from" is a Python keyword: declared as from_, named from in the answer.
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


_LIST: dict[str, Any] = {"explode": True, "style": "form"}

PARAMETERS = [
    OpenApiParameter("metric", str, required=True, enum=list(METRICS), description="The metric."),
    OpenApiParameter(
        "period",
        str,
        enum=list(PERIODS),
        description=f"The last 7, 30, 90 or 365 days up to today (organisation-local). "
        f"Default {DEFAULT_PERIOD}. Leave out when giving from and to.",
    ),
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day (YYYY-MM-DD), with to."),
    OpenApiParameter(
        "to",
        OpenApiTypes.DATE,
        description="Last day (YYYY-MM-DD), inclusive; at most three years after from.",
    ),
    OpenApiParameter(
        "interval",
        str,
        enum=list(selectors.INTERVALS),
        description="Adds a series per day (at most 366 days), week (from Monday) or month.",
    ),
    OpenApiParameter(
        "group_by", str, enum=list(selectors.GROUP_BYS), description="Adds a breakdown into groups."
    ),
    OpenApiParameter(
        "survey",
        {"type": "array", "items": {"type": "string"}},
        description="Survey public ids (or ids).",
        **_LIST,
    ),
    OpenApiParameter(
        "channel",
        {"type": "array", "items": {"type": "string", "enum": list(Channel.values)}},
        description="Channels.",
        **_LIST,
    ),
    OpenApiParameter(
        "touchpoint",
        {"type": "array", "items": {"type": "integer", "minimum": 1}},
        description="Touchpoint ids.",
        **_LIST,
    ),
    OpenApiParameter(
        "language",
        {"type": "array", "items": {"type": "string", "enum": [code for code, _name in settings.LANGUAGES]}},
        description="Response languages.",
        **_LIST,
    ),
]

EXAMPLE = {
    "metric": "nps",
    "from": "2026-10-01",
    "to": "2026-10-30",
    "interval": "week",
    "group_by": "channel",
    "value": 31.4,
    "n": 812,
    "ci_low": 26.1,
    "ci_high": 36.7,
    "breakdown": {"promoters": 402, "passives": 246, "detractors": 164},
    "previous": {"value": 24.9, "n": 790},
    "change": {"delta": 6.5, "p_value": 0.0312, "significant": True},
    "series": [
        {"start": "2026-09-28", "value": 28.0, "n": 100, "ci_low": 13.4, "ci_high": 42.6},
        {"start": "2026-10-05", "value": 33.1, "n": 190, "ci_low": 22.7, "ci_high": 43.5},
    ],
    "groups": [
        {"key": "email", "label": "Email", "value": 35.2, "n": 520, "ci_low": 28.7, "ci_high": 41.7},
        {"key": "web", "label": "Website", "value": 24.7, "n": 292, "ci_low": 15.8, "ci_high": 33.6},
    ],
}


class MetricsView(OrgAPIView):
    """Secret-key metrics read: counted against the key's rate limit like every secret-key call."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        principal = request.user
        assert isinstance(principal, ApiKeyPrincipal)
        decision = check_all(
            [("secret-key", principal.key.prefix, Rate.parse(settings.RATE_LIMIT_SECRET_KEY))]
        )
        if not decision.allowed:
            raise Refused(
                status.HTTP_429_TOO_MANY_REQUESTS,
                _("Too many requests. Try again later."),
                Retry_After=str(decision.retry_after),
            )

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, Refused):
            return exc.response
        return super().handle_exception(exc)

    @extend_schema(
        operation_id="metrics_read",
        summary="NPS, CSAT or CES for a period",
        description=(
            "The metric with its 95 % interval, the previous period of the same length and whether the "
            "change is significant; optionally a series (interval) and a breakdown (group_by). Numbers "
            "are limited to what the key's creator may see. See docs/metrics.md for the definitions."
        ),
        parameters=PARAMETERS,
        responses={
            200: MetricsOutput,
            400: ErrorOutput,
            401: ErrorOutput,
            403: ErrorOutput,
            429: ErrorOutput,
        },
        examples=[
            OpenApiExample("NPS by channel, weekly", value=EXAMPLE, response_only=True, status_codes=["200"]),
            OpenApiExample(
                "A bad period",
                value={
                    "detail": "The request is not valid.",
                    "errors": {"from": ["from must be on or before to."]},
                },
                response_only=True,
                status_codes=["400"],
            ),
        ],
    )
    def get(self, request: Request) -> Response:
        principal = request.user
        assert isinstance(principal, ApiKeyPrincipal)
        organization = principal.organization
        try:
            query = parse_metric_query(
                request.query_params, organization=organization, today=selectors.org_today(organization)
            )
        except QueryInvalid as exc:
            return Response(
                {"detail": _("The request is not valid."), "errors": exc.errors},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(metrics_answer(organization=organization, scope=key_scope(principal), query=query))
