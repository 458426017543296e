"""What became of an invitation after it was sent, from the survey itself (the contact started the
response and finished it) and from the contact (they unsubscribed). Outbox handlers (registered in ``campaigns.apps``), idempotent: each only fills
a timestamp that is still empty. The invitation is found by the response's client id, which the personal
link gave the response."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from campaigns.models import Invitation
from core.models import OutboxEvent
from feedback.models import Response


def _response_of(event: OutboxEvent) -> Response | None:
    response_id = event.payload.get("response_id") if isinstance(event.payload, dict) else None
    if not isinstance(response_id, int):
        return None
    return (
        Response.all_orgs.filter(
            organization_id=event.organization_id, pk=response_id, client_id__isnull=False
        )
        .only("pk", "organization_id", "client_id", "started_at", "finished_at")
        .first()
    )


@transaction.atomic
def invitation_record_started(*, response: Response) -> int:
    return Invitation.all_orgs.filter(
        organization_id=response.organization_id, client_id=response.client_id, started_at__isnull=True
    ).update(started_at=response.started_at, response=response)


@transaction.atomic
def invitation_record_answered(*, response: Response) -> int:
    """Answered: no more reminders."""
    assert response.finished_at is not None
    return Invitation.all_orgs.filter(
        organization_id=response.organization_id, client_id=response.client_id, answered_at__isnull=True
    ).update(answered_at=response.finished_at, response=response, reminder_due_at=None)


def handle_response_created(event: OutboxEvent) -> None:
    response = _response_of(event)
    if response is not None:
        invitation_record_started(response=response)


def handle_response_finished(event: OutboxEvent) -> None:
    response = _response_of(event)
    if response is not None and response.finished_at is not None:
        invitation_record_started(response=response)
        invitation_record_answered(response=response)


# An unsubscribe is credited to the contact's latest invitation sent within this window.
UNSUBSCRIBE_WINDOW = timedelta(days=30)


@transaction.atomic
def invitation_record_unsubscribed(*, organization_id: int, contact_id: int, at: datetime) -> int:
    """The contact unsubscribed (from any link): their latest recent invitation counts it, and gets no
    reminder."""
    latest = (
        Invitation.all_orgs.filter(
            organization_id=organization_id,
            contact_id=contact_id,
            sent_at__isnull=False,
            sent_at__gte=at - UNSUBSCRIBE_WINDOW,
        )
        .order_by("-sent_at")
        .values_list("pk", flat=True)
        .first()
    )
    if latest is None:
        return 0
    return Invitation.all_orgs.filter(pk=latest, unsubscribed_at__isnull=True).update(
        unsubscribed_at=at, reminder_due_at=None
    )


def handle_contact_unsubscribed(event: OutboxEvent) -> None:
    payload = event.payload if isinstance(event.payload, dict) else {}
    contact_id = payload.get("contact_id")
    at = parse_datetime(str(payload.get("at", ""))) or timezone.now()
    if isinstance(contact_id, int):
        invitation_record_unsubscribed(organization_id=event.organization_id, contact_id=contact_id, at=at)
