import uuid

import pytest
import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import outbox
from core.models import OutboxEvent
from cxplatform.celery import Queue, app
from feedback.services import SubmissionInvalid, response_submit
from tests.conftest import wait_for


@pytest.fixture
def broker():
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(*Queue)
    yield client
    client.delete(*Queue)


def point_broker_at(url):
    app.conf.broker_url = app.conf.broker_write_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def dead_broker():
    """Point the Celery app at a closed port: a real connection failure, not a mock."""
    point_broker_at("redis://127.0.0.1:1/0")
    yield
    point_broker_at(settings.CELERY_BROKER_URL)
    outbox._gate.reset()


def submit(survey, **kwargs):
    return response_submit(survey=survey, client_id=uuid.uuid4(), channel="link", **kwargs)


@pytest.mark.django_db(transaction=True)
def test_a_response_records_its_events_and_they_reach_the_broker_after_commit(live_survey, broker):
    result = submit(live_survey, answers={"nps": 10}, finished=True)

    events = list(OutboxEvent.all_orgs.order_by("pk").values_list("topic", "payload", "dispatch_count"))
    assert events == [
        ("response.created", {"response_id": result.response.pk}, 1),
        ("response.finished", {"response_id": result.response.pk}, 1),
    ]
    # Both events of the transaction travel in one message.
    assert broker.llen(Queue.INGEST) == 1


@pytest.mark.django_db(transaction=True)
def test_a_refused_submission_records_nothing(live_survey, broker):
    with pytest.raises(SubmissionInvalid):
        submit(live_survey, answers={"nps": 99}, finished=False)

    assert (OutboxEvent.all_orgs.count(), broker.llen(Queue.INGEST)) == (0, 0)


@pytest.mark.django_db(transaction=True)
def test_nothing_is_sent_before_the_transaction_commits(live_survey, broker):
    with transaction.atomic():
        submit(live_survey, answers={"nps": 3}, finished=False)
        queued_inside = broker.llen(Queue.INGEST)

    assert (queued_inside, broker.llen(Queue.INGEST)) == (0, 1)


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_response_is_stored_and_the_sweeper_sends_it_later(
    live_survey, broker, dead_broker
):
    result = submit(live_survey, answers={"nps": 8}, finished=False)
    event = OutboxEvent.all_orgs.get()

    assert (result.response.pk is not None, event.dispatched_at, event.dispatch_count) == (True, None, 0)

    point_broker_at(settings.CELERY_BROKER_URL)
    swept = outbox.outbox_sweep(now=timezone.now() + outbox.SWEEP_GRACE * 2)

    event.refresh_from_db()
    assert (swept, event.dispatch_count, broker.llen(Queue.INGEST)) == (1, 1, 1)


@pytest.mark.django_db(transaction=True)
def test_processing_runs_each_handler_once_however_often_it_is_delivered(live_survey, broker):
    seen = []
    outbox.register("response.created", lambda event: seen.append(event.pk))
    try:
        submit(live_survey, answers={"nps": 8}, finished=False)
        event = OutboxEvent.all_orgs.get()

        outcomes = [outbox.outbox_process(event.pk), outbox.outbox_process(event.pk)]
    finally:
        outbox._handlers["response.created"].clear()

    assert (outcomes, seen) == ([True, False], [event.pk])


@pytest.mark.django_db(transaction=True)
def test_the_sweeper_leaves_fresh_and_recently_dispatched_events_alone(live_survey, broker):
    submit(live_survey, answers={"nps": 8}, finished=False)
    broker.delete(*Queue)

    assert outbox.outbox_sweep(now=timezone.now() + outbox.SWEEP_GRACE * 2) == 0
    assert outbox.outbox_sweep(now=timezone.now() + outbox.REDISPATCH_AFTER * 2) == 1


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_processes_the_events_of_a_response(live_survey, broker, celery_worker):
    submit(live_survey, answers={"nps": 10}, finished=True)

    processed = wait_for(lambda: OutboxEvent.all_orgs.filter(processed_at__isnull=False).count() == 2)

    assert (processed, broker.llen(Queue.INGEST)) == (True, 0)
