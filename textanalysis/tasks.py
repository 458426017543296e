"""Background work of the text analytics app."""

from __future__ import annotations

from typing import Any

from celery.signals import worker_process_init

from core.tasks import Queue, task


@worker_process_init.connect
def warm_up_engine(**_kwargs: Any) -> None:
    """Load jieba's dictionary (about a second) when a worker process starts, not on the first Chinese
    comment, which would add that second to the alerts waiting behind its analysis."""
    from textanalysis.engine import analyse

    analyse("服务很好", "zh-hans")


@task("textanalysis.reanalyse", queue=Queue.REPORTS, time_limit=300)
def reanalyse_task(organization_id: int, after_id: int = 0, generation: int = 0) -> int | None:
    """Re-analyse an organisation's responses one batch at a time, each batch its own task: a worker
    lost mid-batch re-runs that batch (idempotent), and the chain carries on where it stopped."""
    from textanalysis.services import reanalyse_step

    last_id = reanalyse_step(organization_id=organization_id, after_id=after_id, generation=generation)
    if last_id is not None:
        reanalyse_task.delay(organization_id, last_id, generation)
    return last_id
