"""End to end through the real queue: a response, the outbox, a Celery worker, a receiver on loopback."""

import json
import time
import uuid

import pytest

from core.models import OutboxEvent
from core.outbox import dispatch
from feedback.services import response_submit
from tests.conftest import wait_for
from webhooks.models import WebhookDelivery
from webhooks.signing import verify


@pytest.mark.django_db(transaction=True)
def test_a_finished_response_reaches_the_receiver_once_per_event(
    celery_worker, live_survey, make_endpoint, receiver
):
    endpoint = make_endpoint(receiver.url)

    response = response_submit(
        survey=live_survey, client_id=uuid.uuid4(), answers={"nps": 10}, finished=True, channel="link"
    ).response
    arrived = wait_for(lambda: len(receiver.requests) >= 2)
    # Hand both events to the worker again, as a sweep racing a slow worker would: nothing is sent twice.
    OutboxEvent.all_orgs.update(processed_at=None)
    dispatch(list(OutboxEvent.all_orgs.values_list("pk", flat=True)))
    reprocessed = wait_for(lambda: OutboxEvent.all_orgs.filter(processed_at__isnull=True).count() == 0)
    time.sleep(1)

    topics = sorted(r.headers["X-Cx-Event"] for r in receiver.requests)
    signed = [
        verify(
            endpoint.secret,
            r.headers["X-Cx-Delivery"],
            r.headers["X-Cx-Timestamp"],
            r.body,
            r.headers["X-Cx-Signature"],
        )
        for r in receiver.requests
    ]
    bodies = [json.loads(r.body)["data"]["response"]["id"] for r in receiver.requests]
    assert (arrived, reprocessed) == (True, True)
    assert (topics, signed, bodies) == (
        ["response.created", "response.finished"],
        [True, True],
        [response.pk, response.pk],
    )
    assert sorted(WebhookDelivery.all_orgs.values_list("topic", "status", "attempts")) == [
        ("response.created", "succeeded", 1),
        ("response.finished", "succeeded", 1),
    ]
