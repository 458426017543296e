"""What became of an invitation after it was sent, from the survey itself (the contact started the
response and finished it) and from the contact (they unsubscribed). Outbox handlers (registered in ``campaigns.apps``), idempotent: each only fills
a timestamp that is still empty. The invitation is found by the response's client id, which the personal
link gave the response."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Case, F, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from campaigns.models import Invitation
from core.models import OutboxEvent
from feedback.models import Response


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


@transaction.atomic
def invitation_record_response(*, organization_id: int, response_id: int, finished: bool) -> int:
    """What ``invitation_record_started`` (and, for a finished response, ``invitation_record_answered``)
    do, in one UPDATE that reads the response in a subquery: most responses come from no invitation,
    and for them the handler costs one statement that changes nothing."""
    response = Response.all_orgs.filter(organization_id=organization_id, pk=response_id)
    if finished:
        response = response.filter(finished_at__isnull=False)
    client_id = Subquery(response.values("client_id")[:1])
    started_at = Subquery(response.values("started_at")[:1])
    invitations = Invitation.all_orgs.filter(organization_id=organization_id, client_id=client_id)
    if not finished:
        return invitations.filter(started_at__isnull=True).update(
            started_at=started_at, response_id=response_id
        )
    return invitations.filter(Q(started_at__isnull=True) | Q(answered_at__isnull=True)).update(
        started_at=Coalesce(F("started_at"), started_at),
        answered_at=Coalesce(F("answered_at"), Subquery(response.values("finished_at")[:1])),
        response_id=response_id,
        # Answered now: no more reminders (the old value of answered_at decides, as in an UPDATE).
        reminder_due_at=Case(When(answered_at__isnull=True, then=Value(None)), default=F("reminder_due_at")),
    )


def _response_id_of(event: OutboxEvent) -> int | None:
    response_id = event.payload.get("response_id") if isinstance(event.payload, dict) else None
    return response_id if isinstance(response_id, int) and not isinstance(response_id, bool) else None


def handle_response_created(event: OutboxEvent) -> None:
    response_id = _response_id_of(event)
    if response_id is not None:
        invitation_record_response(
            organization_id=event.organization_id, response_id=response_id, finished=False
        )


def handle_response_finished(event: OutboxEvent) -> None:
    response_id = _response_id_of(event)
    if response_id is not None:
        invitation_record_response(
            organization_id=event.organization_id, response_id=response_id, finished=True
        )


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
