"""Webhook tasks: deliver one delivery (by id), and the periodic sweep that queues due ones."""

from __future__ import annotations

from core.tasks import Queue, task
from webhooks.services import webhook_deliveries_sweep, webhook_delivery_attempt


# The request's own timeout is 10 s; the hard limit kills a hung task long before the sweeper's
# five-minute "stuck in sending" threshold, so a delivery is never taken back while still in flight.
@task("webhooks.deliver", queue=Queue.INGEST, time_limit=60)
def deliver_task(delivery_id: int) -> str | None:
    delivery = webhook_delivery_attempt(delivery_id=delivery_id)
    return delivery.status if delivery is not None else None


@task("webhooks.sweep", queue=Queue.INGEST, max_retries=0)
def sweep_task() -> int:
    return len(webhook_deliveries_sweep())
