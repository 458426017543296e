from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from core.models import OutboxEvent
from tests import factories
from tickets.models import TicketEvent, TicketMessage
from tickets.services.followup import followup_record, handle_response_finished, ticket_followup_send
from tickets.services.messages import reply_send
from tickets.services.opening import ticket_open_for_response
from tickets.services.tickets import ticket_change_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved(make_response, owner, root_cause, live_survey):
    ticket, _ = ticket_open_for_response(response=make_response(nps=3))
    ticket_change_status(
        ticket=ticket,
        actor=owner,
        status="resolved",
        root_cause=root_cause,
        outcome="fixed",
        send_followup=True,
        followup_survey=live_survey,
    )
    ticket.refresh_from_db()
    return ticket


def test_followup_email_carries_the_link(resolved, live_survey, settings):
    message = TicketMessage.all_orgs.get(ticket=resolved, kind="reply")
    reply_send(message_id=message.pk)

    link = f"{settings.SITE_URL}/s/{live_survey.public_id}/?followup={resolved.followup_token}"
    assert (len(resolved.followup_token), resolved.followup_survey_id) == (32, live_survey.pk)
    assert link in mail.outbox[0].body
    assert TicketEvent.all_orgs.filter(ticket=resolved, kind="followup_sent").count() == 1


@pytest.mark.parametrize(
    ("nps", "recovered", "kind"), [(8, True, "recovered"), (5, False, "followup_answered")]
)
def test_followup_answer_decides_recovered(resolved, organization, nps, recovered, kind):
    answer = factories.ResponseFactory(
        organization=organization, nps=nps, meta={"followup": resolved.followup_token}
    )
    event = OutboxEvent.all_orgs.create(
        organization=organization, topic="response.finished", payload={"response_id": answer.pk}
    )

    handle_response_finished(event)
    handle_response_finished(event)

    resolved.refresh_from_db()
    assert (resolved.followup_response_id, resolved.recovered) == (answer.pk, recovered)
    assert TicketEvent.all_orgs.filter(ticket=resolved, kind=kind).count() == 1


def test_not_a_detractor_gives_none(make_response, owner, root_cause, live_survey, organization):
    ticket, _ = ticket_open_for_response(response=make_response(nps=8))
    ticket_followup_send(ticket=ticket, survey=live_survey, actor=owner)
    ticket.refresh_from_db()
    answer = factories.ResponseFactory(
        organization=organization, nps=10, meta={"followup": ticket.followup_token}
    )

    followup_record(response=answer)

    ticket.refresh_from_db()
    assert (ticket.followup_response_id, ticket.recovered) == (answer.pk, None)


def test_followup_needs_a_survey_and_an_email(make_response, owner, root_cause, live_survey):
    ticket, _ = ticket_open_for_response(response=make_response(contact=None))

    with pytest.raises(ValidationError) as no_survey:
        ticket_change_status(
            ticket=ticket, actor=owner, status="closed", root_cause=root_cause, send_followup=True
        )
    with pytest.raises(ValidationError) as no_email:
        ticket_followup_send(ticket=ticket, survey=live_survey, actor=owner)

    assert (list(no_survey.value.message_dict), list(no_email.value.message_dict)) == (
        ["followup_survey"],
        ["followup_survey"],
    )
