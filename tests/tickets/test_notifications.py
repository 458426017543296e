from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from tickets.models import Notification
from tickets.services.notifications import (
    notification_email_send,
    notification_emails_due,
    notification_mark_read,
    notification_preference_update,
    notify,
)
from tickets.services.opening import ticket_open_for_response

pytestmark = pytest.mark.django_db


def test_assignee_is_notified_and_emailed_once(make_response, team, route_all, agents):
    route_all(team)
    ticket, _ = ticket_open_for_response(response=make_response())
    notification = Notification.all_orgs.get()

    sent = notification_email_send(notification_id=notification.pk)
    again = notification_email_send(notification_id=notification.pk)

    assert (notification.recipient_id, notification.kind, sent, again) == (
        agents[0].pk,
        "assigned",
        True,
        False,
    )
    assert [message.to for message in mail.outbox] == [["agent1@acme.test"]]
    assert (
        mail.outbox[0].subject
        == f"[Ticket #{ticket.pk}] Ticket #{ticket.pk} was assigned to you: {ticket.subject}"
    )
    assert f"/o/acme/tickets/{ticket.pk}/" in mail.outbox[0].body


def test_preferences_decide_the_email(agents, organization):
    notification_preference_update(membership=agents[0], email_sla=False)

    notify(recipients=[agents[0], agents[1], agents[0]], kind="sla_breach", text="Breached")
    due = notification_emails_due(
        now=Notification.all_orgs.latest("pk").created_at + __import__("datetime").timedelta(minutes=2)
    )

    recipients = list(Notification.all_orgs.order_by("recipient_id").values_list("recipient_id", flat=True))
    assert recipients == [agents[0].pk, agents[1].pk]
    assert due == [Notification.all_orgs.get(recipient=agents[1]).pk]


def test_unknown_preference_is_refused(agents):
    with pytest.raises(ValidationError):
        notification_preference_update(membership=agents[0], email_everything=True)


def test_mark_read(agents):
    first, _second = (notify(recipients=[agents[0]], kind="mentioned", text=str(i))[0] for i in range(2))
    notify(recipients=[agents[1]], kind="mentioned", text="other")

    one = notification_mark_read(membership=agents[0], notification_ids=[first.pk])
    rest = notification_mark_read(membership=agents[0], notification_ids=None)

    assert (one, rest) == (1, 1)
    assert Notification.all_orgs.filter(read_at__isnull=True).count() == 1


def test_each_recipient_reads_the_notification_in_their_own_language(make_response, team, route_all, agents):
    from accounts.models import User

    User.objects.filter(pk=agents[0].user_id).update(language="ru")
    agents[0].user.refresh_from_db()
    route_all(team)
    ticket, _ = ticket_open_for_response(response=make_response())

    [notification] = Notification.all_orgs.filter(kind="assigned")
    assert notification.text == f"Вам назначен тикет #{ticket.pk}: {ticket.subject}"
