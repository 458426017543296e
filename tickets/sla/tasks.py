"""The SLA task: ``tickets.sla_scan``, run by beat every ``SLA_SCAN_SECONDS`` (default 15)."""

from __future__ import annotations

from core.tasks import Queue, task


@task("tickets.sla_scan", queue=Queue.SLA, max_retries=0, time_limit=300)
def sla_scan_task() -> int:
    from tickets.sla.scan import sla_scan

    return sla_scan()
