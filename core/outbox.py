"""The transactional outbox: follow-up work that must not be lost.

``outbox_record_many`` writes events in the caller's transaction and, once that transaction commits,
hands them to Celery. If the broker is unreachable the request still succeeds: the events wait in
PostgreSQL and ``outbox_sweep`` (run by beat) hands it over when the broker is back. A worker runs
``outbox_process``, which claims the event and calls every handler registered for its topic.
Handlers must be idempotent: an event may be delivered more than once (a sweep racing a slow worker,
a worker killed after its handler ran), never less.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core import prepared
from core.models import OutboxEvent
from core.tenancy import organization_context

logger = logging.getLogger(__name__)

Handler = Callable[[OutboxEvent], None]
_handlers: dict[str, list[Handler]] = defaultdict(list)

# After a failed hand-off, skip the broker for this long and leave the events to the sweeper, so that
# a broker outage does not add a connection timeout to every request.
BROKER_BACKOFF_SECONDS = 5.0
# An event handed over but still unprocessed after this long is handed over again.
REDISPATCH_AFTER = timedelta(minutes=2)
# Events younger than this are left to the relay that is about to send them.
SWEEP_GRACE = timedelta(seconds=5)
SWEEP_BATCH = 500
# Events per task: one broker message and one task run for many events.
DISPATCH_CHUNK = 100
# An event whose handlers keep failing is handed over at most this often, then left for inspection.
MAX_DISPATCHES = 20


class _BrokerGate:
    def __init__(self) -> None:
        self._closed_until = 0.0
        self._lock = threading.Lock()

    def is_open(self) -> bool:
        return time.monotonic() >= self._closed_until

    def trip(self) -> None:
        with self._lock:
            self._closed_until = time.monotonic() + BROKER_BACKOFF_SECONDS

    def reset(self) -> None:
        with self._lock:
            self._closed_until = 0.0


_gate = _BrokerGate()


def register(topic: str, handler: Handler) -> None:
    """Call ``handler(event)`` for every event of ``topic`` (from an AppConfig.ready)."""
    if handler not in _handlers[topic]:
        _handlers[topic].append(handler)


def handlers_for(topic: str) -> list[Handler]:
    return list(_handlers.get(topic, []))


class _Relay:
    """Hands committed events to the broker, combining the hand-offs of concurrent requests.

    The thread that finds no hand-off under way sends its events at once, and then whatever other threads
    of the process committed meanwhile, until nothing is left; those threads return without waiting. So
    a lone request is handed over synchronously, right after its commit, and under load one broker
    message carries the events of several requests (one publish, not one per request). Every event is
    handed over by its own thread or by the one sending when it arrived; if the process dies first,
    the sweeper sends it again (REDISPATCH_AFTER), as it would for a process dying right after a commit.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: list[int] = []
        self._sending = False

    def send(self, event_ids: list[int]) -> None:
        with self._lock:
            self._waiting.extend(event_ids)
            if self._sending:
                return
            self._sending = True
        try:
            while True:
                with self._lock:
                    batch, self._waiting = self._waiting, []
                    if not batch:
                        self._sending = False
                        return
                dispatch(batch, recorded=True)
        except BaseException:
            with self._lock:
                self._sending = False
            raise


_relay = _Relay()


class _PendingDispatch:
    """The events recorded in one transaction, handed over together when it commits."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def __call__(self) -> None:
        _relay.send(self.ids)


def _pending_for_current_transaction() -> _PendingDispatch:
    # One hand-off per transaction, not per event: find this transaction's pending batch among its
    # on-commit callbacks (Django drops it if the transaction or its savepoint rolls back).
    connection = transaction.get_connection()
    for entry in connection.run_on_commit:
        if isinstance(entry[1], _PendingDispatch):
            return entry[1]
    pending = _PendingDispatch()
    transaction.on_commit(pending)
    return pending


def outbox_record_many(
    *, organization_id: int, events: list[tuple[str, dict[str, Any]]]
) -> list[OutboxEvent]:
    """Record several events (topic, payload) in one INSERT inside the current transaction.

    The events are written already marked as handed over, since the relay runs right after commit: that
    saves an UPDATE per event on the ingestion path. If the hand-off fails the mark is cleared, and if
    the process dies before it, the sweeper re-sends the unprocessed events after REDISPATCH_AFTER.
    """
    now = timezone.now()
    rows = [
        OutboxEvent(
            organization_id=organization_id,
            topic=topic,
            payload=payload,
            created_at=now,
            dispatched_at=now,
            dispatch_count=1,
        )
        for topic, payload in events
    ]
    # One INSERT … RETURNING id written once (core/prepared.py): this runs for every stored response.
    prepared.insert(rows)
    ids = [row.pk for row in rows]
    if transaction.get_connection().in_atomic_block:
        _pending_for_current_transaction().ids.extend(ids)
    else:
        _relay.send(ids)
    return rows


def dispatch(event_ids: list[int], *, recorded: bool = False) -> int:
    """Hand events to the broker. Never raises: what cannot be sent now is left to the sweeper.

    ``recorded``: the events were written already marked as dispatched (by ``outbox_record_many``); only a
    failure needs writing then, to clear the mark so that the sweeper picks them up soon.
    """
    if not event_ids:
        return 0
    if not _gate.is_open():
        if recorded:
            _unmark(event_ids)
        return 0
    from core.tasks import outbox_process_task

    sent: list[int] = []
    try:
        for start in range(0, len(event_ids), DISPATCH_CHUNK):
            chunk = event_ids[start : start + DISPATCH_CHUNK]
            outbox_process_task.apply_async(args=[chunk], retry=False)
            sent.extend(chunk)
    except Exception:
        _gate.trip()
        logger.warning(
            "outbox: broker unavailable, %d event(s) left for the sweeper", len(event_ids) - len(sent)
        )
    if recorded:
        delivered = set(sent)
        _unmark([event_id for event_id in event_ids if event_id not in delivered])
        return len(sent)
    if sent:
        now = timezone.now()
        try:
            OutboxEvent.all_orgs.filter(pk__in=sent).update(
                dispatched_at=now, dispatch_count=F("dispatch_count") + 1
            )
        except Exception:
            logger.warning("outbox: could not record dispatch of %s", sent)
    return len(sent)


def _unmark(event_ids: list[int]) -> None:
    if not event_ids:
        return
    try:
        OutboxEvent.all_orgs.filter(pk__in=event_ids).update(
            dispatched_at=None, dispatch_count=F("dispatch_count") - 1
        )
    except Exception:
        logger.warning("outbox: could not record the failed hand-off of %s", event_ids)


def outbox_process(event_id: int) -> bool:
    """Run the handlers of one event, once. Returns False when it was already processed."""
    event = OutboxEvent.all_orgs.select_related("organization").filter(pk=event_id).first()
    if event is None or event.processed_at is not None:
        return False
    with organization_context(event.organization):
        for handler in handlers_for(event.topic):
            handler(event)
    # Mark done only after every handler ran: a crash before this line means the event is handled
    # again, which the handlers' own unique constraints make harmless.
    return bool(
        OutboxEvent.all_orgs.filter(pk=event.pk, processed_at__isnull=True).update(
            processed_at=timezone.now()
        )
    )


def outbox_process_many(event_ids: list[int]) -> int:
    """Process several events; one failing event does not stop the others. Returns how many ran.

    A failure is recorded on its event and raised again after the rest, so the task's retry (for
    transient errors) or the sweeper hands it over again; events already processed are skipped.
    """
    processed = 0
    failure: Exception | None = None
    for event_id in event_ids:
        try:
            processed += outbox_process(event_id)
        except Exception as exc:
            failure = exc
            logger.exception("outbox: event %s failed", event_id)
            OutboxEvent.all_orgs.filter(pk=event_id).update(last_error=repr(exc)[:1000])
    if failure is not None:
        raise failure
    return processed


def outbox_sweep(*, now: datetime | None = None) -> int:
    """Hand over events whose relay was lost: never dispatched, or dispatched long ago and unprocessed."""
    now = now or timezone.now()
    stale = (
        OutboxEvent.all_orgs.filter(
            processed_at__isnull=True, created_at__lt=now - SWEEP_GRACE, dispatch_count__lt=MAX_DISPATCHES
        )
        .exclude(dispatched_at__gte=now - REDISPATCH_AFTER)
        .order_by("created_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    ids = list(stale)
    if not ids:
        return 0
    # The gate may be closed from an earlier failure in this process; a sweep always tries.
    _gate.reset()
    return dispatch(ids)
