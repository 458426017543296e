"""Board tasks: the weekly digest (beat hourly)."""

from __future__ import annotations

from core.tasks import Queue, task
from dashboards.board.digest import weekly_digests


@task("dashboards.weekly_digests", queue=Queue.REPORTS, max_retries=0, time_limit=900)
def weekly_digests_task() -> int:
    return weekly_digests()
