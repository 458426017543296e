"""Writes for imports: storing an upload, checking it against a mapping, and running the import.

The import goes through ``feedback_ingest`` row by row, so every row is idempotent on its external id
and gets the same outbox events as feedback sent through the API. Rows are committed in chunks by
``feedback.imports.jobs``; each chunk's transaction also moves the job's cursor (``processed_rows``) and
counters, so the numbers on the job page are exactly what is in the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import DataError
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from feedback.imports.jobs import RUN_TIME_BUDGET, ChunkOutcome, FileImport
from feedback.imports.mapping import ImportMapping, mapping_problems
from feedback.imports.parsing import SourceRow
from feedback.imports.selectors import import_converter, import_job_table
from feedback.models import ImportJob, Response
from feedback.services import FeedbackItem, SubmissionInvalid, feedback_ingest


def _converted_rows(job: ImportJob) -> Iterator[tuple[SourceRow, FeedbackItem | list[str]]]:
    table = import_job_table(job)
    converter = import_converter(job, table)
    for row in table.rows():
        yield row, converter.convert(row)


def _problem_messages(exc: ValidationError) -> list[str]:
    if isinstance(exc, SubmissionInvalid):
        return [str(message) for messages in exc.errors.values() for message in messages]
    return [str(message) for message in exc.messages]


def _ingest_rows(job: ImportJob, rows: list[tuple[SourceRow, FeedbackItem]]) -> ChunkOutcome:
    created = existing = 0
    problems: list[dict[str, Any]] = []
    # One query finds the rows already stored (a re-import); feedback_ingest would find each of them.
    known = set(
        Response.all_orgs.filter(
            organization_id=job.organization_id, external_id__in=[item.external_id for _row, item in rows]
        ).values_list("external_id", flat=True)
    )
    for row, item in rows:
        if item.external_id in known:
            existing += 1
            continue
        try:
            outcome = feedback_ingest(organization_id=job.organization_id, item=item)
        except ValidationError as exc:
            problems.append({"row": row.number, "messages": _problem_messages(exc)})
            continue
        except DataError:
            # A value the database refuses; feedback_ingest's savepoint has undone this row only.
            problems.append({"row": row.number, "messages": [_("A value in this row cannot be stored.")]})
            continue
        created += outcome.created
        existing += not outcome.created
    return ChunkOutcome(counts={"created_rows": created, "existing_rows": existing}, problems=problems)


FEEDBACK_IMPORT = FileImport[ImportJob, FeedbackItem](
    model=ImportJob,
    task="feedback.tasks.import_run_task",
    upload_folder="imports",
    rows=_converted_rows,
    import_rows=_ingest_rows,
)


def import_job_create(*, organization: Organization, created_by: User, upload: UploadedFile) -> ImportJob:
    """Check and store an uploaded file; raises ValidationError with a message for any other file."""
    return FEEDBACK_IMPORT.create(organization=organization, created_by=created_by, upload=upload)


def import_job_check(*, job: ImportJob, mapping: ImportMapping) -> ImportJob:
    """Save the mapping and run the validation report over every row. Raises ValidationError when the
    mapping itself is wrong, the file cannot be read, or the import has already started."""

    def configure(locked: ImportJob) -> None:
        problems = mapping_problems(mapping)
        if problems:
            raise ValidationError(problems)
        if len(mapping.targets) != len(locked.columns):
            raise ValidationError(_("Choose what every column holds."))
        locked.mapping = mapping.to_json()

    return FEEDBACK_IMPORT.check(job, configure)


def import_job_start(*, job: ImportJob) -> ImportJob:
    """Queue the import of a checked file (again, if it is queued or its worker stopped reporting)."""
    return FEEDBACK_IMPORT.start(job)


def import_job_run(*, job_id: int, time_budget: float = RUN_TIME_BUDGET) -> str | None:
    """Run (or continue) a queued import; returns the status it left, or None when another run has it.

    A row imported before a crash is found again by its external id, so it is not stored twice.
    """
    return FEEDBACK_IMPORT.run(job_id, time_budget)
