"""Writes for imports: storing an upload, checking it against a mapping, and running the import.

The import goes through ``feedback_ingest`` row by row, so every row is idempotent on its external id
and gets the same outbox events as feedback sent through the API. Rows are committed in chunks; each
chunk's transaction also moves the job's cursor (``processed_rows``) and counters, so the numbers on
the job page are exactly what is in the database, and a second run continues after the last chunk.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import DataError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from core.tenancy import organization_context
from feedback.imports.mapping import ImportMapping, RowConverter, mapping_problems
from feedback.imports.parsing import MAX_FILE_BYTES, SourceRow, UnreadableFile, inspect_file
from feedback.imports.selectors import import_converter, import_job_table
from feedback.models import ImportJob, ImportStatus, Response
from feedback.services import FeedbackItem, SubmissionInvalid, feedback_ingest

logger = logging.getLogger(__name__)

CHUNK_SIZE = 500
# Problems kept on the job for display; the counts are always exact and the rejected-rows file complete.
MAX_STORED_PROBLEMS = 1000
# One task run imports for about this long (a 100,000-row file fits), then hands the rest to a fresh
# task, so that no task runs into its time limit.
RUN_TIME_BUDGET = 600.0
# A running import whose worker has not reported for this long is taken over by the next run.
STALE_AFTER = timedelta(minutes=5)
RESUMABLE = (ImportStatus.VALIDATED, ImportStatus.QUEUED)


@dataclass
class ValidationReport:
    valid: int = 0
    invalid: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)

    def add(self, row: SourceRow, messages: list[str]) -> None:
        self.invalid += 1
        if len(self.problems) < MAX_STORED_PROBLEMS:
            self.problems.append({"row": row.number, "messages": messages})


def _clean_name(name: str) -> str:
    base = os.path.basename(name.replace("\\", "/")).strip()
    return "".join(char for char in base if char.isprintable())[:255] or "upload"


@transaction.atomic
def import_job_create(*, organization: Organization, created_by: User, upload: UploadedFile) -> ImportJob:
    """Check and store an uploaded file; raises ValidationError with a message for any other file."""
    size = upload.size or 0
    if size > MAX_FILE_BYTES:
        raise ValidationError(_("The file is larger than 20 MB. Split it into smaller files."))
    data = upload.read()
    try:
        summary = inspect_file(data)
    except UnreadableFile as exc:
        raise ValidationError(exc.message) from None
    path = default_storage.save(
        f"imports/{organization.pk}/{secrets.token_hex(16)}.{summary.kind}", ContentFile(data)
    )
    try:
        return ImportJob.all_orgs.create(
            organization=organization,
            created_by=created_by,
            original_name=_clean_name(upload.name or ""),
            file_path=path,
            file_size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            file_kind=summary.kind,
            delimiter=summary.delimiter,
            columns=list(summary.headers),
            total_rows=summary.row_count,
        )
    except Exception:
        default_storage.delete(path)
        raise


def validate_rows(rows: Iterable[SourceRow], converter: RowConverter) -> ValidationReport:
    """The dry run: every row converted, nothing stored."""
    report = ValidationReport()
    for row in rows:
        result = converter.convert(row)
        if isinstance(result, FeedbackItem):
            report.valid += 1
        else:
            report.add(row, result)
    return report


@transaction.atomic
def import_job_check(*, job: ImportJob, mapping: ImportMapping) -> ImportJob:
    """Save the mapping and run the validation report over every row. Raises ValidationError when the
    mapping itself is wrong, the file cannot be read, or the import has already started."""
    locked = ImportJob.all_orgs.select_for_update().get(organization_id=job.organization_id, pk=job.pk)
    if locked.status not in (ImportStatus.UPLOADED, ImportStatus.VALIDATED):
        raise ValidationError(_("This import has already started; its mapping cannot change."))
    problems = mapping_problems(mapping)
    if problems:
        raise ValidationError(problems)
    if len(mapping.targets) != len(locked.columns):
        raise ValidationError(_("Choose what every column holds."))
    locked.mapping = mapping.to_json()
    try:
        table = import_job_table(locked)
        report = validate_rows(table.rows(), import_converter(locked, table))
    except UnreadableFile as exc:
        raise ValidationError(exc.message) from None
    now = timezone.now()
    locked.valid_rows, locked.invalid_rows, locked.report = report.valid, report.invalid, report.problems
    locked.status = ImportStatus.VALIDATED
    locked.validated_at = locked.updated_at = now
    locked.save()
    return locked


def _enqueue(job_id: int, *, countdown: int | None = None) -> None:
    from feedback.tasks import import_run_task

    def send() -> None:
        try:
            import_run_task.apply_async(args=[job_id], countdown=countdown, retry=False)
        except Exception:
            # Broker down: the job stays queued and the page offers to start it again.
            logger.warning("import %s: could not enqueue", job_id)

    transaction.on_commit(send)


@transaction.atomic
def import_job_start(*, job: ImportJob) -> ImportJob:
    """Queue the import of a checked file (again, if it is queued or its worker stopped reporting)."""
    now = timezone.now()
    resumable = Q(status__in=RESUMABLE) | Q(status=ImportStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
    updated = (
        ImportJob.all_orgs.filter(resumable, organization_id=job.organization_id, pk=job.pk)
        .exclude(valid_rows__isnull=True)
        .update(status=ImportStatus.QUEUED, queued_at=now, updated_at=now)
    )
    if not updated:
        raise ValidationError(_("This import cannot be started now."))
    _enqueue(job.pk)
    return ImportJob.all_orgs.get(pk=job.pk)


def _problem_messages(exc: ValidationError) -> list[str]:
    if isinstance(exc, SubmissionInvalid):
        return [str(message) for messages in exc.errors.values() for message in messages]
    return [str(message) for message in exc.messages]


@transaction.atomic
def _import_chunk(
    job: ImportJob, chunk: list[tuple[SourceRow, FeedbackItem | list[str]]], start: int
) -> bool:
    """Import one chunk and move the cursor; False when another run has moved it (this one stops)."""
    locked = ImportJob.all_orgs.select_for_update().get(pk=job.pk)
    if locked.status != ImportStatus.RUNNING or locked.processed_rows != start:
        return False
    created = existing = 0
    problems: list[dict[str, Any]] = []
    # One query finds the rows already stored (a re-import); feedback_ingest would find each of them.
    known = set(
        Response.all_orgs.filter(
            organization_id=job.organization_id,
            external_id__in=[r.external_id for _row, r in chunk if isinstance(r, FeedbackItem)],
        ).values_list("external_id", flat=True)
    )
    for row, result in chunk:
        if not isinstance(result, FeedbackItem):
            problems.append({"row": row.number, "messages": result})
            continue
        if result.external_id in known:
            existing += 1
            continue
        try:
            outcome = feedback_ingest(organization_id=job.organization_id, item=result)
        except ValidationError as exc:
            problems.append({"row": row.number, "messages": _problem_messages(exc)})
            continue
        except DataError:
            # A value the database refuses; feedback_ingest's savepoint has undone this row only.
            problems.append({"row": row.number, "messages": [_("A value in this row cannot be stored.")]})
            continue
        created += outcome.created
        existing += not outcome.created
    room = max(0, MAX_STORED_PROBLEMS - len(locked.errors))
    now = timezone.now()
    ImportJob.all_orgs.filter(pk=job.pk).update(
        processed_rows=F("processed_rows") + len(chunk),
        created_rows=F("created_rows") + created,
        existing_rows=F("existing_rows") + existing,
        failed_rows=F("failed_rows") + len(problems),
        errors=locked.errors + problems[:room],
        heartbeat_at=now,
        updated_at=now,
    )
    return True


def _fail(job: ImportJob, reason: str) -> None:
    now = timezone.now()
    ImportJob.all_orgs.filter(pk=job.pk, status=ImportStatus.RUNNING).update(
        status=ImportStatus.FAILED, failure_reason=reason, finished_at=now, updated_at=now
    )


def import_job_run(*, job_id: int, time_budget: float = RUN_TIME_BUDGET) -> str | None:
    """Run (or continue) a queued import; returns the status it left, or None when another run has it.

    Safe to call twice or concurrently: the job is claimed with a conditional update and every chunk
    checks the cursor under a row lock, so no row is imported twice by the import itself, and a row
    imported before a crash is found again by its external id.
    """
    now = timezone.now()
    claimed = ImportJob.all_orgs.filter(
        Q(status=ImportStatus.QUEUED) | Q(status=ImportStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER),
        pk=job_id,
    ).update(status=ImportStatus.RUNNING, heartbeat_at=now, updated_at=now)
    job = ImportJob.all_orgs.select_related("organization", "created_by").get(pk=job_id)
    if not claimed:
        if job.status == ImportStatus.RUNNING:
            # Someone else runs it, or ran it and died: look again once that run would count as stale.
            _enqueue(job.pk, countdown=int(STALE_AFTER.total_seconds()) + 5)
        return None
    if job.started_at is None:
        ImportJob.all_orgs.filter(pk=job.pk, started_at__isnull=True).update(started_at=now)
    language = job.created_by.language if job.created_by else settings.LANGUAGE_CODE
    with translation.override(language), organization_context(job.organization):
        try:
            return _run_chunks(job, time_budget)
        except UnreadableFile as exc:
            _fail(job, exc.message)
            return ImportStatus.FAILED


def _run_chunks(job: ImportJob, time_budget: float) -> str | None:
    table = import_job_table(job)
    converter = import_converter(job, table)
    deadline = time.monotonic() + time_budget
    start = job.processed_rows
    position = 0
    chunk: list[tuple[SourceRow, FeedbackItem | list[str]]] = []
    for row in table.rows():
        # Every row is converted, even those imported already, so repeated external ids are caught.
        result = converter.convert(row)
        position += 1
        if position <= start:
            continue
        chunk.append((row, result))
        if len(chunk) < CHUNK_SIZE:
            continue
        if not _import_chunk(job, chunk, position - len(chunk)):
            return None
        chunk = []
        if time.monotonic() > deadline:
            return _hand_over(job, position)
    if chunk and not _import_chunk(job, chunk, position - len(chunk)):
        return None
    now = timezone.now()
    ImportJob.all_orgs.filter(pk=job.pk, status=ImportStatus.RUNNING, processed_rows=position).update(
        status=ImportStatus.DONE, finished_at=now, heartbeat_at=now, updated_at=now
    )
    return ImportStatus.DONE


@transaction.atomic
def _hand_over(job: ImportJob, position: int) -> str | None:
    """Queue the rest for a fresh task, so that no single task runs into its time limit."""
    now = timezone.now()
    moved = ImportJob.all_orgs.filter(pk=job.pk, status=ImportStatus.RUNNING, processed_rows=position).update(
        status=ImportStatus.QUEUED, updated_at=now
    )
    if not moved:
        return None
    _enqueue(job.pk)
    return ImportStatus.QUEUED
