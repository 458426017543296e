"""Background work for exports: writing one (by id) and the periodic sweep. Task arguments are ids."""

from __future__ import annotations

from core.tasks import Queue, task

# An export of a million responses takes minutes; the limit stops a run that hangs, and the sweep's
# heartbeat check takes the job back long before it.
EXPORT_TIME_LIMIT = 3600


@task("exports.run", queue=Queue.REPORTS, time_limit=EXPORT_TIME_LIMIT, max_retries=3)
def export_run_task(job_id: int) -> str | None:
    from exports.services import export_job_run

    return export_job_run(job_id=job_id)


@task("exports.sweep", queue=Queue.REPORTS, max_retries=0)
def export_sweep_task() -> dict[str, int]:
    from exports.services import export_jobs_sweep

    return export_jobs_sweep()
