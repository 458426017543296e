"""Background work of the text analytics app."""

from __future__ import annotations

from core.tasks import task


@task("textanalysis.reanalyse", time_limit=300)
def reanalyse_task(organization_id: int, after_id: int = 0, generation: int = 0) -> int | None:
    """Re-analyse an organisation's responses one batch at a time, each batch its own task: a worker
    lost mid-batch re-runs that batch (idempotent), and the chain carries on where it stopped."""
    from textanalysis.services import reanalyse_step

    last_id = reanalyse_step(organization_id=organization_id, after_id=after_id, generation=generation)
    if last_id is not None:
        reanalyse_task.delay(organization_id, last_id, generation)
    return last_id
