"""Reads about webhook endpoints and their deliveries. The organisation comes first."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Organization
from feedback.models import Response
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint


def endpoint_list(*, organization: Organization) -> QuerySet[WebhookEndpoint]:
    return (
        WebhookEndpoint.all_orgs.filter(organization=organization)
        .select_related("created_by")
        .annotate(failed_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)))
        .order_by("-created_at", "-pk")
    )


def endpoint_get(*, organization: Organization, endpoint_id: int) -> WebhookEndpoint:
    """Another organisation's endpoint is a 404, exactly like a missing one."""
    return get_object_or_404(
        WebhookEndpoint.all_orgs.select_related("organization", "created_by"),
        organization=organization,
        pk=endpoint_id,
    )


def delivery_list(*, organization: Organization, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.all_orgs.filter(organization=organization, endpoint=endpoint).order_by(
        "-created_at", "-pk"
    )


def delivery_get(
    *, organization: Organization, endpoint: WebhookEndpoint, delivery_id: int
) -> WebhookDelivery:
    return get_object_or_404(
        WebhookDelivery.all_orgs.select_related("endpoint", "organization"),
        organization=organization,
        endpoint=endpoint,
        pk=delivery_id,
    )


def response_for_webhook(*, organization_id: int, response_id: Any) -> Response | None:
    """The response an event is about, with what its payload needs; None once it is gone."""
    if not isinstance(response_id, int):
        return None
    return (
        Response.all_orgs.select_related("survey", "survey_version")
        .filter(organization_id=organization_id, pk=response_id)
        .first()
    )
