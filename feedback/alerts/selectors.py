"""Reads about alerts: rules, the delivery log, and the trace shown on a response."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Membership, Organization
from feedback.alerts.models import AlertDelivery, AlertDeliveryStatus, AlertMatch, AlertRule
from feedback.models import Response


def alert_rule_list(*, organization: Organization) -> QuerySet[AlertRule]:
    return (
        AlertRule.all_orgs.filter(organization=organization)
        .annotate(
            failed_count=Count("deliveries", filter=Q(deliveries__status=AlertDeliveryStatus.FAILED)),
        )
        .order_by("position", "pk")
    )


def alert_rule_get(*, organization: Organization, rule_id: int) -> AlertRule:
    """The rule, or 404 (another organisation's rule too)."""
    return get_object_or_404(
        AlertRule.all_orgs.select_related("organization"), organization=organization, pk=rule_id
    )


def alert_delivery_list(
    *, organization: Organization, status: str = "", rule_id: int | None = None
) -> QuerySet[AlertDelivery]:
    deliveries = AlertDelivery.all_orgs.filter(organization=organization)
    if status in AlertDeliveryStatus.values:
        deliveries = deliveries.filter(status=status)
    if rule_id is not None:
        deliveries = deliveries.filter(rule_id=rule_id)
    return deliveries.select_related("rule", "response", "response__contact").order_by("-created_at", "-pk")


def alert_delivery_get(*, organization: Organization, delivery_id: int) -> AlertDelivery:
    return get_object_or_404(
        AlertDelivery.all_orgs.select_related("organization", "rule"),
        organization=organization,
        pk=delivery_id,
    )


def member_choices(*, organization: Organization) -> QuerySet[Membership]:
    """The members who can receive alert emails, by name."""
    return (
        Membership.all_orgs.filter(organization=organization).select_related("user").order_by("user__email")
    )


@dataclass
class AlertTraceRow:
    """One rule evaluated on a response: the outcome, why, and what each action did."""

    match: AlertMatch
    rule: AlertRule
    trace: list[dict[str, Any]]
    deliveries: list[AlertDelivery] = field(default_factory=list)


def alert_trace_for_response(*, organization: Organization, response: Response) -> list[AlertTraceRow]:
    """Every rule evaluated on ``response`` (in rule order) with its trace lines and deliveries."""
    matches = list(
        AlertMatch.all_orgs.filter(organization=organization, response=response)
        .select_related("rule")
        .order_by("rule__position", "rule_id")
    )
    if not matches:
        return []
    deliveries: dict[int, list[AlertDelivery]] = {}
    for delivery in AlertDelivery.all_orgs.filter(organization=organization, response=response).order_by(
        "pk"
    ):
        deliveries.setdefault(delivery.rule_id, []).append(delivery)
    rows = []
    for match in matches:
        trace = [
            {
                "label": str(line.get("label", "")),
                "result": bool(line.get("result")),
                "depth": int(line.get("depth", 0)) if str(line.get("depth", 0)).isdigit() else 0,
            }
            for line in (match.trace if isinstance(match.trace, list) else [])
            if isinstance(line, dict)
        ]
        rows.append(
            AlertTraceRow(
                match=match, rule=match.rule, trace=trace, deliveries=deliveries.get(match.rule_id, [])
            )
        )
    return rows
