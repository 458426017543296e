"""Background work for feedback: running imports. Task arguments are ids only."""

from __future__ import annotations

from core.tasks import Queue, task

# A run imports for RUN_TIME_BUDGET (10 minutes) and hands the rest on; the limit leaves room for a
# last slow chunk.
IMPORT_TIME_LIMIT = 900


@task("feedback.import_run", queue=Queue.REPORTS, time_limit=IMPORT_TIME_LIMIT)
def import_run_task(job_id: int) -> str | None:
    from feedback.imports.services import import_job_run

    return import_job_run(job_id=job_id)
