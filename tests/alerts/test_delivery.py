import json
from datetime import UTC, datetime, time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from cxplatform.celery import Queue
from feedback.alerts.models import AlertDelivery, AlertDeliveryStatus
from feedback.alerts.services import (
    alert_deliveries_sweep,
    alert_delivery_attempt,
    alert_delivery_retry,
    alert_rules_evaluate,
)
from tests.alerts.conftest import T0
from webhooks.signing import verify

pytestmark = pytest.mark.django_db


def fire(make_rule, make_response, actions, *, now=T0, response=None, **rule_fields):
    make_rule(actions=actions, **rule_fields)
    response = response or make_response()
    alert_rules_evaluate(response=response, now=now)
    return {d.channel: d for d in AlertDelivery.all_orgs.filter(response=response)}


def test_an_email_alert_reaches_each_recipient_with_a_link_to_the_response(
    make_rule, make_response, lead, jane, broker
):
    response = make_response(nps=3, contact=jane)
    rows = fire(
        make_rule,
        make_response,
        [{"type": "email", "recipients": [{"member": lead.pk}, {"email": "ops@acme.test"}]}],
        response=response,
    )

    delivery = alert_delivery_attempt(delivery_id=rows["email"].pk, now=T0)

    assert (delivery.status, delivery.attempts, delivery.target) == (
        AlertDeliveryStatus.SENT,
        1,
        "lead@acme.test, ops@acme.test",
    )
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["lead@acme.test"], "[Alert] Detractors: NPS 3 from Jane Doe"),
        (["ops@acme.test"], "[Alert] Detractors: NPS 3 from Jane Doe"),
    ]
    link = f"http://testserver/o/acme/feedback/responses/{response.pk}/"
    body = mail.outbox[0].body
    html, mimetype = mail.outbox[0].alternatives[0]
    assert (link.split("/o/")[1] in body, "The parcel came late." in body, mimetype) == (
        True,
        True,
        "text/html",
    )
    assert f"/o/acme/feedback/responses/{response.pk}/" in html


def test_members_kept_from_a_response_by_their_access_group_get_no_alert_about_it(
    organization, make_rule, make_response, lead, make_member, broker
):
    from accounts.models import AccessGroupMembership
    from tests import factories

    limited = make_member(organization, "cx_manager", email="limited@acme.test")
    group = factories.AccessGroupFactory(organization=organization)
    group.surveys.add(factories.SurveyFactory(organization=organization))  # not the response's survey
    AccessGroupMembership.all_orgs.create(organization=organization, access_group=group, membership=limited)
    recipients = [{"member": lead.pk}, {"member": limited.pk}]
    rows = fire(make_rule, make_response, [{"type": "email", "recipients": recipients}])

    alert_delivery_attempt(delivery_id=rows["email"].pk, now=T0)

    assert [m.to for m in mail.outbox] == [["lead@acme.test"]]


def test_a_signed_webhook_verifies_with_the_webhook_signing_scheme(make_rule, make_response, receiver):
    # Real time: the receiver checks the signature's timestamp against its clock.
    now = datetime.now(UTC)
    rows = fire(make_rule, make_response, [{"type": "webhook", "url": receiver.url}], now=now)
    rule = rows["webhook"].rule
    secret = rule.actions[0]["secret"]

    delivery = alert_delivery_attempt(delivery_id=rows["webhook"].pk, now=now)

    assert (delivery.status, delivery.last_status_code) == (AlertDeliveryStatus.SENT, 200)
    [request] = receiver.requests
    headers = request.headers
    assert verify(
        secret, headers["X-Cx-Delivery"], headers["X-Cx-Timestamp"], request.body, headers["X-Cx-Signature"]
    )
    assert (headers["X-Cx-Event"], headers["X-Cx-Delivery"]) == ("alert.fired", str(delivery.pk))
    body = json.loads(request.body)
    assert (body["type"], body["id"], body["data"]["rule"], body["data"]["response"]["scores"]["nps"]) == (
        "alert.fired",
        delivery.pk,
        {"id": rule.pk, "name": "Detractors"},
        3,
    )


def test_slack_gets_text_and_blocks(make_rule, make_response, receiver, jane):
    response = make_response(nps=2, contact=jane)
    rows = fire(make_rule, make_response, [{"type": "slack", "url": receiver.url}], response=response)

    alert_delivery_attempt(delivery_id=rows["slack"].pk, now=T0)

    payload = json.loads(receiver.requests[0].body)
    link = f"/o/acme/feedback/responses/{response.pk}/"
    assert sorted(payload) == ["blocks", "text"]
    assert payload["text"].startswith("[Alert] Detractors: NPS 2 from Jane Doe http")
    assert [block["type"] for block in payload["blocks"]] == ["header", "section", "section", "actions"]
    assert payload["blocks"][-1]["elements"][0]["url"].endswith(link)


def test_teams_gets_an_adaptive_card_message(make_rule, make_response, receiver):
    rows = fire(make_rule, make_response, [{"type": "teams", "url": receiver.url}])

    alert_delivery_attempt(delivery_id=rows["teams"].pk, now=T0)

    payload = json.loads(receiver.requests[0].body)
    [attachment] = payload["attachments"]
    card = attachment["content"]
    assert (payload["type"], attachment["contentType"], card["type"], card["version"]) == (
        "message",
        "application/vnd.microsoft.card.adaptive",
        "AdaptiveCard",
        "1.4",
    )
    assert [item["type"] for item in card["body"]] == ["TextBlock", "FactSet", "TextBlock"]
    assert card["actions"][0]["type"] == "Action.OpenUrl"


def test_a_failed_attempt_is_retried_with_backoff_and_fails_after_the_last(
    make_rule, make_response, receiver
):
    receiver.statuses = [500] * 6
    rows = fire(make_rule, make_response, [{"type": "slack", "url": receiver.url}])
    delivery_id = rows["slack"].pk

    schedule = []
    now = T0
    for _attempt in range(6):
        delivery = alert_delivery_attempt(delivery_id=delivery_id, now=now)
        schedule.append((delivery.status, delivery.attempts, delivery.next_attempt_at - now))
        now = delivery.next_attempt_at

    assert schedule[:5] == [
        (AlertDeliveryStatus.PENDING, 1, timedelta(seconds=30)),
        (AlertDeliveryStatus.PENDING, 2, timedelta(minutes=2)),
        (AlertDeliveryStatus.PENDING, 3, timedelta(minutes=10)),
        (AlertDeliveryStatus.PENDING, 4, timedelta(hours=1)),
        (AlertDeliveryStatus.PENDING, 5, timedelta(hours=6)),
    ]
    assert schedule[5][:2] == (AlertDeliveryStatus.FAILED, 6)
    assert AlertDelivery.all_orgs.get(pk=delivery_id).last_error == "HTTP 500: boom"
    assert len(receiver.requests) == 6


def test_a_retry_is_not_made_before_it_is_due(make_rule, make_response, receiver):
    receiver.statuses = [503]
    rows = fire(make_rule, make_response, [{"type": "slack", "url": receiver.url}])
    alert_delivery_attempt(delivery_id=rows["slack"].pk, now=T0)

    assert alert_delivery_attempt(delivery_id=rows["slack"].pk, now=T0 + timedelta(seconds=29)) is None
    assert len(receiver.requests) == 1


def test_a_failed_delivery_can_be_retried_by_hand(make_rule, make_response, receiver, lead, broker):
    receiver.statuses = [500] * 6
    rows = fire(make_rule, make_response, [{"type": "slack", "url": receiver.url}])
    AlertDelivery.all_orgs.filter(pk=rows["slack"].pk).update(status=AlertDeliveryStatus.FAILED, attempts=6)
    delivery = AlertDelivery.all_orgs.get(pk=rows["slack"].pk)
    receiver.statuses = []

    alert_delivery_retry(delivery=delivery, actor=lead)
    retried = alert_delivery_attempt(delivery_id=delivery.pk)

    assert (retried.status, retried.attempts) == (AlertDeliveryStatus.SENT, 7)
    with pytest.raises(ValidationError) as caught:
        alert_delivery_retry(delivery=retried, actor=lead)
    assert caught.value.messages == ["Only a failed delivery can be retried."]


def test_a_claimed_delivery_is_not_sent_by_a_second_task(make_rule, make_response, receiver):
    rows = fire(make_rule, make_response, [{"type": "slack", "url": receiver.url}])
    AlertDelivery.all_orgs.filter(pk=rows["slack"].pk).update(
        status=AlertDeliveryStatus.SENDING, claimed_at=T0
    )

    assert alert_delivery_attempt(delivery_id=rows["slack"].pk, now=T0) is None
    assert receiver.requests == []


def test_the_sweep_takes_back_a_delivery_stuck_in_sending_and_queues_it(
    make_rule, make_response, receiver, broker, django_capture_on_commit_callbacks
):
    rows = fire(make_rule, make_response, [{"type": "slack", "url": receiver.url}])
    delivery_id = rows["slack"].pk
    AlertDelivery.all_orgs.filter(pk=delivery_id).update(
        status=AlertDeliveryStatus.SENDING, claimed_at=T0, attempts=1
    )

    assert alert_deliveries_sweep(now=T0 + timedelta(minutes=1)) == []
    with django_capture_on_commit_callbacks(execute=True):
        queued = alert_deliveries_sweep(now=T0 + timedelta(minutes=3))

    delivery = AlertDelivery.all_orgs.get(pk=delivery_id)
    assert queued == [delivery_id]
    assert (delivery.status, delivery.last_error, delivery.enqueued_at) == (
        AlertDeliveryStatus.PENDING,
        "The attempt did not finish: its worker stopped.",
        T0 + timedelta(minutes=3),
    )
    assert broker.llen(Queue.ALERTS) == 1
    assert alert_delivery_attempt(delivery_id=delivery_id, now=T0 + timedelta(minutes=3)).status == "sent"


def test_the_sweep_queues_due_deliveries_once(make_rule, make_response, receiver):
    rows = fire(make_rule, make_response, [{"type": "slack", "url": receiver.url}])
    AlertDelivery.all_orgs.filter(pk=rows["slack"].pk).update(enqueued_at=None)

    assert alert_deliveries_sweep(now=T0) == [rows["slack"].pk]
    assert alert_deliveries_sweep(now=T0 + timedelta(seconds=15)) == []


def test_a_held_delivery_is_released_when_quiet_hours_end(make_rule, make_response, lead):
    rows = fire(
        make_rule,
        make_response,
        [{"type": "email", "recipients": [{"member": lead.pk}]}],
        now=datetime(2030, 5, 1, 23, 0, tzinfo=UTC),
        quiet_hours_start=time(22, 0),
        quiet_hours_end=time(7, 0),
    )
    delivery_id = rows["email"].pk
    morning = datetime(2030, 5, 2, 7, 0, tzinfo=UTC)

    assert (
        alert_delivery_attempt(delivery_id=delivery_id, now=datetime(2030, 5, 2, 6, 59, tzinfo=UTC)) is None
    )
    assert alert_deliveries_sweep(now=datetime(2030, 5, 2, 6, 59, tzinfo=UTC)) == []
    assert alert_deliveries_sweep(now=morning) == [delivery_id]
    delivery = alert_delivery_attempt(delivery_id=delivery_id, now=morning)

    assert (delivery.status, delivery.held, delivery.attempts, len(mail.outbox)) == (
        AlertDeliveryStatus.SENT,
        False,
        1,
        1,
    )


def test_a_retry_that_falls_in_quiet_hours_waits_for_their_end(make_rule, make_response, receiver):
    rows = fire(
        make_rule,
        make_response,
        [{"type": "slack", "url": receiver.url}],
        now=datetime(2030, 5, 1, 21, 0, tzinfo=UTC),
        quiet_hours_start=time(22, 0),
        quiet_hours_end=time(7, 0),
    )
    # A due retry claimed inside quiet hours is handed back, not counted as an attempt.
    AlertDelivery.all_orgs.filter(pk=rows["slack"].pk).update(attempts=1)

    delivery = alert_delivery_attempt(
        delivery_id=rows["slack"].pk, now=datetime(2030, 5, 1, 22, 30, tzinfo=UTC)
    )

    assert (delivery.status, delivery.held, delivery.attempts, delivery.next_attempt_at) == (
        AlertDeliveryStatus.PENDING,
        True,
        1,
        datetime(2030, 5, 2, 7, 0, tzinfo=UTC),
    )
    assert receiver.requests == []


def test_an_action_removed_from_the_rule_is_skipped(make_rule, make_response, receiver, lead):
    rows = fire(make_rule, make_response, [{"type": "slack", "url": receiver.url}])
    rule = rows["slack"].rule
    rule.actions = [{"type": "ticket", "priority": "normal"}]
    rule.save()

    delivery = alert_delivery_attempt(delivery_id=rows["slack"].pk, now=T0)

    assert (delivery.status, delivery.last_error) == (
        AlertDeliveryStatus.SKIPPED,
        "Not sent: the rule no longer has this action.",
    )


def test_the_ticket_action_opens_one_ticket_for_the_response(make_rule, make_response, jane):
    from tickets.models import Ticket

    response = make_response(nps=1, contact=jane)
    rows = fire(make_rule, make_response, [{"type": "ticket", "priority": "high"}], response=response)

    delivery = alert_delivery_attempt(delivery_id=rows["ticket"].pk, now=T0)
    # Run again as if the task were delivered twice after a crash: still one ticket.
    AlertDelivery.all_orgs.filter(pk=delivery.pk).update(status=AlertDeliveryStatus.PENDING)
    again = alert_delivery_attempt(delivery_id=delivery.pk, now=T0)

    ticket = Ticket.all_orgs.get()
    assert (delivery.status, again.status) == (AlertDeliveryStatus.SENT, AlertDeliveryStatus.SENT)
    assert (ticket.response_id, ticket.alert_rule_id, ticket.priority, ticket.contact_id) == (
        response.pk,
        rows["ticket"].rule_id,
        "high",
        jane.pk,
    )
    assert again.target == f"Ticket #{ticket.pk}"
