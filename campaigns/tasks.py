"""Campaign tasks: the dispatcher run by beat every few seconds (and enqueued when a campaign is
scheduled for now)."""

from __future__ import annotations

from core.tasks import Queue, task


@task("campaigns.dispatch", queue=Queue.DEFAULT, max_retries=0, time_limit=60)
def dispatch() -> dict[str, int]:
    """Start due campaigns, send throttled batches and due reminders (overlapping runs are safe)."""
    from campaigns.services import campaigns_dispatch

    result = campaigns_dispatch()
    return {"started": result.started, "sent": result.sent, "reminders": result.reminders}
