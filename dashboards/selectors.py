"""Reads for the dashboards. Every read takes the organisation first and honours the access scope.

All numbers are computed by PostgreSQL with conditional aggregates, so the number of queries and the
memory used do not grow with the number of responses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise

from accounts.models import Organization
from accounts.selectors import AccessScope
from feedback.models import Channel, Response

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
