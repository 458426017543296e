"""Writes for contact imports: storing an upload, checking it against a mapping, and running it.

Runs on ``feedback.imports.jobs``, like feedback imports: the job is claimed with a conditional update,
rows are written in chunks whose transaction also moves the cursor (``processed_rows``), and a second
run continues after the last committed chunk. Contacts are matched by external id, email and phone, so importing
the same file twice creates no duplicates (the second run updates the contacts it finds).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import DataError, IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from contacts.imports import Column, ContactRow, RowChecker, mapping_problems
from contacts.models import ContactImport, ContactList, ContactListMember
from feedback.imports.jobs import RUN_TIME_BUDGET, ChunkOutcome, FileImport, stored_table
from feedback.imports.parsing import SourceRow
from feedback.models import Consent, Contact
from feedback.services.contacts import ATTRIBUTES_LIMIT

# The job's stored file, opened; UnreadableFile when it is gone or no longer readable.
contact_import_table = stored_table


def job_columns(job: ContactImport) -> list[Column]:
    targets = job.mapping.get("columns", []) if isinstance(job.mapping, dict) else []
    return [Column(t) for t in targets]


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


def _checked_rows(job: ContactImport) -> Iterator[tuple[SourceRow, ContactRow | list[str]]]:
    table = contact_import_table(job)
    checker = RowChecker(headers=table.headers, columns=job_columns(job))
    for row in table.rows():
        yield row, checker.check(row)


def _upsert_rows(job: ContactImport, rows: list[tuple[SourceRow, ContactRow]]) -> ChunkOutcome:
    created = updated = 0
    problems: list[dict[str, Any]] = []
    contact_ids: list[int] = []
    for row, contact_row in rows:
        try:
            contact, is_new = contact_upsert(organization_id=job.organization_id, row=contact_row)
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
    if job.contact_list_id is not None and contact_ids:
        ContactListMember.all_orgs.bulk_create(
            [
                ContactListMember(
                    organization_id=job.organization_id, contact_list_id=job.contact_list_id, contact_id=pk
                )
                for pk in contact_ids
            ],
            ignore_conflicts=True,
        )
    return ChunkOutcome(counts={"created_rows": created, "updated_rows": updated}, problems=problems)


CONTACT_IMPORT = FileImport[ContactImport, ContactRow](
    model=ContactImport,
    task="contacts.tasks.import_run_task",
    upload_folder="contact-imports",
    rows=_checked_rows,
    import_rows=_upsert_rows,
    needs_valid_rows=True,
)


def contact_import_create(
    *, organization: Organization, created_by: User, upload: UploadedFile
) -> ContactImport:
    """Check and store an uploaded file; ValidationError with a message for any other file."""
    return CONTACT_IMPORT.create(organization=organization, created_by=created_by, upload=upload)


def contact_import_check(
    *, job: ContactImport, columns: Sequence[Column], contact_list_id: int | None
) -> ContactImport:
    """Save the mapping (and the list to add contacts to) and dry-run every row into the report."""

    def configure(locked: ContactImport) -> None:
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

    return CONTACT_IMPORT.check(job, configure)


def contact_import_start(*, job: ContactImport) -> ContactImport:
    """Queue the import of a checked file (again, if it is queued or its worker stopped reporting)."""
    return CONTACT_IMPORT.start(job)


def contact_import_run(*, job_id: int, time_budget: float = RUN_TIME_BUDGET) -> str | None:
    """Run (or continue) a queued import; the status it left, or None when another run has it."""
    return CONTACT_IMPORT.run(job_id, time_budget)
