"""The audit history of a ticket: one TicketEvent per change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from tickets.models import Ticket, TicketEvent

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def ticket_event_record(
    *, ticket: Ticket, actor: User | None, kind: str, data: dict[str, Any] | None = None, label: str = ""
) -> TicketEvent:
    """Record a change. ``label`` names a system actor (an inbound email's sender) when ``actor`` is None."""
    return TicketEvent.all_orgs.create(
        organization_id=ticket.organization_id,
        ticket=ticket,
        actor=actor,
        actor_label=(actor.email if actor is not None else label)[:254],
        kind=kind,
        data=data or {},
        created_at=timezone.now(),
    )
