"""The audit history of a ticket: one TicketEvent per change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from core.outbox import outbox_record_many
from tickets.models import Ticket, TicketEvent

if TYPE_CHECKING:
    from accounts.models import User


# History kinds that organisations can receive as webhooks (webhooks.models.WebhookEvent).
WEBHOOK_TOPICS = {
    "created": "ticket.created",
    "status_changed": "ticket.status_changed",
    "reopened": "ticket.status_changed",
}


@transaction.atomic
def ticket_event_record(
    *, ticket: Ticket, actor: User | None, kind: str, data: dict[str, Any] | None = None, label: str = ""
) -> TicketEvent:
    """Record a change. ``label`` names a system actor (an inbound email's sender) when ``actor`` is None.

    A ticket's creation and its status changes also go to the outbox, in the same transaction, for the
    organisation's webhook endpoints.
    """
    topic = WEBHOOK_TOPICS.get(kind)
    if topic is not None:
        payload: dict[str, Any] = {"ticket_id": ticket.pk}
        if kind != "created":
            payload.update({"from": (data or {}).get("from"), "to": (data or {}).get("to")})
        outbox_record_many(organization_id=ticket.organization_id, events=[(topic, payload)])
    return TicketEvent.all_orgs.create(
        organization_id=ticket.organization_id,
        ticket=ticket,
        actor=actor,
        actor_label=(actor.email if actor is not None else label)[:254],
        kind=kind,
        data=data or {},
        created_at=timezone.now(),
    )
