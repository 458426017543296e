"""Account-wide periodic work: the retention sweep (beat, hourly; idempotent and cheap when nothing is
due)."""

from __future__ import annotations

from core.tasks import Queue, task


@task("accounts.retention_sweep", queue=Queue.DEFAULT, max_retries=2, time_limit=1800)
def retention_sweep_task() -> int:
    """Delete what is past each organisation's retention period. Returns the rows deleted. Each batch
    commits on its own, so a run stopped by its time limit is continued by the next one."""
    from core.retention import retention_sweep

    return sum(report.total for report in retention_sweep())
