"""The machinery of a file import, shared by feedback imports and contact imports.

An app describes its import with a ``FileImport``: the model (a ``FileImportJob``), the task that runs
it, how a job's rows are read and converted, and how a chunk of valid rows is written. This module
stores the upload, builds the validation report and runs the import: the job is claimed with a
conditional update, rows are written in chunks whose transaction also moves the cursor
(``processed_rows``) and the counters, and a second run continues after the last committed chunk.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from core.tenancy import organization_context
from feedback.imports.parsing import (
    MAX_FILE_BYTES,
    FileKind,
    SourceRow,
    Table,
    UnreadableFile,
    inspect_file,
    open_table,
)
from feedback.models import FileImportJob, ImportStatus

logger = logging.getLogger(__name__)

CHUNK_SIZE = 500
# Problems kept on the job for display; the counts are always exact.
MAX_STORED_PROBLEMS = 1000
# One task run imports for about this long (a 100,000-row file fits), then hands the rest to a fresh
# task, so that no task runs into its time limit.
RUN_TIME_BUDGET = 600.0
# A running import whose worker has not reported for this long is taken over by the next run.
STALE_AFTER = timedelta(minutes=5)
RESUMABLE = (ImportStatus.VALIDATED, ImportStatus.QUEUED)

J = TypeVar("J", bound=FileImportJob)
R = TypeVar("R")


@dataclass
class ValidationReport:
    valid: int = 0
    invalid: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)

    def add(self, row: SourceRow, messages: list[str]) -> None:
        self.invalid += 1
        if len(self.problems) < MAX_STORED_PROBLEMS:
            self.problems.append({"row": row.number, "messages": messages})


@dataclass(frozen=True)
class ChunkOutcome:
    """What a chunk importer wrote: increments of the job's own counters, by field name (for example
    ``{"created_rows": 3, "existing_rows": 1}``), and the rows it could not store."""

    counts: dict[str, int]
    problems: list[dict[str, Any]] = field(default_factory=list)


def stored_table(job: FileImportJob) -> Table:
    """The job's stored file, opened; UnreadableFile when it is gone or no longer readable."""
    try:
        with default_storage.open(job.file_path, "rb") as handle:
            data = handle.read()
    except (OSError, ValueError):
        raise UnreadableFile(_("The uploaded file is no longer available. Upload it again.")) from None
    return open_table(data, FileKind(job.file_kind), job.delimiter)


def _clean_name(name: str) -> str:
    base = os.path.basename(name.replace("\\", "/")).strip()
    return "".join(char for char in base if char.isprintable())[:255] or "upload"


@dataclass(frozen=True)
class FileImport(Generic[J, R]):
    """One kind of file import.

    ``rows`` yields every row of a job's file with its conversion (an ``R``, or the list of what is
    wrong with the row); it converts every row, even those imported already, so that a converter that
    remembers earlier rows (repeated ids) sees them all. ``import_rows`` writes the valid rows of one
    chunk inside the chunk's transaction, given the locked job.
    """

    model: type[J]
    # The Celery task that runs a job, by dotted path: tasks import the services that use this module.
    task: str
    upload_folder: str
    rows: Callable[[J], Iterable[tuple[SourceRow, R | list[str]]]]
    import_rows: Callable[[J, list[tuple[SourceRow, R]]], ChunkOutcome]
    # Refuse to start a job whose report found no valid row.
    needs_valid_rows: bool = False

    @transaction.atomic
    def create(self, *, organization: Organization, created_by: User, upload: UploadedFile) -> J:
        """Check and store an uploaded file; raises ValidationError with a message for any other file."""
        if (upload.size or 0) > MAX_FILE_BYTES:
            raise ValidationError(_("The file is larger than 20 MB. Split it into smaller files."))
        data = upload.read()
        try:
            summary = inspect_file(data)
        except UnreadableFile as exc:
            raise ValidationError(exc.message) from None
        path = default_storage.save(
            f"{self.upload_folder}/{organization.pk}/{secrets.token_hex(16)}.{summary.kind}",
            ContentFile(data),
        )
        try:
            return self.model.all_orgs.create(
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

    @transaction.atomic
    def check(self, job: J, configure: Callable[[J], None]) -> J:
        """Let ``configure`` check and set the mapping on the locked job (raising ValidationError), then
        run the validation report over every row. ValidationError as well when the file cannot be read
        or the import has already started."""
        locked = self.model.all_orgs.select_for_update().get(organization_id=job.organization_id, pk=job.pk)
        if locked.status not in (ImportStatus.UPLOADED, ImportStatus.VALIDATED):
            raise ValidationError(_("This import has already started; its mapping cannot change."))
        configure(locked)
        report = ValidationReport()
        try:
            for row, result in self.rows(locked):
                if isinstance(result, list):
                    report.add(row, result)
                else:
                    report.valid += 1
        except UnreadableFile as exc:
            raise ValidationError(exc.message) from None
        now = timezone.now()
        locked.valid_rows, locked.invalid_rows, locked.report = report.valid, report.invalid, report.problems
        locked.status = ImportStatus.VALIDATED
        locked.validated_at = locked.updated_at = now
        locked.save()
        return locked

    def _enqueue(self, job_id: int, *, countdown: int | None = None) -> None:
        def send() -> None:
            try:
                import_string(self.task).apply_async(args=[job_id], countdown=countdown, retry=False)
            except Exception:
                # Broker down: the job stays queued and the page offers to start it again.
                logger.warning("%s %s: could not enqueue", self.model._meta.model_name, job_id)

        transaction.on_commit(send)

    @transaction.atomic
    def start(self, job: J) -> J:
        """Queue the import of a checked file (again, if it is queued or its worker stopped reporting)."""
        now = timezone.now()
        resumable = Q(status__in=RESUMABLE) | Q(
            status=ImportStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER
        )
        startable = self.model.all_orgs.filter(
            resumable, organization_id=job.organization_id, pk=job.pk
        ).exclude(valid_rows__isnull=True)
        if self.needs_valid_rows:
            startable = startable.exclude(valid_rows=0)
        if not startable.update(status=ImportStatus.QUEUED, queued_at=now, updated_at=now):
            raise ValidationError(_("This import cannot be started now."))
        self._enqueue(job.pk)
        return self.model.all_orgs.get(pk=job.pk)

    def run(self, job_id: int, time_budget: float = RUN_TIME_BUDGET) -> str | None:
        """Run (or continue) a queued import; returns the status it left, or None when another run has it.

        Safe to call twice or concurrently: the job is claimed with a conditional update and every
        chunk checks the cursor under a row lock, so no row is imported twice by the import itself.
        """
        now = timezone.now()
        claimed = self.model.all_orgs.filter(
            Q(status=ImportStatus.QUEUED)
            | Q(status=ImportStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER),
            pk=job_id,
        ).update(status=ImportStatus.RUNNING, heartbeat_at=now, updated_at=now)
        job = self.model.all_orgs.select_related("organization", "created_by").get(pk=job_id)
        if not claimed:
            if job.status == ImportStatus.RUNNING:
                # Someone else runs it, or ran it and died: look again once that run would count as stale.
                self._enqueue(job.pk, countdown=int(STALE_AFTER.total_seconds()) + 5)
            return None
        if job.started_at is None:
            self.model.all_orgs.filter(pk=job.pk, started_at__isnull=True).update(started_at=now)
        language = job.created_by.language if job.created_by else settings.LANGUAGE_CODE
        with translation.override(language), organization_context(job.organization):
            try:
                return self._run_chunks(job, time_budget)
            except UnreadableFile as exc:
                self._fail(job, exc.message)
                return ImportStatus.FAILED

    def _run_chunks(self, job: J, time_budget: float) -> str | None:
        deadline = time.monotonic() + time_budget
        start = job.processed_rows
        position = 0
        chunk: list[tuple[SourceRow, R | list[str]]] = []
        for item in self.rows(job):
            position += 1
            if position <= start:
                continue
            chunk.append(item)
            if len(chunk) < CHUNK_SIZE:
                continue
            if not self._import_chunk(job, chunk, position - len(chunk)):
                return None
            chunk = []
            if time.monotonic() > deadline:
                return self._hand_over(job, position)
        if chunk and not self._import_chunk(job, chunk, position - len(chunk)):
            return None
        now = timezone.now()
        self.model.all_orgs.filter(pk=job.pk, status=ImportStatus.RUNNING, processed_rows=position).update(
            status=ImportStatus.DONE, finished_at=now, heartbeat_at=now, updated_at=now
        )
        return ImportStatus.DONE

    @transaction.atomic
    def _import_chunk(self, job: J, chunk: list[tuple[SourceRow, R | list[str]]], start: int) -> bool:
        """Import one chunk and move the cursor; False when another run has moved it (this one stops)."""
        locked = self.model.all_orgs.select_for_update().get(pk=job.pk)
        if locked.status != ImportStatus.RUNNING or locked.processed_rows != start:
            return False
        rejected = [
            {"row": row.number, "messages": result} for row, result in chunk if isinstance(result, list)
        ]
        valid = [(row, result) for row, result in chunk if not isinstance(result, list)]
        outcome = self.import_rows(locked, valid)
        # In the file's order, as the rows were read.
        problems = sorted(rejected + outcome.problems, key=lambda problem: problem["row"])
        room = max(0, MAX_STORED_PROBLEMS - len(locked.errors))
        now = timezone.now()
        self.model.all_orgs.filter(pk=job.pk).update(
            processed_rows=F("processed_rows") + len(chunk),
            failed_rows=F("failed_rows") + len(problems),
            errors=locked.errors + problems[:room],
            heartbeat_at=now,
            updated_at=now,
            **{name: F(name) + count for name, count in outcome.counts.items()},
        )
        return True

    def _fail(self, job: J, reason: str) -> None:
        now = timezone.now()
        self.model.all_orgs.filter(pk=job.pk, status=ImportStatus.RUNNING).update(
            status=ImportStatus.FAILED, failure_reason=reason, finished_at=now, updated_at=now
        )

    @transaction.atomic
    def _hand_over(self, job: J, position: int) -> str | None:
        """Queue the rest for a fresh task, so that no single task runs into its time limit."""
        now = timezone.now()
        moved = self.model.all_orgs.filter(
            pk=job.pk, status=ImportStatus.RUNNING, processed_rows=position
        ).update(status=ImportStatus.QUEUED, updated_at=now)
        if not moved:
            return None
        self._enqueue(job.pk)
        return ImportStatus.QUEUED
