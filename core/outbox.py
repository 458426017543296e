"""The transactional outbox: follow-up work that must not be lost.

``outbox_record`` writes an event in the caller's transaction and, once that transaction commits,
hands it to Celery. If the broker is unreachable the request still succeeds: the event waits in
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


def outbox_record(*, organization_id: int, topic: str, payload: dict[str, Any]) -> OutboxEvent:
    """Record follow-up work inside the current transaction; it is relayed after commit."""
    event = OutboxEvent.all_orgs.create(organization_id=organization_id, topic=topic, payload=payload)
    transaction.on_commit(lambda: dispatch([event.pk]))
    return event


def dispatch(event_ids: list[int]) -> int:
    """Hand events to the broker. Never raises: what cannot be sent now is left to the sweeper."""
    if not event_ids or not _gate.is_open():
        return 0
    from core.tasks import outbox_process_task

    sent: list[int] = []
    try:
        for event_id in event_ids:
            outbox_process_task.apply_async(args=[event_id], retry=False)
            sent.append(event_id)
    except Exception:
        _gate.trip()
        logger.warning(
            "outbox: broker unavailable, %d event(s) left for the sweeper", len(event_ids) - len(sent)
        )
    if sent:
        now = timezone.now()
        try:
            OutboxEvent.all_orgs.filter(pk__in=sent).update(
                dispatched_at=now, dispatch_count=F("dispatch_count") + 1
            )
        except Exception:
            logger.warning("outbox: could not record dispatch of %s", sent)
    return len(sent)


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


def outbox_sweep(*, now: datetime | None = None) -> int:
    """Hand over events whose relay was lost: never dispatched, or dispatched long ago and unprocessed."""
    now = now or timezone.now()
    stale = (
        OutboxEvent.all_orgs.filter(processed_at__isnull=True, created_at__lt=now - SWEEP_GRACE)
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
