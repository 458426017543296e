"""Writes for contact imports: storing an upload, checking it against a mapping, and running it.

Follows ``feedback.imports.services``: the job is claimed with a conditional update, rows are written
in chunks whose transaction also moves the cursor (``processed_rows``), and a second run continues
after the last committed chunk. Contacts are matched by external id, email and phone, so importing
the same file twice creates no duplicates (the second run updates the contacts it finds).
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import time
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import DataError, IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from contacts.imports import Column, ContactRow, RowChecker, mapping_problems
from contacts.models import ContactImport, ContactList, ContactListMember
from feedback.imports.parsing import (
    MAX_FILE_BYTES,
    FileKind,
    SourceRow,
    Table,
    UnreadableFile,
    inspect_file,
    open_table,
)
from feedback.models import Consent, Contact, ImportStatus
from feedback.services.contacts import ATTRIBUTES_LIMIT

logger = logging.getLogger(__name__)

CHUNK_SIZE = 500
MAX_STORED_PROBLEMS = 1000
RUN_TIME_BUDGET = 600.0
STALE_AFTER = timedelta(minutes=5)
RESUMABLE = (ImportStatus.VALIDATED, ImportStatus.QUEUED)


def _clean_name(name: str) -> str:
    base = os.path.basename(name.replace("\\", "/")).strip()
    return "".join(char for char in base if char.isprintable())[:255] or "upload"


def contact_import_table(job: ContactImport) -> Table:
    """The job's stored file, opened; UnreadableFile when it is gone or no longer readable."""
    try:
        with default_storage.open(job.file_path, "rb") as handle:
            data = handle.read()
    except (OSError, ValueError):
        raise UnreadableFile(_("The uploaded file is no longer available. Upload it again.")) from None
    return open_table(data, FileKind(job.file_kind), job.delimiter)


def job_columns(job: ContactImport) -> list[Column]:
    targets = job.mapping.get("columns", []) if isinstance(job.mapping, dict) else []
    return [Column(t) for t in targets]


@transaction.atomic
def contact_import_create(
    *, organization: Organization, created_by: User, upload: UploadedFile
) -> ContactImport:
    """Check and store an uploaded file; ValidationError with a message for any other file."""
    if (upload.size or 0) > MAX_FILE_BYTES:
        raise ValidationError(_("The file is larger than 20 MB. Split it into smaller files."))
    data = upload.read()
    try:
        summary = inspect_file(data)
    except UnreadableFile as exc:
        raise ValidationError(exc.message) from None
    path = default_storage.save(
        f"contact-imports/{organization.pk}/{secrets.token_hex(16)}.{summary.kind}", ContentFile(data)
    )
    try:
        return ContactImport.all_orgs.create(
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
            status=ImportStatus.UPLOADED,
        )
    except Exception:
        default_storage.delete(path)
        raise


@transaction.atomic
def contact_import_check(
    *, job: ContactImport, columns: Sequence[Column], contact_list_id: int | None
) -> ContactImport:
    """Save the mapping (and the list to add contacts to) and dry-run every row into the report."""
    locked = ContactImport.all_orgs.select_for_update().get(organization_id=job.organization_id, pk=job.pk)
    if locked.status not in (ImportStatus.UPLOADED, ImportStatus.VALIDATED):
        raise ValidationError(_("This import has already started; its mapping cannot change."))
    if len(columns) != len(locked.columns):
        raise ValidationError(_("Choose what every column holds."))
    problems = mapping_problems(columns)
    if problems:
        raise ValidationError(problems)
    if (
        contact_list_id is not None
        and not ContactList.all_orgs.filter(
            organization_id=locked.organization_id, pk=contact_list_id
        ).exists()
    ):
        raise ValidationError(_("Choose a contact list of this organisation."))
    locked.mapping = {"columns": [str(c) for c in columns]}
    locked.contact_list_id = contact_list_id
    try:
        table = contact_import_table(locked)
        checker = RowChecker(headers=table.headers, columns=columns)
        valid = invalid = 0
        report: list[dict[str, Any]] = []
        for row in table.rows():
            result = checker.check(row)
            if isinstance(result, ContactRow):
                valid += 1
                continue
            invalid += 1
            if len(report) < MAX_STORED_PROBLEMS:
                report.append({"row": row.number, "messages": result})
    except UnreadableFile as exc:
        raise ValidationError(exc.message) from None
    now = timezone.now()
    locked.valid_rows, locked.invalid_rows, locked.report = valid, invalid, report
    locked.status = ImportStatus.VALIDATED
    locked.validated_at = locked.updated_at = now
    locked.save()
    return locked


def _enqueue(job_id: int, *, countdown: int | None = None) -> None:
    from contacts.tasks import import_run_task

    def send() -> None:
        try:
            import_run_task.apply_async(args=[job_id], countdown=countdown, retry=False)
        except Exception:
            # Broker down: the job stays queued and the page offers to start it again.
            logger.warning("contact import %s: could not enqueue", job_id)

    transaction.on_commit(send)


@transaction.atomic
def contact_import_start(*, job: ContactImport) -> ContactImport:
    """Queue the import of a checked file (again, if it is queued or its worker stopped reporting)."""
    now = timezone.now()
    resumable = Q(status__in=RESUMABLE) | Q(status=ImportStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
    updated = (
        ContactImport.all_orgs.filter(resumable, organization_id=job.organization_id, pk=job.pk)
        .exclude(valid_rows__isnull=True)
        .exclude(valid_rows=0)
        .update(status=ImportStatus.QUEUED, queued_at=now, updated_at=now)
    )
    if not updated:
        raise ValidationError(_("This import cannot be started now."))
    _enqueue(job.pk)
    return ContactImport.all_orgs.get(pk=job.pk)


def _find(organization_id: int, row: ContactRow) -> Contact | None:
    scoped = Contact.all_orgs.filter(organization_id=organization_id)
    if row.external_id:
        found = scoped.filter(external_id=row.external_id).first()
        if found is not None:
            return found
    if row.email:
        found = scoped.alias(e=Lower("email")).filter(e=row.email).exclude(email="").first()
        if found is not None:
            return found
    if row.phone:
        return scoped.filter(phone=row.phone).first()
    return None


def contact_upsert(*, organization_id: int, row: ContactRow) -> tuple[Contact, bool]:
    """Create the contact of an import row, or update the one its identifiers find. Identifiers are
    only filled in (never replaced); name, language, consent and attributes take the file's values."""
    contact = _find(organization_id, row)
    now = timezone.now()
    if contact is None:
        contact = Contact(
            organization_id=organization_id,
            email=row.email,
            phone=row.phone,
            external_id=row.external_id,
            name=row.name,
            language=row.language,
            attributes=dict(list(row.attributes.items())[:ATTRIBUTES_LIMIT]),
            consent=row.consent or Consent.UNKNOWN,
            consent_updated_at=now if row.consent else None,
        )
        with transaction.atomic():
            contact.save()
        return contact, True
    for name in ("email", "phone", "external_id"):
        if getattr(row, name) and not getattr(contact, name):
            setattr(contact, name, getattr(row, name))
    contact.name = row.name or contact.name
    contact.language = row.language or contact.language
    # A file never re-grants consent the person withdrew (by unsubscribing, for example).
    regrants = contact.consent == Consent.WITHDRAWN and row.consent == Consent.GRANTED
    if row.consent and row.consent != contact.consent and not regrants:
        contact.consent, contact.consent_updated_at = row.consent, now
    merged = {**contact.attributes, **row.attributes}
    contact.attributes = dict(list(merged.items())[:ATTRIBUTES_LIMIT])
    with transaction.atomic():
        contact.save()
    return contact, False


@transaction.atomic
def _import_chunk(
    job: ContactImport, chunk: list[tuple[SourceRow, ContactRow | list[str]]], start: int
) -> bool:
    """Import one chunk and move the cursor; False when another run has moved it (this one stops)."""
    locked = ContactImport.all_orgs.select_for_update().get(pk=job.pk)
    if locked.status != ImportStatus.RUNNING or locked.processed_rows != start:
        return False
    created = updated = 0
    problems: list[dict[str, Any]] = []
    contact_ids: list[int] = []
    for row, result in chunk:
        if not isinstance(result, ContactRow):
            problems.append({"row": row.number, "messages": result})
            continue
        try:
            contact, is_new = contact_upsert(organization_id=job.organization_id, row=result)
        except IntegrityError:
            problems.append(
                {"row": row.number, "messages": [_("Another contact already has one of these identifiers.")]}
            )
            continue
        except DataError:
            problems.append({"row": row.number, "messages": [_("A value in this row cannot be stored.")]})
            continue
        created += is_new
        updated += not is_new
        contact_ids.append(contact.pk)
    if locked.contact_list_id is not None and contact_ids:
        ContactListMember.all_orgs.bulk_create(
            [
                ContactListMember(
                    organization_id=job.organization_id, contact_list_id=locked.contact_list_id, contact_id=pk
                )
                for pk in contact_ids
            ],
            ignore_conflicts=True,
        )
    room = max(0, MAX_STORED_PROBLEMS - len(locked.errors))
    now = timezone.now()
    ContactImport.all_orgs.filter(pk=job.pk).update(
        processed_rows=F("processed_rows") + len(chunk),
        created_rows=F("created_rows") + created,
        updated_rows=F("updated_rows") + updated,
        failed_rows=F("failed_rows") + len(problems),
        errors=locked.errors + problems[:room],
        heartbeat_at=now,
        updated_at=now,
    )
    return True


def _fail(job: ContactImport, reason: str) -> None:
    now = timezone.now()
    ContactImport.all_orgs.filter(pk=job.pk, status=ImportStatus.RUNNING).update(
        status=ImportStatus.FAILED, failure_reason=reason, finished_at=now, updated_at=now
    )


def contact_import_run(*, job_id: int, time_budget: float = RUN_TIME_BUDGET) -> str | None:
    """Run (or continue) a queued import; the status it left, or None when another run has it."""
    now = timezone.now()
    claimed = ContactImport.all_orgs.filter(
        Q(status=ImportStatus.QUEUED) | Q(status=ImportStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER),
        pk=job_id,
    ).update(status=ImportStatus.RUNNING, heartbeat_at=now, updated_at=now)
    job = ContactImport.all_orgs.select_related("created_by").get(pk=job_id)
    if not claimed:
        if job.status == ImportStatus.RUNNING:
            _enqueue(job.pk, countdown=int(STALE_AFTER.total_seconds()) + 5)
        return None
    if job.started_at is None:
        ContactImport.all_orgs.filter(pk=job.pk, started_at__isnull=True).update(started_at=now)
    language = job.created_by.language if job.created_by else settings.LANGUAGE_CODE
    with translation.override(language):
        try:
            return _run_chunks(job, time_budget)
        except UnreadableFile as exc:
            _fail(job, exc.message)
            return ImportStatus.FAILED


def _rows(job: ContactImport) -> Iterable[tuple[SourceRow, ContactRow | list[str]]]:
    table = contact_import_table(job)
    checker = RowChecker(headers=table.headers, columns=job_columns(job))
    for row in table.rows():
        # Every row is checked, even those imported already, so duplicates in the file are caught.
        yield row, checker.check(row)


def _run_chunks(job: ContactImport, time_budget: float) -> str | None:
    deadline = time.monotonic() + time_budget
    start = job.processed_rows
    position = 0
    chunk: list[tuple[SourceRow, ContactRow | list[str]]] = []
    for item in _rows(job):
        position += 1
        if position <= start:
            continue
        chunk.append(item)
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
    ContactImport.all_orgs.filter(pk=job.pk, status=ImportStatus.RUNNING, processed_rows=position).update(
        status=ImportStatus.DONE, finished_at=now, heartbeat_at=now, updated_at=now
    )
    return ImportStatus.DONE


@transaction.atomic
def _hand_over(job: ContactImport, position: int) -> str | None:
    now = timezone.now()
    moved = ContactImport.all_orgs.filter(
        pk=job.pk, status=ImportStatus.RUNNING, processed_rows=position
    ).update(status=ImportStatus.QUEUED, updated_at=now)
    if not moved:
        return None
    _enqueue(job.pk)
    return ImportStatus.QUEUED
