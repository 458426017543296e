"""Ticket tasks: send a reply, email a notification, and the sweep that re-sends lost emails."""

from __future__ import annotations

import logging

from core.tasks import Queue, task
from tickets.services.messages import replies_due, reply_send
from tickets.services.notifications import notification_email_send, notification_emails_due
from tickets.sla import tasks as _sla  # noqa: F401 -- so that Celery finds the SLA scan

logger = logging.getLogger(__name__)


# The SMTP timeout is 10 s; the hard limit ends a hung send long before the sweep's five-minute
# "stuck in sending" threshold, so a reply is never taken back while still in flight.
@task("tickets.send_reply", queue=Queue.SLA, time_limit=60)
def send_reply_task(message_id: int) -> str | None:
    message = reply_send(message_id=message_id)
    return message.email_status if message is not None else None


@task("tickets.notification_email", queue=Queue.SLA, time_limit=60)
def notification_email_task(notification_id: int) -> bool:
    return notification_email_send(notification_id=notification_id)


@task("tickets.email_sweep", queue=Queue.SLA, max_retries=0)
def email_sweep_task() -> int:
    """Queue replies and notification emails that are due again; never raises for one bad row."""
    queued = 0
    for message_id in replies_due():
        try:
            send_reply_task.apply_async(args=[message_id], retry=False)
        except Exception:
            logger.warning("tickets: sweep could not queue reply %s", message_id)
            return queued
        queued += 1
    for notification_id in notification_emails_due():
        try:
            notification_email_task.apply_async(args=[notification_id], retry=False)
        except Exception:
            logger.warning("tickets: sweep could not queue notification %s", notification_id)
            return queued
        queued += 1
    return queued
