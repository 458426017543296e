"""Alert tasks: deliver one delivery (by id), the periodic sweep, and the digests. Ids only."""

from __future__ import annotations

from core.tasks import Queue, task


# Sending (SMTP 10 s timeout per connection, HTTP 10 s) stays far below this hard limit, and the limit
# far below the sweep's two-minute "stuck in sending" threshold: a delivery is never taken back in flight.
@task("alerts.deliver", queue=Queue.ALERTS, time_limit=60)
def deliver_task(delivery_id: int) -> str | None:
    from feedback.alerts.services import alert_delivery_attempt

    delivery = alert_delivery_attempt(delivery_id=delivery_id)
    return delivery.status if delivery is not None else None


@task("alerts.sweep", queue=Queue.ALERTS, max_retries=0)
def sweep_task() -> int:
    from feedback.alerts.services import alert_deliveries_sweep

    return len(alert_deliveries_sweep())


@task("alerts.digests", queue=Queue.ALERTS, max_retries=0, time_limit=600)
def digests_task() -> int:
    from feedback.alerts.services import alert_digests_send

    return alert_digests_send()
