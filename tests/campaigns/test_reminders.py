"""Reminders: after N days, to those who have not answered (nor bounced, complained or unsubscribed),
at most ``max_reminders`` times, with the campaign's reminder text or ours."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import CampaignMessage, Invitation, MessageKind
from campaigns.services import reminders_send_due
from contacts.services import suppression_add
from feedback.models import Channel, Contact
from feedback.services import response_submit
from tests.campaigns.conftest import run_outbox, send_all

pytestmark = pytest.mark.django_db


def _invitation(name: str) -> Invitation:
    return Invitation.all_orgs.select_related("contact").get(contact__name=name)


def test_reminders_reach_non_responders_only(
    organization, live_survey, make_audience, make_campaign, smtp_sink
):
    people = [
        Contact.all_orgs.create(organization=organization, name=name, email=f"{name}@example.net")
        for name in ("silent", "started", "answered", "answered_late", "bounced", "unsubscribed")
    ]
    campaign = make_campaign(live_survey, make_audience(people), reminder_after_days=2, max_reminders=2)
    CampaignMessage.all_orgs.create(
        organization=organization,
        campaign=campaign,
        kind=MessageKind.REMINDER,
        language="en",
        subject="Still time, {first_name}",
        body="Your answer matters: {survey_link}",
    )
    send_all(campaign)
    sent_at = _invitation("silent").sent_at
    assert _invitation("silent").reminder_due_at == sent_at + timedelta(days=2)
    for name, finished in (("started", False), ("answered", True), ("answered_late", True)):
        invitation = _invitation(name)
        response_submit(
            survey=live_survey,
            client_id=invitation.client_id,
            answers={"nps": 10},
            finished=finished,
            channel=Channel.EMAIL,
            contact=invitation.contact,
        )
        if name != "answered_late":  # its outbox events are not handled yet: the response itself counts
            run_outbox()
    Invitation.all_orgs.filter(contact__name="bounced").update(bounced_at=timezone.now())
    suppression_add(
        organization_id=organization.pk,
        channel="email",
        address="unsubscribed@example.net",
        reason="unsubscribed",
    )
    smtp_sink.messages.clear()

    assert reminders_send_due(now=sent_at + timedelta(days=1)) == 0
    first = sent_at + timedelta(days=2, minutes=1)
    assert reminders_send_due(now=first) == 2

    assert sorted(m["To"] for m in smtp_sink.messages) == ["silent@example.net", "started@example.net"]
    assert {m["Subject"] for m in smtp_sink.messages} == {"Still time, silent", "Still time, started"}
    silent = _invitation("silent")
    assert (silent.reminders_sent, silent.last_reminded_at, silent.reminder_due_at, silent.sent_at) == (
        1,
        first,
        first + timedelta(days=2),
        sent_at,
    )
    assert _invitation("answered").reminder_due_at is None
    assert (_invitation("answered_late").reminders_sent, _invitation("bounced").reminders_sent) == (0, 0)

    second = first + timedelta(days=2)
    assert reminders_send_due(now=second) == 2
    assert reminders_send_due(now=second + timedelta(days=10)) == 0
    silent = _invitation("silent")
    assert (silent.reminders_sent, silent.reminder_due_at) == (2, None)
    assert len(smtp_sink.messages) == 4


def test_without_a_reminder_text_the_default_is_sent_once(
    organization, live_survey, make_audience, make_campaign, smtp_sink
):
    contact = Contact.all_orgs.create(organization=organization, name="Robin Hood", email="robin@example.net")
    campaign = make_campaign(live_survey, make_audience([contact]), reminder_after_days=3)
    send_all(campaign)
    smtp_sink.messages.clear()
    due = _invitation("Robin Hood").reminder_due_at

    assert reminders_send_due(now=due) == 1
    assert reminders_send_due(now=due) == 0

    [message] = smtp_sink.messages
    assert message["Subject"] == f"Reminder: {organization.name} would like your feedback"
    assert message["X-CX-Invitation"] == _invitation("Robin Hood").token
    assert _invitation("Robin Hood").reminder_due_at is None


def test_no_reminders_unless_configured(organization, live_survey, make_audience, make_campaign, smtp_sink):
    campaign = make_campaign(live_survey, make_audience(n=2))
    send_all(campaign)

    assert set(Invitation.all_orgs.filter(campaign=campaign).values_list("reminder_due_at", flat=True)) == {
        None
    }
    assert reminders_send_due(now=timezone.now() + timedelta(days=90)) == 0
