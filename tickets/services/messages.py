"""The conversation: internal notes, logged contacts, replies by email and the customer's email replies.

A reply is written with ``email_status="pending"`` in the caller's transaction and sent after commit by
``tickets.send_reply``, which claims it with a conditional update (pending → sending). A failed send goes
back to pending with a back-off; ``tickets.email_sweep`` re-sends what is due and takes back sends whose
worker died.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Membership
from tickets.inbound import InboundRejected, parse_inbound
from tickets.models import EmailStatus, MessageKind, Ticket, TicketMessage, TicketStatus
from tickets.services.common import may_work
from tickets.services.events import ticket_event_record
from tickets.services.notifications import notify

logger = logging.getLogger(__name__)

BODY_LIMIT = 50_000
# The wait after the 1st, 2nd, ... failed send; after the last one the reply is failed.
BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(hours=1))
MAX_ATTEMPTS = len(BACKOFF) + 1
# A reply "sending" this long lost its worker (the task's hard limit is far lower).
STUCK_AFTER = timedelta(minutes=5)
# A pending reply never claimed this long after it was written lost its queue message.
REQUEUE_AFTER = timedelta(minutes=1)
ERROR_LIMIT = 500


def reply_address(ticket: Ticket) -> str:
    return f"reply+{ticket.reply_token}@{settings.INBOUND_EMAIL_DOMAIN}"


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write something first.")})
    if len(body) > BODY_LIMIT:
        raise ValidationError({"body": _("Keep it under %(limit)d characters.") % {"limit": BODY_LIMIT}})
    return body


def _check_worker(ticket: Ticket, actor: Membership) -> None:
    if actor.organization_id != ticket.organization_id or not may_work(actor):
        raise ValidationError(_("Your role may not work tickets."))


def _open_if_new(ticket: Ticket, actor: Membership | None, reason: str) -> None:
    if ticket.status == TicketStatus.NEW:
        ticket.status = TicketStatus.OPEN
        ticket.save(update_fields=["status"])
        ticket_event_record(
            ticket=ticket,
            actor=actor.user if actor else None,
            kind="status_changed",
            data={"from": TicketStatus.NEW, "to": TicketStatus.OPEN, "reason": reason},
        )


def _first_contact(ticket: Ticket, at: datetime) -> None:
    if ticket.first_responded_at is None:
        from tickets.sla import clocks

        clocks.sla_first_contact(ticket=ticket, at=at)


def _touch(ticket: Ticket) -> None:
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=["updated_at"])


@transaction.atomic
def ticket_add_note(*, ticket: Ticket, actor: Membership, body: str) -> TicketMessage:
    body = _clean_body(body)
    _check_worker(ticket, actor)
    message = TicketMessage.all_orgs.create(
        organization_id=ticket.organization_id, ticket=ticket, kind=MessageKind.NOTE, author=actor, body=body
    )
    _touch(ticket)
    ticket_event_record(ticket=ticket, actor=actor.user, kind="note_added", data={"message": message.pk})
    return message


@transaction.atomic
def ticket_log_contact(*, ticket: Ticket, actor: Membership, body: str) -> TicketMessage:
    """A contact made outside email (a call, a chat): it counts as the first contact."""
    body = _clean_body(body)
    _check_worker(ticket, actor)
    now = timezone.now()
    message = TicketMessage.all_orgs.create(
        organization_id=ticket.organization_id,
        ticket=ticket,
        kind=MessageKind.CONTACT_LOG,
        author=actor,
        body=body,
        created_at=now,
    )
    _first_contact(ticket, now)
    _open_if_new(ticket, actor, "contact_logged")
    _touch(ticket)
    ticket_event_record(ticket=ticket, actor=actor.user, kind="contact_logged", data={"message": message.pk})
    return message


def _enqueue_reply(message_id: int) -> None:
    """Queue the send. Never raises: what cannot be queued now is left to the sweeper."""
    from tickets.tasks import send_reply_task

    try:
        send_reply_task.apply_async(args=[message_id], retry=False)
    except Exception:
        logger.warning("tickets: could not queue reply %s; the sweeper will", message_id)


def _from_address() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def reply_record(*, ticket: Ticket, author: Membership | None, body: str, to_email: str) -> TicketMessage:
    """Write an outgoing email (pending) and send it after commit. The caller holds the transaction."""
    message = TicketMessage.all_orgs.create(
        organization_id=ticket.organization_id,
        ticket=ticket,
        kind=MessageKind.REPLY,
        author=author,
        body=body,
        to_email=to_email,
        from_email=_from_address(),
        message_id=make_msgid(domain=settings.INBOUND_EMAIL_DOMAIN),
        email_status=EmailStatus.PENDING,
    )
    transaction.on_commit(lambda: _enqueue_reply(message.pk), robust=True)
    return message


@transaction.atomic
def ticket_reply(*, ticket: Ticket, actor: Membership, body: str) -> TicketMessage:
    """Email the contact from the ticket. Recording the reply is the first contact."""
    body = _clean_body(body)
    _check_worker(ticket, actor)
    contact = ticket.contact
    if contact is None or not contact.email:
        raise ValidationError(
            {"body": _("This customer has no email address: log a call or another contact instead.")}
        )
    message = reply_record(ticket=ticket, author=actor, body=body, to_email=contact.email)
    _first_contact(ticket, message.created_at)
    _open_if_new(ticket, actor, "replied")
    _touch(ticket)
    ticket_event_record(
        ticket=ticket, actor=actor.user, kind="replied", data={"message": message.pk, "to": contact.email}
    )
    return message


# --- sending -------------------------------------------------------------------------------------------


def _thread_ids(message: TicketMessage) -> list[str]:
    """The earlier emails of the conversation, oldest first, for References / In-Reply-To."""
    return list(
        TicketMessage.all_orgs.filter(
            ticket_id=message.ticket_id,
            kind__in=[MessageKind.REPLY, MessageKind.INBOUND],
            created_at__lte=message.created_at,
        )
        .exclude(pk=message.pk)
        .exclude(message_id="")
        .order_by("created_at", "pk")
        .values_list("message_id", flat=True)
    )[-20:]


def build_reply_email(message: TicketMessage) -> EmailMultiAlternatives:
    ticket = message.ticket
    organization = ticket.organization
    language = (ticket.contact.language if ticket.contact else "") or organization.default_language
    with translation.override(language):
        context = {
            "message": message,
            "ticket": ticket,
            "organization": organization,
            "agent_name": message.author.user.display_name if message.author else organization.name,
        }
        subject = _("Re: %(subject)s [#%(number)s]") % {"subject": ticket.subject, "number": ticket.pk}
        text = render_to_string("tickets/email/reply.txt", context)
        html = render_to_string("tickets/email/reply.html", context)
    references = _thread_ids(message)
    headers = {"Message-ID": message.message_id}
    if references:
        headers["In-Reply-To"] = references[-1]
        headers["References"] = " ".join(references)
    from_name = organization.name.replace('"', "")
    email = EmailMultiAlternatives(
        subject=subject[:250],
        body=text,
        from_email=f'"{from_name}" <{message.from_email or _from_address()}>',
        to=[message.to_email],
        reply_to=[reply_address(ticket)],
        headers=headers,
    )
    email.attach_alternative(html, "text/html")
    return email


def reply_send(*, message_id: int, now: datetime | None = None) -> TicketMessage | None:
    """Send one pending reply. None when another worker has it or it is not pending.

    Not atomic on purpose: the claim commits before the email goes out, so a concurrent task or the
    sweep sees "sending"; only the attempt that holds the claim records the outcome.
    """
    now = now or timezone.now()
    claimed = TicketMessage.all_orgs.filter(pk=message_id, email_status=EmailStatus.PENDING).update(
        email_status=EmailStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    message = TicketMessage.all_orgs.select_related(
        "ticket__organization", "ticket__contact", "author__user"
    ).get(pk=message_id)
    holding = TicketMessage.all_orgs.filter(pk=message_id, email_status=EmailStatus.SENDING, claimed_at=now)
    try:
        build_reply_email(message).send()
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:ERROR_LIMIT]
        if message.attempts >= MAX_ATTEMPTS:
            holding.update(email_status=EmailStatus.FAILED, last_error=error)
        else:
            # Back to pending; claimed_at keeps the time of this attempt for the sweep's back-off.
            holding.update(email_status=EmailStatus.PENDING, last_error=error)
        logger.warning("tickets: reply %s not sent: %s", message_id, error)
    else:
        holding.update(email_status=EmailStatus.SENT, sent_at=timezone.now(), last_error="")
    message.refresh_from_db()
    return message


def replies_due(*, now: datetime | None = None, batch: int = 200) -> list[int]:
    """Replies to (re)send: lost queue messages, retries whose back-off is over, dead workers' sends."""
    now = now or timezone.now()
    stuck = TicketMessage.all_orgs.filter(email_status=EmailStatus.SENDING, claimed_at__lt=now - STUCK_AFTER)
    for message_id in stuck.values_list("pk", flat=True)[:batch]:
        TicketMessage.all_orgs.filter(
            pk=message_id, email_status=EmailStatus.SENDING, claimed_at__lt=now - STUCK_AFTER
        ).update(email_status=EmailStatus.PENDING)
    due: list[int] = []
    pending = (
        TicketMessage.all_orgs.filter(email_status=EmailStatus.PENDING)
        .filter(Q(claimed_at__isnull=True, created_at__lt=now - REQUEUE_AFTER) | Q(claimed_at__isnull=False))
        .order_by("pk")
        .values_list("pk", "attempts", "claimed_at")[:batch]
    )
    for message_id, attempts, claimed_at in pending:
        if claimed_at is None:
            due.append(message_id)
            continue
        wait = BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]
        if claimed_at <= now - wait:
            due.append(message_id)
    return due


# --- inbound -------------------------------------------------------------------------------------------


def _thread_target(ticket: Ticket) -> Ticket:
    """A merged ticket's replies go to the ticket it was merged into."""
    seen = {ticket.pk}
    while ticket.merged_into_id is not None and ticket.merged_into_id not in seen:
        seen.add(ticket.merged_into_id)
        ticket = Ticket.all_orgs.get(pk=ticket.merged_into_id)
    return ticket


def _reopen_on_reply(ticket: Ticket, *, at: datetime, sender: str) -> None:
    """The customer answered: a pending ticket opens again, and so does a resolved one (like Zendesk's
    "solved"), unless the contact already has another open ticket. A closed ticket stays closed."""
    from tickets.sla import clocks

    before = ticket.status
    try:
        with transaction.atomic():
            ticket.status = TicketStatus.OPEN
            ticket.save(update_fields=["status"])
    except IntegrityError:
        ticket.status = before
        return
    if before == TicketStatus.PENDING:
        clocks.sla_resume(ticket=ticket, now=at)
    else:
        clocks.sla_reopened(ticket=ticket, now=at)
    ticket_event_record(
        ticket=ticket,
        actor=None,
        label=sender,
        kind="status_changed",
        data={"from": before, "to": TicketStatus.OPEN, "reason": "customer_replied"},
    )


@transaction.atomic
def ticket_inbound_email(*, raw: bytes) -> TicketMessage:
    """Thread a customer's emailed reply into its ticket (matched by the token in the reply address).

    The same Message-ID twice gives the first message back. A pending ticket opens again and its
    clocks resume; a resolved one opens again; the assignee (or else the team lead) is told.
    """
    mail = parse_inbound(raw)
    found = Ticket.all_orgs.select_related("organization").filter(reply_token=mail.token).first()
    if found is None:
        raise InboundRejected("unknown_token", "No ticket has this reply address.")
    ticket = _thread_target(found)
    Ticket.all_orgs.select_for_update().filter(pk=ticket.pk).values_list("pk", flat=True).first()
    ticket.refresh_from_db()
    existing = TicketMessage.all_orgs.filter(
        organization_id=ticket.organization_id,
        ticket=ticket,
        kind=MessageKind.INBOUND,
        message_id=mail.message_id,
    ).first()
    if existing is not None:
        return existing
    body = mail.body or _("(The email had no text.)")
    try:
        with transaction.atomic():
            message = TicketMessage.all_orgs.create(
                organization_id=ticket.organization_id,
                ticket=ticket,
                kind=MessageKind.INBOUND,
                body=body,
                from_email=mail.from_email,
                message_id=mail.message_id,
            )
    except IntegrityError:
        return TicketMessage.all_orgs.get(
            organization_id=ticket.organization_id,
            ticket=ticket,
            kind=MessageKind.INBOUND,
            message_id=mail.message_id,
        )
    sender = mail.from_email or mail.from_name
    ticket_event_record(
        ticket=ticket,
        actor=None,
        label=sender,
        kind="customer_replied",
        data={"message": message.pk, "from": mail.from_email, "auto_submitted": mail.auto_submitted},
    )
    if ticket.status in (TicketStatus.PENDING, TicketStatus.RESOLVED) and not mail.auto_submitted:
        _reopen_on_reply(ticket, at=message.created_at, sender=sender)
    _touch(ticket)
    recipient = ticket.assignee or (ticket.team.lead if ticket.team is not None else None)
    if recipient is not None:
        notify(
            recipients=[recipient],
            kind="customer_reply",
            text=lambda: _("The customer replied on ticket #%(number)s: %(subject)s")
            % {"number": ticket.pk, "subject": ticket.subject},
            ticket=ticket,
        )
    return message
