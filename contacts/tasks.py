"""Background work for contacts: running contact imports. Task arguments are ids only."""

from __future__ import annotations

from core.tasks import Queue, task

IMPORT_TIME_LIMIT = 900


@task("contacts.import_run", queue=Queue.REPORTS, time_limit=IMPORT_TIME_LIMIT)
def import_run_task(job_id: int) -> str | None:
    from contacts.services.imports import contact_import_run

    return contact_import_run(job_id=job_id)
