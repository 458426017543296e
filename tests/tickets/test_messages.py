from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tickets.inbound import InboundRejected
from tickets.models import MessageKind, Notification, TicketEvent, TicketMessage
from tickets.services.messages import (
    replies_due,
    reply_send,
    ticket_add_note,
    ticket_inbound_email,
    ticket_log_contact,
    ticket_reply,
)
from tickets.services.opening import ticket_open_for_response
from tickets.services.tickets import ticket_change_status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _inbound(settings):
    settings.INBOUND_EMAIL_DOMAIN = "in.acme.test"
    settings.INBOUND_EMAIL_SECRET = "s3cret-relay"
    settings.DEFAULT_FROM_EMAIL = "Acme <support@acme.test>"


@pytest.fixture
def ticket(make_response, team, route_all):
    route_all(team)
    ticket, _ = ticket_open_for_response(response=make_response(nps=2))
    return ticket


def _customer_reply(ticket, *, body="Thanks, that helps.", message_id="<c1@example.net>", extra=""):
    return (
        f"From: {ticket.contact.name} <{ticket.contact.email}>\r\n"
        f"To: reply+{ticket.reply_token}@in.acme.test\r\n"
        f"Subject: Re: {ticket.subject}\r\n"
        f"Message-ID: {message_id}\r\n{extra}"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{body}\r\n\r\nOn Mon, 3 Jun 2024 at 10:00, Acme <support@acme.test> wrote:\r\n> Sorry!\r\n"
    ).encode()


def test_reply_is_recorded_sent_once_and_threaded(ticket, agents):
    agent = ticket.assignee

    message = ticket_reply(ticket=ticket, actor=agent, body="Sorry! A replacement is on its way.")
    first = reply_send(message_id=message.pk)
    second = reply_send(message_id=message.pk)

    ticket.refresh_from_db()
    assert (ticket.status, ticket.first_responded_at) == ("open", message.created_at)
    assert (first.email_status, first.attempts, second) == ("sent", 1, None)
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [ticket.contact.email]
    assert sent.reply_to == [f"reply+{ticket.reply_token}@in.acme.test"]
    assert sent.extra_headers["Message-ID"] == message.message_id
    assert message.message_id.endswith("@in.acme.test>")
    assert sent.subject == f"Re: {ticket.subject} [#{ticket.pk}]"
    assert sent.body.startswith("Sorry! A replacement is on its way.\n\n--\nAgent 1 · Acme")
    assert sent.from_email == '"Acme" <support@acme.test>'
    kinds = list(TicketEvent.all_orgs.filter(ticket=ticket).order_by("pk").values_list("kind", flat=True))
    assert kinds == ["created", "status_changed", "replied"]


def test_second_reply_references_the_customers_email(ticket):
    agent = ticket.assignee
    first = ticket_reply(ticket=ticket, actor=agent, body="Hello")
    inbound = ticket_inbound_email(raw=_customer_reply(ticket))
    second = ticket_reply(ticket=ticket, actor=agent, body="Done")

    reply_send(message_id=second.pk)

    assert mail.outbox[0].extra_headers["In-Reply-To"] == inbound.message_id
    assert mail.outbox[0].extra_headers["References"] == f"{first.message_id} {inbound.message_id}"


def test_reply_needs_an_email_address_and_text(make_response, owner):
    anonymous, _ = ticket_open_for_response(response=make_response(contact=None))

    with pytest.raises(ValidationError) as no_email:
        ticket_reply(ticket=anonymous, actor=owner, body="Hi")
    with pytest.raises(ValidationError) as empty:
        ticket_add_note(ticket=anonymous, actor=owner, body="   ")

    assert list(no_email.value.message_dict) == ["body"]
    assert empty.value.message_dict == {"body": ["Write something first."]}


def test_viewer_may_not_write(ticket, viewer):
    with pytest.raises(ValidationError):
        ticket_add_note(ticket=ticket, actor=viewer, body="hi")


def test_failed_send_backs_off_then_fails(ticket, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    message = ticket_reply(ticket=ticket, actor=ticket.assignee, body="Hello")
    start = timezone.now()

    after_first = reply_send(message_id=message.pk, now=start)
    due_early = replies_due(now=start + timedelta(seconds=10))
    due_later = replies_due(now=start + timedelta(seconds=31))
    for attempt in range(4):
        reply_send(message_id=message.pk, now=start + timedelta(hours=attempt + 1))

    message.refresh_from_db()
    assert (
        after_first.email_status,
        after_first.attempts,
        after_first.last_error.startswith("ConnectionRefusedError"),
    ) == (
        "pending",
        1,
        True,
    )
    assert (due_early, due_later) == ([], [message.pk])
    assert (message.email_status, message.attempts) == ("failed", 5)


def test_sweep_takes_back_a_stuck_send_and_requeues_lost_ones(ticket):
    message = ticket_reply(ticket=ticket, actor=ticket.assignee, body="Hello")
    now = timezone.now()
    TicketMessage.all_orgs.filter(pk=message.pk).update(
        email_status="sending", claimed_at=now - timedelta(minutes=6)
    )

    due = replies_due(now=now)

    message.refresh_from_db()
    assert (due, message.email_status) == ([message.pk], "pending")


def test_note_and_logged_contact(ticket, owner):
    note = ticket_add_note(ticket=ticket, actor=owner, body="Internal only")
    ticket.refresh_from_db()
    before = ticket.first_responded_at
    logged = ticket_log_contact(ticket=ticket, actor=owner, body="Called, sorted out")

    ticket.refresh_from_db()
    assert (note.kind, note.email_status, before) == ("note", "", None)
    assert (logged.kind, ticket.first_responded_at, ticket.status) == (
        "contact_log",
        logged.created_at,
        "open",
    )
    assert len(mail.outbox) == 0


def test_inbound_reply_is_threaded_deduplicated_and_opens_a_pending_ticket(ticket, owner):
    ticket_change_status(ticket=ticket, actor=owner, status="pending")

    message = ticket_inbound_email(raw=_customer_reply(ticket))
    again = ticket_inbound_email(raw=_customer_reply(ticket))

    ticket.refresh_from_db()
    assert (again.pk, message.kind, message.body, message.from_email) == (
        message.pk,
        MessageKind.INBOUND,
        "Thanks, that helps.",
        ticket.contact.email,
    )
    assert (ticket.status, ticket.paused_at) == ("open", None)
    assert TicketMessage.all_orgs.filter(kind="inbound").count() == 1
    assert list(
        Notification.all_orgs.filter(kind="customer_reply").values_list("recipient_id", flat=True)
    ) == [ticket.assignee_id]
    event = TicketEvent.all_orgs.filter(ticket=ticket, kind="customer_replied").get()
    assert (event.actor_id, event.actor_label) == (None, ticket.contact.email)


@pytest.mark.parametrize(("final", "after"), [("resolved", "open"), ("closed", "closed")])
def test_a_reply_to_a_resolved_ticket_opens_it_again_but_a_closed_one_stays_closed(
    ticket, owner, root_cause, final, after
):
    ticket_change_status(ticket=ticket, actor=owner, status=final, root_cause=root_cause, outcome="fixed")

    message = ticket_inbound_email(raw=_customer_reply(ticket))

    ticket.refresh_from_db()
    assert (message.ticket_id, ticket.status, ticket.resolved_at is None) == (
        ticket.pk,
        after,
        after == "open",
    )


def test_inbound_for_a_merged_ticket_goes_to_the_target(make_response, owner):
    from tickets.services.tickets import ticket_merge

    source, _ = ticket_open_for_response(response=make_response())
    target, _ = ticket_open_for_response(response=make_response())
    ticket_merge(source=source, target=target, actor=owner)

    message = ticket_inbound_email(raw=_customer_reply(source))

    assert message.ticket_id == target.pk


def test_unknown_token_is_rejected(ticket):
    raw = _customer_reply(ticket).replace(ticket.reply_token.encode(), b"f" * 32)

    with pytest.raises(InboundRejected) as caught:
        ticket_inbound_email(raw=raw)

    assert caught.value.reason == "unknown_token"


# --- the endpoint ------------------------------------------------------------------------------------


def _post(raw: bytes, bearer: str = "s3cret-relay", **extra):
    return Client().post(
        reverse("inbound_email"),
        data=raw,
        content_type="message/rfc822",
        HTTP_AUTHORIZATION=f"Bearer {bearer}",
        **extra,
    )


def test_endpoint_accepts_a_reply(ticket):
    answer = _post(_customer_reply(ticket))
    again = _post(_customer_reply(ticket))

    message = TicketMessage.all_orgs.get(kind="inbound")
    assert (answer.status_code, answer.json()) == (202, {"ticket": ticket.pk, "message": message.pk})
    assert (again.status_code, again.json()) == (202, {"ticket": ticket.pk, "message": message.pk})


def test_endpoint_refusals(ticket, settings):
    wrong_secret = _post(_customer_reply(ticket), bearer="nope")
    unknown = _post(_customer_reply(ticket).replace(ticket.reply_token.encode(), b"e" * 32))
    no_token = _post(b"From: a@b.example\r\nTo: help@b.example\r\n\r\nhello")
    unreadable = _post(b"\x00\x01 not an email")
    empty = _post(b"")
    too_big = _post(_customer_reply(ticket, body="x" * (10 * 1024 * 1024)))
    settings.INBOUND_EMAIL_SECRET = ""
    switched_off = _post(_customer_reply(ticket), bearer="")

    assert [
        wrong_secret.status_code,
        unknown.status_code,
        no_token.status_code,
        unreadable.status_code,
        empty.status_code,
        too_big.status_code,
        switched_off.status_code,
    ] == [401, 404, 404, 400, 400, 413, 404]
    assert unknown.json() == {"detail": "No ticket has this reply address.", "errors": {}}
    assert TicketMessage.all_orgs.filter(kind="inbound").count() == 0


def test_endpoint_takes_messages_larger_than_the_form_upload_limit(ticket):
    answer = _post(_customer_reply(ticket, body="y" * (3 * 1024 * 1024)))

    assert answer.status_code == 202


def test_endpoint_is_in_the_openapi_schema(client):
    schema = client.get(reverse("api_schema"), {"format": "json"}).json()

    operation = schema["paths"]["/api/v1/inbound/email"]["post"]
    assert sorted(operation["responses"]) == ["202", "400", "401", "404", "413", "429", "503"]
    assert "message/rfc822" in operation["requestBody"]["content"]
