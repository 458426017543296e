import json
import socket
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.models import AuditEvent
from core.models import OutboxEvent
from core.outbox import outbox_process
from cxplatform.celery import Queue
from feedback.services import response_submit
from webhooks.models import DeliveryStatus, WebhookDelivery
from webhooks.services import (
    url_refusal,
    webhook_deliveries_for_event,
    webhook_deliveries_sweep,
    webhook_delivery_attempt,
    webhook_delivery_retry,
    webhook_endpoint_rotate_secret,
)
from webhooks.signing import verify

T0 = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def broker():
    # Deliveries queued by the code under test land here; no worker runs in these tests.
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(*Queue)
    yield client
    client.delete(*Queue)


def submit_finished(survey, **kwargs):
    return response_submit(
        survey=survey,
        client_id=uuid.UUID("11111111-2222-4333-8444-555555555555"),
        answers={"nps": 10},
        finished=True,
        channel="link",
        now=T0,
        **kwargs,
    ).response


def event(topic):
    return OutboxEvent.all_orgs.get(topic=topic)


def pending_delivery(endpoint, *, at=T0, topic="response.finished", **fields):
    return WebhookDelivery.all_orgs.create(
        organization=endpoint.organization,
        endpoint=endpoint,
        event_id=fields.pop("event_id", None),
        topic=topic,
        payload={"response": {"id": 1}},
        created_at=at,
        next_attempt_at=at,
        **fields,
    )


def dead_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks"


# --- endpoints ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("https://hooks.example.com/cx", None),
        ("http://localhost:8000/cx", None),
        ("http://127.0.0.1/cx", None),
        ("http://[::1]:9000/cx", None),
        ("http://hooks.example.com/cx", "Use an https:// URL. Plain http is allowed only for localhost."),
        ("http://10.0.0.5/cx", "Use an https:// URL. Plain http is allowed only for localhost."),
        ("ftp://hooks.example.com/cx", "Enter a valid URL such as https://example.com/webhooks/cx."),
        ("javascript:alert(1)", "Enter a valid URL such as https://example.com/webhooks/cx."),
        ("https://", "Enter a valid URL such as https://example.com/webhooks/cx."),
        ("https://example.com:99999/", "Enter a valid URL such as https://example.com/webhooks/cx."),
    ],
)
def test_only_https_and_loopback_http_urls_are_accepted(url, error):
    assert url_refusal(url) == error


def test_an_endpoint_with_a_refused_url_is_not_created(make_endpoint):
    with pytest.raises(ValidationError) as caught:
        make_endpoint("http://hooks.example.com/cx")

    assert caught.value.message_dict == {
        "url": ["Use an https:// URL. Plain http is allowed only for localhost."]
    }


def test_an_endpoint_needs_a_name_and_known_events(make_endpoint):
    with pytest.raises(ValidationError) as caught:
        make_endpoint("https://hooks.example.com", events=("response.deleted",), name=" ")

    assert caught.value.message_dict == {
        "name": ["Give the webhook a name."],
        "events": ["Choose at least one event from the list."],
    }


def test_a_new_endpoint_gets_its_own_secret_which_the_audit_log_never_holds(make_endpoint, admin):
    first = make_endpoint("https://a.example.com")
    second = make_endpoint("https://b.example.com")
    old = first.secret
    webhook_endpoint_rotate_secret(endpoint=first, actor=admin)
    audit = list(AuditEvent.all_orgs.order_by("pk").values_list("action", "before", "after"))

    assert (
        first.secret.startswith("whsec_"),
        len(first.secret),
        first.secret != old,
        old != second.secret,
    ) == (
        True,
        49,
        True,
        True,
    )
    assert json.dumps(audit).count("whsec_") == 0
    assert [row[0] for row in audit] == ["webhook.created", "webhook.created", "webhook.secret_rotated"]


# --- the outbox handler ------------------------------------------------------------------------------


def test_the_handler_creates_one_delivery_per_subscribed_active_endpoint(live_survey, make_endpoint):
    both = make_endpoint("https://both.example.com")
    created_only = make_endpoint("https://created.example.com", events=("response.created",))
    make_endpoint("https://off.example.com", active=False)
    submit_finished(live_survey)

    webhook_deliveries_for_event(event("response.created"))
    webhook_deliveries_for_event(event("response.finished"))

    rows = WebhookDelivery.all_orgs.order_by("endpoint_id", "topic").values_list(
        "endpoint_id", "topic", "status"
    )
    assert list(rows) == [
        (both.pk, "response.created", "pending"),
        (both.pk, "response.finished", "pending"),
        (created_only.pk, "response.created", "pending"),
    ]


def test_an_event_handled_twice_is_delivered_once(live_survey, make_endpoint):
    make_endpoint("https://both.example.com")
    submit_finished(live_survey)
    finished = event("response.finished")

    first = webhook_deliveries_for_event(finished)
    second = webhook_deliveries_for_event(finished)
    OutboxEvent.all_orgs.filter(pk=finished.pk).update(processed_at=None)
    reprocessed = outbox_process(finished.pk)

    assert (len(first), second, reprocessed) == (1, [], True)
    assert WebhookDelivery.all_orgs.filter(event_id=finished.pk).count() == 1


def test_the_payload_is_a_snapshot_of_the_response_without_the_ip_hash(live_survey, make_endpoint):
    make_endpoint("https://both.example.com")
    response = submit_finished(
        live_survey, hidden_fields={"plan": "pro"}, meta={"ip_hash": "abc", "page": "/buy"}
    )

    [delivery] = webhook_deliveries_for_event(event("response.finished"))

    assert delivery.payload == {
        "response": {
            "id": response.pk,
            "client_id": "11111111-2222-4333-8444-555555555555",
            "external_id": None,
            "survey": live_survey.public_id,
            "survey_version": 1,
            "channel": "link",
            "touchpoint": live_survey.touchpoint_id,
            "language": "en",
            "answers": {"nps": 10},
            "scores": {"nps": 10, "csat": None, "ces": None},
            "comment": "",
            "contact_id": None,
            "hidden_fields": {"plan": "pro"},
            "metadata": {"page": "/buy"},
            "ending": "thanks",
            "started_at": "2030-05-01T12:00:00+00:00",
            "finished_at": "2030-05-01T12:00:00+00:00",
            "received_at": "2030-05-01T12:00:00+00:00",
        }
    }


def test_an_event_about_a_deleted_response_delivers_nothing(live_survey, make_endpoint):
    make_endpoint("https://both.example.com")
    response = submit_finished(live_survey)
    finished = event("response.finished")
    response.delete()

    assert (webhook_deliveries_for_event(finished), WebhookDelivery.all_orgs.count()) == ([], 0)


# --- sending -----------------------------------------------------------------------------------------


def test_a_delivery_reaches_a_real_receiver_signed_over_its_raw_body(make_endpoint, receiver):
    endpoint = make_endpoint(receiver.url)
    delivery = pending_delivery(endpoint, topic="response.created")

    result = webhook_delivery_attempt(delivery_id=delivery.pk, now=T0)

    [request] = receiver.requests
    headers = request.headers
    assert (request.path, headers["Content-Type"], headers["User-Agent"]) == (
        "/hooks/cx",
        "application/json",
        "cxplatform-webhooks/1",
    )
    assert (headers["X-Cx-Event"], headers["X-Cx-Delivery"], headers["X-Cx-Timestamp"]) == (
        "response.created",
        str(delivery.pk),
        str(int(T0.timestamp())),
    )
    assert verify(
        endpoint.secret,
        headers["X-Cx-Delivery"],
        headers["X-Cx-Timestamp"],
        request.body,
        headers["X-Cx-Signature"],
        now=T0.timestamp(),
    )
    assert json.loads(request.body) == {
        "id": delivery.pk,
        "type": "response.created",
        "created_at": "2030-05-01T12:00:00+00:00",
        "data": {"response": {"id": 1}},
    }
    assert (
        result.status,
        result.attempts,
        result.last_status_code,
        result.last_error,
        result.claimed_at,
    ) == (
        DeliveryStatus.SUCCEEDED,
        1,
        200,
        "",
        None,
    )
    assert (result.delivered_at is not None, result.response_time_ms is not None) == (True, True)


def test_a_failed_attempt_is_retried_after_the_backoff_and_then_succeeds(make_endpoint, receiver):
    receiver.statuses = [500]
    delivery = pending_delivery(make_endpoint(receiver.url))

    first = webhook_delivery_attempt(delivery_id=delivery.pk, now=T0)
    first_state = (
        first.status,
        first.attempts,
        first.last_status_code,
        first.last_error,
        first.next_attempt_at,
    )
    too_early = webhook_delivery_attempt(delivery_id=delivery.pk, now=T0 + timedelta(seconds=29))
    second = webhook_delivery_attempt(delivery_id=delivery.pk, now=T0 + timedelta(seconds=30))

    assert first_state == ("pending", 1, 500, "HTTP 500: boom", T0 + timedelta(seconds=30))
    assert too_early is None
    assert (second.status, second.attempts, second.last_status_code, second.last_error) == (
        "succeeded",
        2,
        200,
        "",
    )
    assert len(receiver.requests) == 2


def test_the_backoff_grows_and_the_sixth_failure_gives_up(make_endpoint, receiver):
    receiver.statuses = [503] * 6
    delivery = pending_delivery(make_endpoint(receiver.url))
    now, waits, statuses = T0, [], []

    for _ in range(6):
        result = webhook_delivery_attempt(delivery_id=delivery.pk, now=now)
        statuses.append(result.status)
        waits.append(int((result.next_attempt_at - now).total_seconds()))
        now = result.next_attempt_at

    assert statuses == ["pending"] * 5 + ["failed"]
    assert waits[:5] == [30, 120, 600, 3600, 21600]
    assert (result.attempts, len(receiver.requests)) == (6, 6)


def test_an_unreachable_receiver_is_a_recorded_failed_attempt_not_a_crash(make_endpoint):
    delivery = pending_delivery(make_endpoint(dead_url()))

    result = webhook_delivery_attempt(delivery_id=delivery.pk, now=T0)

    assert (result.status, result.attempts, result.last_status_code, result.next_attempt_at) == (
        "pending",
        1,
        None,
        T0 + timedelta(seconds=30),
    )
    assert result.last_error.startswith("ConnectionError: ")


def test_a_redirect_is_not_followed(make_endpoint, receiver):
    receiver.statuses = [302]
    delivery = pending_delivery(make_endpoint(receiver.url))

    result = webhook_delivery_attempt(delivery_id=delivery.pk, now=T0)

    assert (result.status, result.last_status_code, result.last_error, len(receiver.requests)) == (
        "pending",
        302,
        "HTTP 302: redirects are not followed; use the final URL.",
        1,
    )


def test_a_claimed_delivery_is_not_sent_by_a_second_task(make_endpoint, receiver):
    delivery = pending_delivery(make_endpoint(receiver.url))

    results = [webhook_delivery_attempt(delivery_id=delivery.pk, now=T0) for _ in range(2)]

    assert ([r.status if r else None for r in results], len(receiver.requests)) == (["succeeded", None], 1)


def test_a_disabled_endpoint_is_not_sent_to(make_endpoint, receiver):
    endpoint = make_endpoint(receiver.url, active=False)
    delivery = pending_delivery(endpoint)

    result = webhook_delivery_attempt(delivery_id=delivery.pk, now=T0)

    assert (result.status, result.last_error, receiver.requests) == (
        "failed",
        "Not sent: the webhook is disabled.",
        [],
    )


def test_a_url_that_became_unsafe_is_never_requested(make_endpoint, receiver):
    endpoint = make_endpoint(receiver.url)
    type(endpoint).all_orgs.filter(pk=endpoint.pk).update(url="file:///etc/passwd")
    delivery = pending_delivery(endpoint)

    result = webhook_delivery_attempt(delivery_id=delivery.pk, now=T0)

    assert (result.status, result.last_error) == (
        "failed",
        "Enter a valid URL such as https://example.com/webhooks/cx.",
    )


def test_a_failed_delivery_can_be_retried_once_more_by_hand(make_endpoint, admin, receiver, broker):
    delivery = pending_delivery(make_endpoint(receiver.url), status=DeliveryStatus.FAILED, attempts=6)

    retried = webhook_delivery_retry(delivery=delivery, actor=admin)
    result = webhook_delivery_attempt(delivery_id=delivery.pk)

    assert (retried.status, result.status, result.attempts) == ("pending", "succeeded", 7)
    with pytest.raises(ValidationError):
        webhook_delivery_retry(delivery=result, actor=admin)


# --- the sweeper -------------------------------------------------------------------------------------


def test_the_sweep_takes_back_a_delivery_whose_worker_died(make_endpoint, broker):
    endpoint = make_endpoint("https://hooks.example.com")
    stuck = pending_delivery(endpoint, status="sending", attempts=1, claimed_at=T0 - timedelta(minutes=6))
    worn = pending_delivery(endpoint, status="sending", attempts=6, claimed_at=T0 - timedelta(minutes=6))
    busy = pending_delivery(endpoint, status="sending", attempts=1, claimed_at=T0 - timedelta(minutes=4))

    webhook_deliveries_sweep(now=T0)

    rows = {d.pk: (d.status, d.next_attempt_at, d.last_error) for d in WebhookDelivery.all_orgs.all()}
    lost = "The attempt did not finish: its worker stopped."
    assert rows == {
        stuck.pk: ("pending", T0 + timedelta(seconds=30), lost),
        worn.pk: ("failed", T0, lost),
        busy.pk: ("sending", T0, ""),
    }


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_queue_each_due_delivery_once(make_endpoint, broker):
    endpoint = make_endpoint("https://hooks.example.com")
    due = [pending_delivery(endpoint).pk for _ in range(60)]
    pending_delivery(endpoint, at=T0 + timedelta(minutes=1))  # not due yet
    barrier = threading.Barrier(2)
    results: list[list[int]] = []

    def sweep():
        try:
            barrier.wait()
            results.append(webhook_deliveries_sweep(now=T0))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    again = webhook_deliveries_sweep(now=T0 + timedelta(seconds=30))
    lost = webhook_deliveries_sweep(now=T0 + timedelta(minutes=3))

    assert (sorted(results[0] + results[1]), again) == (due, [])
    assert sorted(lost) == [*due, max(due) + 1]
    assert broker.llen(Queue.INGEST) == 121


def test_ticket_events_reach_endpoints_subscribed_to_them(live_survey, make_endpoint, admin):
    from tickets.models import RootCause
    from tickets.services.opening import ticket_open_for_response
    from tickets.services.tickets import ticket_change_status

    tickets_only = make_endpoint(
        "https://crm.example.com/hooks", events=("ticket.created", "ticket.status_changed")
    )
    make_endpoint("https://bi.example.com/hooks", events=("response.finished",), name="BI")
    ticket, _ = ticket_open_for_response(response=submit_finished(live_survey))
    cause = RootCause.all_orgs.create(organization=live_survey.organization, name="Courier late")
    ticket_change_status(ticket=ticket, actor=admin, status="resolved", root_cause=cause, outcome="fixed")

    created = webhook_deliveries_for_event(event("ticket.created"))
    changed = webhook_deliveries_for_event(event("ticket.status_changed"))

    assert [(d.endpoint_id, d.topic) for d in created + changed] == [
        (tickets_only.pk, "ticket.created"),
        (tickets_only.pk, "ticket.status_changed"),
    ]
    assert (created[0].payload["ticket"]["id"], created[0].payload["ticket"]["response_id"]) == (
        ticket.pk,
        ticket.response_id,
    )
    data = changed[0].payload
    assert (data["change"], data["ticket"]["status"], data["ticket"]["root_cause"]) == (
        {"from": "new", "to": "resolved"},
        "resolved",
        "Courier late",
    )
