"""Contact imports: the validation report, the import itself, and importing again."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contacts.imports import Column, guess_columns
from contacts.models import ContactImport, ContactList, ContactListMember
from contacts.services import (
    contact_import_check,
    contact_import_create,
    contact_import_run,
    contact_import_start,
)
from feedback.models import Consent, Contact, ImportStatus

pytestmark = pytest.mark.django_db

CSV = (
    "Email,Phone,Name,Language,Consent,Plan,Seats\n"
    "ana@example.com,+49 170 1111111,Ana,en,yes,pro,12\n"
    "not-an-email,,Bad Email,en,,free,1\n"
    "bo@example.com,12,Bad Phone,ru,,free,1\n"
    "cy@example.com,,Bad Language,xx,,free,1\n"
    "ANA@example.com,,Duplicate,en,,free,1\n"
    ",,No identifier,en,,free,1\n"
    "di@example.com,+7 900 000 00 00,Di,ru,no,free,3\n"
)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(organization, owner, data, name="contacts.csv"):
    return contact_import_create(
        organization=organization, created_by=owner.user, upload=SimpleUploadedFile(name, data.encode())
    )


def test_columns_are_guessed_from_headers():
    assert guess_columns(
        ["E-mail", "Mobile", "Customer ID", "Full name", "lang", "Opt-in", "Plan", "email"]
    ) == [
        Column.EMAIL,
        Column.PHONE,
        Column.EXTERNAL_ID,
        Column.NAME,
        Column.LANGUAGE,
        Column.CONSENT,
        Column.ATTRIBUTE,
        Column.ATTRIBUTE,
    ]


def test_the_report_names_each_bad_row(organization, owner, media):
    job = upload(organization, owner, CSV)
    job = contact_import_check(job=job, columns=guess_columns(job.columns), contact_list_id=None)
    assert (job.status, job.valid_rows, job.invalid_rows) == (ImportStatus.VALIDATED, 2, 5)
    assert job.report == [
        {"row": 3, "messages": ["Invalid email address “not-an-email”."]},
        {"row": 4, "messages": ["Invalid phone number “12”."]},
        {"row": 5, "messages": ["Unknown language “xx”."]},
        {"row": 6, "messages": ["Duplicate in the file: row 2 has the same Email."]},
        {"row": 7, "messages": ["The row has no email, phone number or external id."]},
    ]


def test_a_mapping_without_identifier_is_refused(organization, owner, media):
    from django.core.exceptions import ValidationError

    job = upload(organization, owner, CSV)
    columns = [
        Column.IGNORE,
        Column.IGNORE,
        Column.NAME,
        Column.LANGUAGE,
        Column.CONSENT,
        Column.ATTRIBUTE,
        Column.ATTRIBUTE,
    ]
    with pytest.raises(ValidationError) as caught:
        contact_import_check(job=job, columns=columns, contact_list_id=None)
    assert caught.value.messages == ["Choose a column with the email, the phone number or the external id."]


def run(job):
    job = contact_import_start(job=job)
    assert job.status == ImportStatus.QUEUED
    return contact_import_run(job_id=job.pk)


def test_import_into_a_list_and_import_again_without_duplicates(
    organization, owner, media, django_capture_on_commit_callbacks
):
    customers = ContactList.all_orgs.create(organization=organization, name="Customers")
    job = upload(organization, owner, CSV)
    contact_import_check(job=job, columns=guess_columns(job.columns), contact_list_id=customers.pk)
    assert run(job) == ImportStatus.DONE
    job.refresh_from_db()
    assert (job.processed_rows, job.created_rows, job.updated_rows, job.failed_rows) == (7, 2, 0, 5)
    ana = Contact.all_orgs.get(organization=organization, email="ana@example.com")
    assert (ana.phone, ana.name, ana.language, ana.consent) == ("+491701111111", "Ana", "en", Consent.GRANTED)
    assert ana.attributes == {"Plan": "pro", "Seats": 12}
    di = Contact.all_orgs.get(organization=organization, email="di@example.com")
    assert (di.phone, di.consent) == ("+79000000000", Consent.WITHDRAWN)
    assert ContactListMember.all_orgs.filter(contact_list=customers).count() == 2

    again = upload(organization, owner, CSV.replace("pro,12", "enterprise,40"))
    contact_import_check(job=again, columns=guess_columns(again.columns), contact_list_id=customers.pk)
    assert run(again) == ImportStatus.DONE
    again.refresh_from_db()
    assert (again.created_rows, again.updated_rows, again.failed_rows) == (0, 2, 5)
    assert Contact.all_orgs.filter(organization=organization).count() == 2
    ana.refresh_from_db()
    assert ana.attributes == {"Plan": "enterprise", "Seats": 40}
    assert ContactListMember.all_orgs.filter(contact_list=customers).count() == 2


def test_a_second_run_of_a_finished_import_does_nothing(organization, owner, media):
    job = upload(organization, owner, CSV)
    contact_import_check(job=job, columns=guess_columns(job.columns), contact_list_id=None)
    run(job)
    assert contact_import_run(job_id=job.pk) is None
    assert ContactImport.all_orgs.get(pk=job.pk).created_rows == 2


def test_an_xlsx_file_imports_too(organization, owner, media):
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Customer ID", "Name", "Score"])
    sheet.append(["C-1", "Eve", 7])
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = contact_import_create(
        organization=organization,
        created_by=owner.user,
        upload=SimpleUploadedFile("c.xlsx", buffer.getvalue()),
    )
    contact_import_check(job=job, columns=guess_columns(job.columns), contact_list_id=None)
    assert run(job) == ImportStatus.DONE
    eve = Contact.all_orgs.get(organization=organization, external_id="C-1")
    assert (eve.name, eve.attributes) == ("Eve", {"Score": 7})
