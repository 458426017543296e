"""The closed loop end to end, across real processes and protocol peers on loopback.

A detractor's feedback goes in through the API; a real Celery worker (on the test Redis and database)
evaluates the alert rule from the outbox, emails the CX manager through a real SMTP sink, posts a signed
webhook to a local HTTP receiver, and opens a ticket that routing sends round-robin to an agent. Time is
moved forward by moving the ticket's stored clock back; the worker's SLA scan raises the warning and then
the breach exactly once each. The agent replies by email, the customer's reply (raw MIME, as a mail relay
posts it) is threaded back, the ticket is resolved with a follow-up survey, and the customer's follow-up
answer marks the detractor recovered.
"""

from __future__ import annotations

import email
import os
import re
import signal
import time
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from django.db.models import F
from django.test import Client

from accounts.roles import Role
from accounts.services import membership_set_away, team_save
from core.tasks import app as celery_app
from feedback.alerts.services import alert_rule_create
from feedback.models import AlertDelivery, AlertMatch
from tests.conftest import spawn_celery_worker, stop_celery_worker, wait_for
from tests.webhooks.conftest import receiver  # noqa: F401 -- the fixture
from tickets.models import SlaNotice, Ticket, TicketMessage
from tickets.services.messages import ticket_reply
from tickets.services.root_causes import root_cause_create
from tickets.services.routing import routing_rule_create
from tickets.services.tickets import ticket_change_status
from tickets.sla.services import team_queue_update
from webhooks.signing import verify

pytestmark = [pytest.mark.django_db(transaction=True)]

SECRET = "inbound-test-secret"
DETRACTOR = {"nps": 3, "why": "Delivery was two weeks late."}


@pytest.fixture
def celery_worker_env() -> dict[str, str]:
    return {"INBOUND_EMAIL_DOMAIN": "reply.acme.test", "INBOUND_EMAIL_SECRET": SECRET}


@pytest.fixture
def loop(organization, manager, make_member, live_survey, receiver, settings):  # noqa: F811
    settings.INBOUND_EMAIL_SECRET = SECRET
    settings.INBOUND_EMAIL_DOMAIN = "reply.acme.test"
    lead = make_member(organization, Role.AGENT, email="lead@acme.test", name="Lena Lead")
    ann = make_member(organization, Role.AGENT, email="ann@acme.test", name="Ann Agent")
    bob = make_member(organization, Role.AGENT, email="bob@acme.test", name="Bob Agent")
    team = team_save(
        organization=organization, actor=manager, name="Care", lead_id=lead.pk, member_ids=[ann.pk, bob.pk]
    )
    # The lead is out of the office: round-robin skips them (they still hear of breaches).
    membership_set_away(membership=lead, is_away=True, actor=manager)
    team_queue_update(
        organization=organization,
        actor=manager,
        team=team,
        assignment="round_robin",
        calendar=None,
        sla_policy_key="",
        escalation_manager=manager,
    )
    routing_rule_create(
        organization=organization, actor=manager, name="Everything to Care", conditions={}, team=team
    )
    rule = alert_rule_create(
        organization=organization,
        actor=manager,
        name="Detractors",
        conditions={"match": "all", "conditions": [{"field": "nps", "op": "lte", "value": 6}]},
        actions=[
            {"type": "email", "recipients": [{"member": manager.pk, "frequency": "immediate"}]},
            {"type": "webhook", "url": receiver.url, "secret": "whsec_e2e-secret"},
            {"type": "ticket", "priority": "high"},
        ],
    )
    cause = root_cause_create(organization=organization, actor=manager, name="Late delivery")
    return {"lead": lead, "ann": ann, "bob": bob, "team": team, "rule": rule, "cause": cause}


def submit(client: Client, headers: dict[str, str], survey: Any, external_id: str, customer: str) -> int:
    answer = client.post(
        "/api/v1/feedback",
        {
            "external_id": external_id,
            "channel": "email",
            "survey": survey.public_id,
            "answers": DETRACTOR,
            "contact": {"email": customer, "name": "Jane Doe"},
        },
        content_type="application/json",
        **headers,
    )
    assert answer.status_code == 201, answer.content
    return int(answer.json()["id"])


def shift_clock(ticket: Ticket, hours: float) -> None:
    """Move time forward for one ticket by moving its stored moments back."""
    delta = timedelta(hours=hours)
    Ticket.all_orgs.filter(pk=ticket.pk).update(
        feedback_at=F("feedback_at") - delta,
        created_at=F("created_at") - delta,
        first_response_due_at=F("first_response_due_at") - delta,
        resolution_due_at=F("resolution_due_at") - delta,
        sla_next_check_at=F("sla_next_check_at") - delta,
    )


def run_sla_scan() -> None:
    celery_app.send_task("tickets.sla_scan")


def to_of(message: EmailMessage) -> str:
    return str(message["To"])


def test_a_detractor_is_alerted_ticketed_routed_worked_and_recovered(
    smtp_sink,  # requested before the worker, which inherits EMAIL_URL
    celery_worker,
    loop,
    organization,
    manager,
    owner,
    live_survey,
    receiver,  # noqa: F811
    issue_api_key,
    client_for,
):
    key = issue_api_key(owner)
    api = Client()

    first_id = submit(api, key.headers, live_survey, "crm-1", "jane@customer.test")
    assert wait_for(lambda: Ticket.all_orgs.filter(response_id=first_id).exists())
    assert wait_for(lambda: len(receiver.requests) == 1)
    assert smtp_sink.wait_for(2)  # the manager's alert, and Ann's "assigned to you"

    # The manager's alert email, once; the signed webhook, once.
    [alert_email] = [m for m in smtp_sink.messages if to_of(m) == "manager@acme.test"]
    assert (to_of(alert_email), "Detractors" in str(alert_email["Subject"])) == ("manager@acme.test", True)
    [hook] = receiver.requests
    assert verify(
        "whsec_e2e-secret", hook.headers["X-Cx-Delivery"], hook.headers["X-Cx-Timestamp"], hook.body,
        hook.headers["X-Cx-Signature"],
    )  # fmt: skip
    ticket = Ticket.all_orgs.get(response_id=first_id)
    assert (ticket.team_id, ticket.assignee_id, ticket.priority) == (loop["team"].pk, loop["ann"].pk, "high")
    assert AlertMatch.all_orgs.filter(response_id=first_id, outcome="fired").count() == 1
    assert wait_for(lambda: AlertDelivery.all_orgs.filter(response_id=first_id, status="sent").count() == 3)

    # A second detractor (another customer) goes round-robin to the other agent.
    second_id = submit(api, key.headers, live_survey, "crm-2", "max@customer.test")
    assert wait_for(lambda: Ticket.all_orgs.filter(response_id=second_id).exists())
    assert Ticket.all_orgs.get(response_id=second_id).assignee_id == loop["bob"].pk

    # 37 of the 48 hours pass: the 75 % warning, once, however often the scan runs.
    shift_clock(ticket, 37)
    run_sla_scan()
    run_sla_scan()
    assert wait_for(lambda: SlaNotice.all_orgs.filter(ticket=ticket, kind="warning_75").exists())
    # 12 more: the breach, once, with the agent and the team lead told.
    shift_clock(ticket, 12)
    run_sla_scan()
    run_sla_scan()
    assert wait_for(lambda: SlaNotice.all_orgs.filter(ticket=ticket, kind="breach").exists())
    time.sleep(1)  # let the second scan finish before counting
    notices = sorted(SlaNotice.all_orgs.filter(ticket=ticket).values_list("clock", "kind"))
    assert notices == [("first_response", "breach"), ("first_response", "warning_75")]

    # The agent replies: the email reaches the customer with a reply address that threads back.
    ann = loop["ann"]
    with_context = ticket_reply_in_org(organization, ticket, ann, "Sorry, Jane. A refund is on its way.")
    assert wait_for(lambda: any(to_of(m) == "jane@customer.test" for m in smtp_sink.messages))
    [to_customer] = [m for m in smtp_sink.messages if to_of(m) == "jane@customer.test"]
    reply_to = str(to_customer["Reply-To"])
    assert re.fullmatch(r"reply\+[\w-]+@reply\.acme\.test", reply_to)
    assert TicketMessage.all_orgs.get(pk=with_context).email_status == "sent"

    # The customer's reply, as the mail relay posts it.
    inbound = EmailMessage()
    inbound["From"] = "Jane Doe <jane@customer.test>"
    inbound["To"] = reply_to
    inbound["Subject"] = "Re: " + str(to_customer["Subject"])
    inbound["Message-ID"] = "<jane-1@customer.test>"
    inbound["In-Reply-To"] = str(to_customer["Message-ID"])
    inbound.set_content("Thank you, that helps.\n\nOn Monday, cx wrote:\n> Sorry, Jane.\n")
    posted = Client().post(
        "/api/v1/inbound/email",
        inbound.as_bytes(),
        content_type="message/rfc822",
        HTTP_AUTHORIZATION=f"Bearer {SECRET}",
    )
    assert posted.status_code == 202, posted.content
    threaded = TicketMessage.all_orgs.get(ticket=ticket, kind="inbound")
    assert threaded.body.strip() == "Thank you, that helps."

    # Resolved with a root cause and a follow-up survey; the customer answers 9: recovered.
    resolve_in_org(organization, ticket, ann, loop["cause"], live_survey)
    assert wait_for(lambda: sum(to_of(m) == "jane@customer.test" for m in smtp_sink.messages) == 2)
    followup_mail = [m for m in smtp_sink.messages if to_of(m) == "jane@customer.test"][-1]
    link = re.search(r"https?://\S+/s/[\w-]+/\?followup=[\w-]+", text_of(followup_mail))
    assert link is not None
    respondent = Client()
    path = link.group(0).split("://", 1)[1].split("/", 1)[1]
    landed = respondent.get("/" + path + "&nps=9")
    page = respondent.get(landed["Location"])
    finish_survey(respondent, page)
    assert wait_for(lambda: Ticket.all_orgs.get(pk=ticket.pk).recovered is True)


def ticket_reply_in_org(organization: Any, ticket: Ticket, agent: Any, body: str) -> int:
    from core.tenancy import organization_context

    with organization_context(organization):
        return ticket_reply(ticket=Ticket.objects.get(pk=ticket.pk), actor=agent, body=body).pk


def resolve_in_org(organization: Any, ticket: Ticket, agent: Any, cause: Any, survey: Any) -> None:
    from core.tenancy import organization_context

    with organization_context(organization):
        ticket_change_status(
            ticket=Ticket.objects.get(pk=ticket.pk),
            actor=agent,
            status="resolved",
            root_cause=cause,
            outcome="compensated",
            send_followup=True,
            followup_survey=survey,
        )


def text_of(message: EmailMessage) -> str:
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    body = parsed.get_body(preferencelist=("plain",))  # type: ignore[attr-defined]
    return str(body.get_content()) if body is not None else ""


def finish_survey(respondent: Client, page: Any) -> None:
    """Answer the remaining question of the follow-up (the live survey asks for an email after a 9)."""
    form_action = re.search(r'<form[^>]*action="([^"]+)"', page.content.decode())
    assert form_action is not None
    done = respondent.post(form_action.group(1), {"email": ""})
    assert done.status_code in {200, 302}


def test_a_worker_killed_during_delivery_still_delivers_the_alert_once(
    loop,
    organization,
    owner,
    live_survey,
    receiver,  # noqa: F811
    issue_api_key,
):
    from feedback.alerts.services.delivery import STUCK_AFTER

    receiver.delay_first = 3.0  # the first request hangs while the worker is killed
    worker = spawn_celery_worker()
    try:
        key = issue_api_key(owner)
        response_id = submit(Client(), key.headers, live_survey, "crm-kill", "kim@customer.test")
        assert wait_for(lambda: len(receiver.requests) >= 1)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        webhook = AlertDelivery.all_orgs.get(response_id=response_id, channel="webhook")
        assert webhook.status == "sending"
        # The claim is older than the stuck threshold (moved back, as time passing would).
        AlertDelivery.all_orgs.filter(pk=webhook.pk).update(claimed_at=F("claimed_at") - STUCK_AFTER * 2)
        worker = spawn_celery_worker()
        celery_app.send_task("alerts.sweep")
        assert wait_for(lambda: AlertDelivery.all_orgs.get(pk=webhook.pk).status == "sent", timeout=30)
    finally:
        stop_celery_worker(worker)
    rows = AlertDelivery.all_orgs.filter(response_id=response_id, channel="webhook")
    assert [(row.status, row.attempts >= 1) for row in rows] == [("sent", True)]
    assert len({r.headers["X-Cx-Delivery"] for r in receiver.requests}) == 1
