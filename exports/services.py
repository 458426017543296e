"""Writes for exports: asking for one, running it in the worker, and the sweep.

A job is claimed with a conditional update (queued → running) that stamps ``started_at``; that stamp is
the run's claim. Every chunk moves ``processed_rows`` and the heartbeat only while the claim holds, so a
run that the sweep has taken back (its heartbeat went quiet) stops at its next chunk and its file is
thrown away. A run starts its file from the first row: an export is cheap to redo and a half-written
XLSX cannot be continued.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Membership
from accounts.roles import Perm, role_has
from accounts.selectors import access_scope_for
from accounts.services import audit_record
from core.tasks import TRANSIENT_ERRORS
from core.tenancy import organization_context
from exports.filters import response_filters_from_json, ticket_filters_from_json
from exports.models import ExportFormat, ExportJob, ExportKind, ExportStatus
from exports.tables import ExportTable, response_table, ticket_table
from exports.writers import ExportFile

logger = logging.getLogger(__name__)

# A running export whose worker has not reported for this long is taken back by the sweep.
STALE_AFTER = timedelta(minutes=2)
# A queued export that no worker has picked up for this long is queued again (the broker lost it).
REQUEUE_AFTER = timedelta(minutes=2)
# An export that has not finished this long after it was asked for has failed for good.
GIVE_UP_AFTER = timedelta(hours=3)
# A finished file is kept for this long, then deleted.
KEEP_FOR = timedelta(days=7)
SWEEP_BATCH = 100


def _permissions_for(kind: str) -> tuple[Perm, ...]:
    return (
        (Perm.RESPONSES_EXPORT, Perm.TICKETS_VIEW) if kind == ExportKind.TICKETS else (Perm.RESPONSES_EXPORT,)
    )


def may_export(membership: Membership, kind: str) -> bool:
    return all(role_has(membership.role, perm) for perm in _permissions_for(kind))


def _enqueue(job_id: int) -> None:
    from exports.tasks import export_run_task

    def send() -> None:
        try:
            export_run_task.apply_async(args=[job_id], retry=False)
        except Exception:
            # Broker down: the job stays queued and the sweep queues it again.
            logger.warning("export %s: could not enqueue", job_id)

    transaction.on_commit(send)


@transaction.atomic
def export_job_create(
    *, membership: Membership, kind: str, file_format: str, filters: dict[str, Any]
) -> ExportJob:
    """Ask for an export of what the member may see with these filters; the worker writes it."""
    if kind not in ExportKind.values:
        raise ValidationError(_("Choose responses or tickets."))
    if file_format not in ExportFormat.values:
        raise ValidationError(_("Choose CSV or Excel (XLSX)."))
    if not may_export(membership, kind):
        raise ValidationError(_("You may not export these."))
    job = ExportJob.all_orgs.create(
        organization_id=membership.organization_id,
        created_by_id=membership.user_id,
        membership=membership,
        kind=kind,
        file_format=file_format,
        filters=filters,
    )
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="export.created",
        target=job,
        after={"kind": kind, "format": file_format, "filters": filters},
    )
    _enqueue(job.pk)
    return job


def _table(job: ExportJob, membership: Membership, language: str) -> ExportTable:
    organization = job.organization
    if job.kind == ExportKind.TICKETS:
        return ticket_table(
            organization=organization,
            membership=membership,
            filters=ticket_filters_from_json(job.filters if isinstance(job.filters, dict) else {}),
        )
    return response_table(
        organization=organization,
        # Read now, not when the export was asked for: it never holds more than its creator may see.
        scope=access_scope_for(membership=membership),
        filters=response_filters_from_json(job.filters if isinstance(job.filters, dict) else {}),
        language=language,
    )


def _claimed(job: ExportJob, claim: datetime) -> Any:
    return ExportJob.all_orgs.filter(pk=job.pk, status=ExportStatus.RUNNING, started_at=claim)


def _fail(job: ExportJob, claim: datetime, reason: str) -> str:
    now = timezone.now()
    _claimed(job, claim).update(status=ExportStatus.FAILED, failure_reason=reason, finished_at=now)
    return ExportStatus.FAILED


def export_job_run(*, job_id: int) -> str | None:
    """Write a queued export; returns the status it left, or None when another run has it.

    Safe to call twice or concurrently: only the run that moved the job from queued to running writes
    it, and it gives up at the next chunk once the sweep has taken the job back.
    """
    claim = timezone.now()
    claimed = ExportJob.all_orgs.filter(pk=job_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, started_at=claim, heartbeat_at=claim, processed_rows=0, total_rows=None
    )
    if not claimed:
        return None
    job = ExportJob.all_orgs.select_related("organization", "created_by", "membership").get(pk=job_id)
    membership = job.membership
    if membership is None or job.created_by is None:
        return _fail(job, claim, _("The member who asked for this export has left the organisation."))
    if not may_export(membership, job.kind):
        return _fail(job, claim, _("The member who asked for this export may no longer export these."))
    language = job.created_by.language or settings.LANGUAGE_CODE
    with translation.override(language), organization_context(job.organization):
        try:
            return _write(job, membership, claim, language)
        except TRANSIENT_ERRORS:
            # Back in the queue for the task's retry (or the sweep); the next run starts over.
            _claimed(job, claim).update(status=ExportStatus.QUEUED, started_at=None)
            raise
        except Exception:
            logger.exception("export %s failed", job.pk)
            return _fail(job, claim, _("The export could not be written. Try again, or ask for fewer rows."))


def _write(job: ExportJob, membership: Membership, claim: datetime, language: str) -> str | None:
    table = _table(job, membership, language)
    if not _claimed(job, claim).update(total_rows=table.total, heartbeat_at=timezone.now()):
        return None
    title = _("Tickets") if job.kind == ExportKind.TICKETS else _("Responses")
    with ExportFile(job.file_format, sheet_title=title) as out:
        out.write(table.headers)
        processed = 0
        for chunk in table.chunks():
            out.write_many(chunk)
            processed += len(chunk)
            if not _claimed(job, claim).update(processed_rows=processed, heartbeat_at=timezone.now()):
                return None
        # Zipping a large XLSX takes a while: report first, so the sweep does not take the job back.
        if not _claimed(job, claim).update(heartbeat_at=timezone.now()):
            return None
        stored = out.save()
    now = timezone.now()
    finished = _claimed(job, claim).update(
        status=ExportStatus.DONE,
        file_path=stored.path,
        file_size=stored.size,
        processed_rows=processed,
        # The count was read before the rows; the file is what was written.
        total_rows=processed,
        heartbeat_at=now,
        finished_at=now,
        expires_at=now + KEEP_FOR,
    )
    if not finished:
        default_storage.delete(stored.path)
        return None
    return ExportStatus.DONE


def export_jobs_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Queue again the exports whose worker died or whose task was lost, give up on those that never
    finish, and delete the files of expired ones. Returns how many of each."""
    now = now or timezone.now()
    with transaction.atomic():
        given_up = ExportJob.all_orgs.filter(
            status__in=(ExportStatus.QUEUED, ExportStatus.RUNNING), created_at__lt=now - GIVE_UP_AFTER
        ).update(
            status=ExportStatus.FAILED,
            failure_reason=_("The export did not finish. Ask for it again."),
            finished_at=now,
        )
        stuck = list(
            ExportJob.all_orgs.select_for_update(skip_locked=True)
            .filter(
                Q(status=ExportStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
                | (
                    Q(status=ExportStatus.QUEUED, created_at__lt=now - REQUEUE_AFTER)
                    & (Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - REQUEUE_AFTER))
                )
            )
            .order_by("created_at")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        if stuck:
            # The heartbeat marks when it was queued again, so a queued job is re-sent only every
            # REQUEUE_AFTER, not on every sweep.
            ExportJob.all_orgs.filter(pk__in=stuck).update(
                status=ExportStatus.QUEUED, started_at=None, heartbeat_at=now, processed_rows=0
            )
            for job_id in stuck:
                _enqueue(job_id)
    expired = 0
    for job in ExportJob.all_orgs.filter(status=ExportStatus.DONE, expires_at__lt=now).order_by("expires_at")[
        :SWEEP_BATCH
    ]:
        expired += export_job_expire(job=job)
    return {"requeued": len(stuck), "failed": given_up, "expired": expired}


def export_job_expire(*, job: ExportJob) -> int:
    """Delete a finished export's file; 1 when this call expired it, 0 when another did."""
    updated = ExportJob.all_orgs.filter(pk=job.pk, status=ExportStatus.DONE).update(
        status=ExportStatus.EXPIRED, file_path="", file_size=None
    )
    if updated and job.file_path:
        default_storage.delete(job.file_path)
    return updated
