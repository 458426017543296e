"""Erasure and export of one contact's tickets (registered by ``contacts`` in its AppConfig).

Decision: the tickets stay (their status, dates, SLA clocks, outcome and root cause feed the
closed-loop metrics), but nothing on them identifies the person any more:
- the ticket loses its contact; its subject and outcome note keep their wording with the contact's
  name, email and phone replaced by ``[erased]`` (a default subject reads "NPS 3 from [erased]");
- inbound messages (written by the customer) lose their whole body and sender address;
- replies and internal notes keep their text with the personal strings replaced, and lose the
  customer's address (``to_email``/``from_email`` when it is the contact's);
- ticket events are scrubbed the same way (their data and actor label, e.g. the customer's address
  on "customer replied").
Tickets are found by their contact and by the responses they are linked to that were the contact's
(so this eraser runs before the responses eraser clears those links).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from feedback.models import Contact
from tickets.models import MessageKind, Ticket, TicketEvent, TicketMessage, TicketResponse

ERASED_BODY = "[erased]"


def _ticket_ids(organization_id: int, contact: Contact) -> list[int]:
    linked = TicketResponse.all_orgs.filter(
        organization_id=organization_id, response__contact_id=contact.pk
    ).values_list("ticket_id", flat=True)
    return list(
        Ticket.all_orgs.filter(
            Q(contact_id=contact.pk) | Q(response__contact_id=contact.pk) | Q(pk__in=linked),
            organization_id=organization_id,
        ).values_list("pk", flat=True)
    )


def tickets_erase(organization_id: int, contact: Contact) -> int:
    """Remove the contact's personal data from their tickets; returns how many tickets changed."""
    from contacts.privacy import personal_needles, scrub_json, scrub_text

    needles = personal_needles(contact)
    email = contact.email.lower()
    ids = _ticket_ids(organization_id, contact)
    for ticket in Ticket.all_orgs.select_for_update().filter(organization_id=organization_id, pk__in=ids):
        ticket.subject = scrub_text(ticket.subject, needles)[:200]
        ticket.outcome_note = scrub_text(ticket.outcome_note, needles)
        if ticket.contact_id == contact.pk:
            ticket.contact = None
        ticket.save(update_fields=["subject", "outcome_note", "contact"])
    for message in TicketMessage.all_orgs.filter(organization_id=organization_id, ticket_id__in=ids):
        if message.kind == MessageKind.INBOUND:
            message.body, message.from_email = ERASED_BODY, ""
        else:
            message.body = scrub_text(message.body, needles)
        if email and message.to_email.lower() == email:
            message.to_email = ""
        if email and message.from_email.lower() == email:
            message.from_email = ""
        message.last_error = scrub_text(message.last_error, needles)
        message.save(update_fields=["body", "from_email", "to_email", "last_error"])
    for event in TicketEvent.all_orgs.filter(organization_id=organization_id, ticket_id__in=ids):
        data: Any = scrub_json(event.data, needles)
        label = scrub_text(event.actor_label, needles)
        if data != event.data or label != event.actor_label:
            TicketEvent.all_orgs.filter(pk=event.pk).update(data=data, actor_label=label)
    return len(ids)


def tickets_export(organization_id: int, contact: Contact) -> list[dict[str, Any]]:
    ids = _ticket_ids(organization_id, contact)
    tickets = Ticket.all_orgs.filter(organization_id=organization_id, pk__in=ids).order_by("created_at", "pk")
    messages: dict[int, list[dict[str, Any]]] = {}
    for message in TicketMessage.all_orgs.filter(
        organization_id=organization_id, ticket_id__in=ids, kind__in=[MessageKind.INBOUND, MessageKind.REPLY]
    ).order_by("created_at", "pk"):
        messages.setdefault(message.ticket_id, []).append(
            {"kind": message.kind, "body": message.body, "created_at": message.created_at.isoformat()}
        )
    return [
        {
            "id": t.pk,
            "subject": t.subject,
            "status": t.status,
            "created_at": t.created_at.isoformat(),
            "resolved_at": t.resolved_at.isoformat() if t.resolved_at else None,
            "messages": messages.get(t.pk, []),
        }
        for t in tickets
    ]
