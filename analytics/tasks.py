"""Rollup tasks: the flush of dirty days (beat every ROLLUP_FLUSH_SECONDS, and after each outbox event)
and a full rebuild of one organisation."""

from __future__ import annotations

from accounts.models import Organization
from analytics import services
from core.tasks import Queue, task


@task("analytics.rollups_flush", queue=Queue.INGEST, max_retries=0, time_limit=300)
def rollups_flush_task() -> int:
    return services.rollups_flush()


@task("analytics.rollups_rebuild", queue=Queue.REPORTS, max_retries=2, time_limit=1800)
def rollups_rebuild_task(organization_id: int) -> int:
    organization = Organization.objects.get(pk=organization_id)
    return services.rollups_rebuild(organization=organization)
