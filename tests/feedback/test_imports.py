"""Imports of external feedback from CSV and XLSX files: parsing, mapping, the validation report, the
import in chunks (directly and through a real worker), its pages and their permissions."""

import csv
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from accounts.roles import Role
from core.models import OutboxEvent
from cxplatform.celery import app as celery_app
from feedback.imports.mapping import ImportMapping, Target, guess_day_first, guess_targets, parse_datetime
from feedback.imports.parsing import FileKind, UnreadableFile, inspect_file, open_table
from feedback.imports.selectors import import_job_table, import_rejected_csv
from feedback.imports.services import (
    import_job_check,
    import_job_create,
    import_job_run,
    import_job_start,
)
from feedback.models import Contact, ImportJob, ImportStatus, Response
from feedback.tasks import import_run_task
from tests.conftest import wait_for
from tests.factories import TouchpointFactory

FIXTURES = Path(__file__).parent / "fixtures"
T = Target


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def xlsx_bytes(rows, *, build=None):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if build is not None:
        build(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(organization, owner, data, name="feedback.csv"):
    return import_job_create(
        organization=organization, created_by=owner.user, upload=SimpleUploadedFile(name, data)
    )


def rows_of(data):
    summary = inspect_file(data)
    table = open_table(data, summary.kind, summary.delimiter)
    return summary, [(row.number, row.values) for row in table.rows()]


def generated_csv(count, *, start=0):
    lines = ["id,date,nps,comment,email"]
    lines += [
        f"gen-{n},2026-03-{n % 28 + 1:02d} 10:{n % 60:02d},{n % 11},Comment number {n},c{n % 50}@example.com"
        for n in range(start, start + count)
    ]
    return ("\n".join(lines) + "\n").encode()


# --- parsing ------------------------------------------------------------------------------------------


def test_a_comma_csv_with_quoted_newlines_reads_as_one_row_per_record():
    summary, rows = rows_of((FIXTURES / "reviews_with_bad_rows.csv").read_bytes())

    assert (summary.kind, summary.delimiter, summary.headers, summary.row_count) == (
        FileKind.CSV,
        ",",
        ("Review ID", "Date", "Rating", "Review", "E-mail", "Channel", "Store"),
        6,
    )
    assert rows[:2] == [
        (
            2,
            (
                "r-1",
                "2026-01-05 09:30",
                "5",
                "Great app,\r\nworks offline",
                "ana@example.com",
                "app_review",
                "ios",
            ),
        ),
        (3, ("r-2", "05/01/2026", "11", "Too many ads", "bob@example.com", "app_review", "android")),
    ]
    assert [number for number, _values in rows] == [2, 3, 4, 5, 6, 7]


def test_a_semicolon_csv_with_a_byte_order_mark_is_sniffed():
    summary, rows = rows_of((FIXTURES / "nps_semicolon_bom.csv").read_bytes())

    assert (summary.delimiter, summary.headers) == (";", ("id", "datum", "NPS", "Kommentar", "email"))
    assert rows == [
        (2, ("1", "20/11/2025 09:30", "9", "Sehr gut", "eva@example.com")),
        (3, ("2", "21/11/2025", "3", "Langsam; teuer", "")),
    ]


def test_a_tab_separated_file_is_sniffed():
    summary, rows = rows_of((FIXTURES / "call_centre.tsv").read_bytes())

    assert (summary.delimiter, summary.headers, rows[1]) == (
        "\t",
        ("ticket", "score", "notes"),
        (3, ("T-2", "2", "On hold for an hour")),
    )


def test_inconsistent_columns_are_padded_and_overflow_is_counted():
    data = b"a,b,c\n1\n1,2,3,4,5\n1,2,3,,\n"
    table = open_table(data, FileKind.CSV, ",")

    assert [(r.number, r.values, r.overflow) for r in table.rows()] == [
        (2, ("1", "", ""), 0),
        (3, ("1", "2", "3"), 2),
        (4, ("1", "2", "3"), 0),
    ]


def test_blank_and_repeated_headers_get_usable_names():
    table = open_table(b"email,,Email,comment,\n1,2,3,4\n", FileKind.CSV, ",")

    assert table.headers == ("email", "Column B", "Email (2)", "comment")


def test_an_xlsx_reads_numbers_dates_formulas_and_merged_cells_as_text():
    def build(workbook):
        sheet = workbook.active
        sheet["F2"] = "=B2*2"
        sheet.merge_cells("A4:C4")
        workbook.create_sheet("Ignored").append(["not", "read"])

    data = xlsx_bytes(
        [
            ["id", "nps", "date", "comment", "vip", "double"],
            ["x-1", 9, datetime(2026, 1, 5, 9, 30), "Good", True],  # noqa: DTZ001 - Excel has no time zones
            ["x-2", 7.0, "2026-01-06", None, False],
            [],
            ["merged", None, None, "after an empty row"],
        ],
        build=build,
    )
    summary, rows = rows_of(data)

    assert (summary.kind, summary.delimiter, summary.headers, summary.row_count) == (
        FileKind.XLSX,
        "",
        ("id", "nps", "date", "comment", "vip", "double"),
        4,
    )
    # A formula is read as its cached value; files written by openpyxl have none, so it is empty.
    assert rows == [
        (2, ("x-1", "9", "2026-01-05 09:30:00", "Good", "TRUE", "")),
        (3, ("x-2", "7", "2026-01-06", "", "FALSE", "")),
        (4, ("", "", "", "", "", "")),
        (5, ("merged", "", "", "after an empty row", "", "")),
    ]


def _zip(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


GARBAGE = {
    "empty": (b"", "The file is empty."),
    "random bytes": (
        (FIXTURES / "garbage.bin").read_bytes(),
        "This is not a CSV or XLSX file. Upload a CSV (UTF-8) or an Excel workbook.",
    ),
    "png": (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "This is not a CSV or XLSX file. Upload a CSV (UTF-8) or an Excel workbook.",
    ),
    "pdf": (
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00",
        "This is not a CSV or XLSX file. Upload a CSV (UTF-8) or an Excel workbook.",
    ),
    "plain zip": (
        _zip({"notes.txt": "hello"}),
        "This is not a CSV or XLSX file. Upload a CSV (UTF-8) or an Excel workbook.",
    ),
    "word document": (
        _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w/>"}),
        "This is an Office file but not an Excel workbook.",
    ),
    "broken workbook": (
        _zip({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<not-closed"}),
        "This Excel workbook cannot be read. Open it in Excel, save it again and retry.",
    ),
    "truncated zip": (
        b"PK\x03\x04" + b"\x14" * 40,
        "This is not a CSV or XLSX file. Upload a CSV (UTF-8) or an Excel workbook.",
    ),
    "old excel": (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
        "This is an old Excel file (.xls). Save it as an Excel workbook (.xlsx) or as CSV UTF-8.",
    ),
    "utf-16": (
        "id,comment\n1,hi\n".encode("utf-16"),
        "This file is UTF-16 text. Save it as “CSV UTF-8” and upload it again.",
    ),
    "latin-1": (
        "id,comment\n1,très bien\n".encode("latin-1"),
        "This file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again.",
    ),
    "header only": (b"id,comment\n", "The file has column names but no rows to import."),
    "blank first row": (b"\n\n1,2\n", "The first row must hold the column names, but it is empty."),
    "empty sheet": (xlsx_bytes([]), "The first row must hold the column names, but it is empty."),
    "too many columns": (
        (",".join(f"c{n}" for n in range(201)) + "\n" + "1\n").encode(),
        "The file has 201 columns; at most 200 can be imported.",
    ),
    "huge field": (
        b'id,comment\n1,"' + b"x" * 200_000 + b'"\n',
        "Row 2 cannot be read as CSV (a field may be too long or badly quoted).",
    ),
}


@pytest.mark.parametrize(("data", "message"), GARBAGE.values(), ids=GARBAGE.keys())
def test_files_that_cannot_be_imported_are_refused_with_a_clear_message(data, message):
    with pytest.raises(UnreadableFile) as caught:
        inspect_file(data)

    assert caught.value.message == message


def test_a_file_over_the_row_limit_is_refused():
    data = b"id\n" + b"x\n" * 100_001

    with pytest.raises(UnreadableFile) as caught:
        inspect_file(data)

    assert caught.value.message == "The file has more than 100,000 rows. Split it into smaller files."


def test_trailing_empty_rows_do_not_count():
    summary, rows = rows_of(b"id,comment\n1,a\n,\n\n2,b\n,\n\n\n")

    assert (summary.row_count, [n for n, _ in rows]) == (4, [2, 3, 4, 5])


# --- mapping -----------------------------------------------------------------------------------------


def test_the_mapping_is_guessed_from_header_names():
    headers = [
        "Review ID", "E-mail", "Score", "Comment", "Date", "Customer ID", "Phone number", "Channel",
        "Touchpoint", "Language", "CES", "Rating", "Name", "Store", "Review", "Review date",
    ]  # fmt: skip

    assert guess_targets(headers) == [
        T.EXTERNAL_ID, T.CONTACT_EMAIL, T.NPS, T.COMMENT, T.RECEIVED_AT, T.CONTACT_EXTERNAL_ID,
        T.CONTACT_PHONE, T.CHANNEL, T.TOUCHPOINT, T.LANGUAGE, T.CES, T.CSAT, T.CONTACT_NAME, T.HIDDEN,
        T.HIDDEN, T.HIDDEN,
    ]  # fmt: skip


def test_longer_header_names_are_guessed_by_the_words_they_contain():
    assert guess_targets(["Customer e-mail address", "NPS (0-10)", "Review text body", "Submitted date"]) == [
        T.CONTACT_EMAIL,
        T.NPS,
        T.COMMENT,
        T.RECEIVED_AT,
    ]


@pytest.mark.parametrize(
    ("values", "day_first"),
    [(["05/11/2026", "20/11/2026"], True), (["05/11/2026", "11/20/2026"], False), (["2026-11-20"], True)],
)
def test_the_date_order_is_guessed_from_an_unambiguous_value(values, day_first):
    assert guess_day_first(values) is day_first


@pytest.mark.parametrize(
    ("text", "day_first", "expected"),
    [
        ("2026-11-20 09:30", True, datetime(2026, 11, 20, 8, 30, tzinfo=UTC)),
        ("2026-11-20T09:30:00Z", True, datetime(2026, 11, 20, 9, 30, tzinfo=UTC)),
        ("2026-11-20T09:30:00+03:00", True, datetime(2026, 11, 20, 6, 30, tzinfo=UTC)),
        ("20/11/2026", True, datetime(2026, 11, 19, 23, 0, tzinfo=UTC)),
        ("20.11.2026 09:30", True, datetime(2026, 11, 20, 8, 30, tzinfo=UTC)),
        ("11/20/2026 9:30 PM", False, datetime(2026, 11, 20, 20, 30, tzinfo=UTC)),
        ("2026/11/20 09:30", True, datetime(2026, 11, 20, 8, 30, tzinfo=UTC)),
        ("20/11/2026", False, None),
        ("yesterday", True, None),
    ],
)
def test_dates_are_read_in_the_import_time_zone(text, day_first, expected):
    from zoneinfo import ZoneInfo

    parsed = parse_datetime(text, zone=ZoneInfo("Europe/Amsterdam"), day_first=day_first)

    assert (parsed.astimezone(UTC) if parsed else None) == expected


# --- the validation report ---------------------------------------------------------------------------


def review_mapping(**changes):
    base = {
        "targets": (T.EXTERNAL_ID, T.RECEIVED_AT, T.CSAT, T.COMMENT, T.CONTACT_EMAIL, T.CHANNEL, T.HIDDEN),
        "channel": "import",
        "time_zone": "UTC",
    }
    return ImportMapping(**{**base, **changes})


@pytest.fixture
def reviews_job(organization, owner, media):
    return upload(organization, owner, (FIXTURES / "reviews_with_bad_rows.csv").read_bytes(), "reviews.csv")


REVIEW_PROBLEMS = [
    {"row": 3, "messages": ["CSAT must be a whole number from 1 to 5, not “11”."]},
    {
        "row": 4,
        "messages": [
            "Unknown channel “carrier pigeon”.",
            "Unrecognised date “yesterday”.",
            "Invalid email address “not-an-email”.",
        ],
    },
    {"row": 5, "messages": ["Empty row."]},
    {"row": 7, "messages": ["The row has neither a comment nor a score."]},
]


@pytest.mark.django_db
def test_an_upload_is_stored_under_the_organisation_with_a_random_name(organization, reviews_job, media):
    stored = media / reviews_job.file_path

    assert reviews_job.file_path.startswith(f"imports/{organization.pk}/")
    assert (
        stored.read_bytes(),
        reviews_job.original_name,
        reviews_job.file_size,
        reviews_job.total_rows,
        reviews_job.status,
        len(reviews_job.sha256),
    ) == ((FIXTURES / "reviews_with_bad_rows.csv").read_bytes(), "reviews.csv", 356, 6, "uploaded", 64)


@pytest.mark.django_db
def test_the_validation_report_names_every_bad_row_by_its_number(reviews_job):
    job = import_job_check(job=reviews_job, mapping=review_mapping())

    assert (job.status, job.valid_rows, job.invalid_rows, job.report) == ("validated", 2, 4, REVIEW_PROBLEMS)
    assert Response.all_orgs.count() == 0


@pytest.mark.django_db
def test_the_rejected_rows_download_has_an_error_column(reviews_job):
    job = import_job_check(job=reviews_job, mapping=review_mapping())

    text = "".join(import_rejected_csv(job, import_job_table(job)))

    assert list(csv.reader(io.StringIO(text.lstrip("\ufeff")))) == [
        ["row", "Review ID", "Date", "Rating", "Review", "E-mail", "Channel", "Store", "error"],
        ["3", "r-2", "05/01/2026", "11", "Too many ads", "bob@example.com", "app_review", "android",
         "CSAT must be a whole number from 1 to 5, not “11”."],
        ["4", "r-3", "yesterday", "3", "Fine", "not-an-email", "carrier pigeon", "ios",
         "Unknown channel “carrier pigeon”. Unrecognised date “yesterday”. Invalid email address “not-an-email”."],
        ["5", "", "", "", "", "", "", "", "Empty row."],
        ["7", "r-6", "2026-01-07", "", "", "", "app_review", "ios", "The row has neither a comment nor a score."],
    ]  # fmt: skip


@pytest.mark.django_db
def test_mapping_mistakes_are_refused_before_any_row_is_read(reviews_job):
    targets = (T.COMMENT, T.RECEIVED_AT, T.HIDDEN, T.COMMENT, T.HIDDEN, T.HIDDEN, T.HIDDEN)

    with pytest.raises(Exception) as caught:  # noqa: PT011 - the messages are the assertion
        import_job_check(job=reviews_job, mapping=review_mapping(targets=targets, time_zone="Mars/Base"))

    assert caught.value.messages == ["Only one column can be “Comment”.", "Unknown time zone."]


@pytest.mark.django_db
def test_more_row_problems(organization, owner, media):
    touchpoint = TouchpointFactory(organization=organization, name="Checkout")
    data = (
        "id,when,nps,ces,comment,touchpoint,phone\n"
        "a,2099-01-01,5,,x,checkout,\n"
        "a,2026-01-01,9.5,8,,Nowhere,\n"
        "b,2026-01-01,10,1,,CHECKOUT," + "1" * 40 + "\n"
        "c,,3,,,,\n"
    ).encode()
    job = upload(organization, owner, data)
    mapping = ImportMapping(
        targets=(T.EXTERNAL_ID, T.RECEIVED_AT, T.NPS, T.CES, T.COMMENT, T.TOUCHPOINT, T.CONTACT_PHONE),
        touchpoints={"checkout": touchpoint.pk},
    )

    job = import_job_check(job=job, mapping=mapping)

    assert job.report == [
        {"row": 2, "messages": ["The date “2099-01-01” is in the future."]},
        {
            "row": 3,
            "messages": [
                "The external id “a” is already used on row 2.",
                "NPS must be a whole number from 0 to 10, not “9.5”.",
                "CES must be a whole number from 1 to 7, not “8”.",
                "Unknown touchpoint “Nowhere”.",
            ],
        },
        {"row": 4, "messages": ["The phone number is longer than 32 characters."]},
        {"row": 5, "messages": ["The date is missing."]},
    ]


# --- running the import ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_file_with_bad_rows_imports_the_good_ones_and_reports_the_rest(organization, reviews_job):
    job = import_job_start(job=import_job_check(job=reviews_job, mapping=review_mapping()))

    status = import_run_task(job.pk)

    job.refresh_from_db()
    assert (status, job.status, job.processed_rows, job.created_rows, job.existing_rows, job.failed_rows) == (
        "done",
        "done",
        6,
        2,
        0,
        4,
    )
    assert job.errors == REVIEW_PROBLEMS
    stored = Response.all_orgs.filter(organization=organization).order_by("external_id")
    assert [
        (r.external_id, r.channel, r.csat, r.comment, r.received_at, r.hidden_fields, r.contact_id is not None)
        for r in stored
    ] == [
        ("r-1", "app_review", 5, "Great app,\r\nworks offline", datetime(2026, 1, 5, 9, 30, tzinfo=UTC),
         {"Store": "ios"}, True),
        ("r-5", "chat", None, "Crashes on start", datetime(2026, 1, 6, 8, 0, tzinfo=UTC), {"Store": "web"}, False),
    ]  # fmt: skip
    assert list(Contact.all_orgs.values_list("email", flat=True)) == ["ana@example.com"]
    assert sorted(OutboxEvent.all_orgs.values_list("topic", flat=True)) == [
        "response.created",
        "response.created",
        "response.finished",
        "response.finished",
    ]


@pytest.mark.django_db
def test_re_importing_the_same_file_creates_no_duplicates(organization, owner, media):
    data = generated_csv(30)
    without_ids = ImportMapping(targets=(T.HIDDEN, T.RECEIVED_AT, T.NPS, T.COMMENT, T.CONTACT_EMAIL))
    jobs = []
    for _attempt in range(2):
        job = import_job_start(
            job=import_job_check(job=upload(organization, owner, data), mapping=without_ids)
        )
        import_job_run(job_id=job.pk)
        job.refresh_from_db()
        jobs.append((job.status, job.created_rows, job.existing_rows, job.failed_rows))

    assert jobs == [("done", 30, 0, 0), ("done", 0, 30, 0)]
    assert Response.all_orgs.filter(organization=organization).count() == 30
    assert Contact.all_orgs.filter(organization=organization).count() == 30


@pytest.mark.django_db
def test_the_task_imports_in_chunks_and_records_progress_after_each(organization, owner, media):
    mapping = ImportMapping(targets=(T.EXTERNAL_ID, T.RECEIVED_AT, T.NPS, T.COMMENT, T.CONTACT_EMAIL))
    job = import_job_start(
        job=import_job_check(job=upload(organization, owner, generated_csv(1234)), mapping=mapping)
    )
    progress = []

    # With no time left after a chunk, a run hands the rest to the next run (a fresh task).
    for _run in range(3):
        status = import_job_run(job_id=job.pk, time_budget=0)
        job.refresh_from_db()
        progress.append((status, job.status, job.processed_rows, job.created_rows))

    assert progress == [
        ("queued", "queued", 500, 500),
        ("queued", "queued", 1000, 1000),
        ("done", "done", 1234, 1234),
    ]
    assert Response.all_orgs.filter(organization=organization).count() == 1234


@pytest.mark.django_db
def test_running_twice_imports_once(organization, owner, media):
    mapping = ImportMapping(targets=(T.EXTERNAL_ID, T.RECEIVED_AT, T.NPS, T.COMMENT, T.CONTACT_EMAIL))
    job = import_job_start(
        job=import_job_check(job=upload(organization, owner, generated_csv(20)), mapping=mapping)
    )

    statuses = [import_run_task(job.pk), import_run_task(job.pk)]

    job.refresh_from_db()
    assert (statuses, job.processed_rows, job.created_rows, job.existing_rows) == (["done", None], 20, 20, 0)
    assert Response.all_orgs.filter(organization=organization).count() == 20


@pytest.mark.django_db
def test_a_job_running_elsewhere_is_not_claimed_but_a_stale_one_is(organization, owner, media):
    from django.utils import timezone

    mapping = ImportMapping(targets=(T.EXTERNAL_ID, T.RECEIVED_AT, T.NPS, T.COMMENT, T.CONTACT_EMAIL))
    job = import_job_check(job=upload(organization, owner, generated_csv(5)), mapping=mapping)
    ImportJob.all_orgs.filter(pk=job.pk).update(status=ImportStatus.RUNNING, heartbeat_at=timezone.now())

    busy = import_job_run(job_id=job.pk)
    ImportJob.all_orgs.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timezone.timedelta(minutes=6))
    taken_over = import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (busy, taken_over, job.status, job.created_rows) == (None, "done", "done", 5)


@pytest.mark.django_db
def test_a_job_whose_file_disappeared_fails_with_a_reason(organization, owner, media):
    mapping = ImportMapping(targets=(T.EXTERNAL_ID, T.RECEIVED_AT, T.NPS, T.COMMENT, T.CONTACT_EMAIL))
    job = import_job_start(
        job=import_job_check(job=upload(organization, owner, generated_csv(5)), mapping=mapping)
    )
    default_storage.delete(job.file_path)

    status = import_run_task(job.pk)

    job.refresh_from_db()
    assert (status, job.status, job.failure_reason) == (
        "failed",
        "failed",
        "The uploaded file is no longer available. Upload it again.",
    )


@pytest.mark.django_db
def test_an_xlsx_with_formulas_and_merged_cells_imports(organization, owner, media):
    def build(workbook):
        workbook.active["E2"] = "=C2+1"
        workbook.active.merge_cells("D3:E3")

    data = xlsx_bytes(
        [
            ["id", "date", "score", "comment", "formula"],
            ["x-1", datetime(2026, 2, 1, 12, 0), 9, "Nice", None],  # noqa: DTZ001 - Excel has no time zones
            ["x-2", datetime(2026, 2, 2, 12, 0), 3.0, "Merged", None],  # noqa: DTZ001
        ],
        build=build,
    )
    job = upload(organization, owner, data, "export.xlsx")
    job = import_job_check(job=job, mapping=ImportMapping(targets=tuple(guess_targets(job.columns))))
    import_job_run(job_id=import_job_start(job=job).pk)

    assert list(
        Response.all_orgs.filter(organization=organization)
        .order_by("external_id")
        .values_list("external_id", "nps", "comment", "received_at", "channel")
    ) == [
        ("x-1", 9, "Nice", datetime(2026, 2, 1, 12, 0, tzinfo=UTC), "import"),
        ("x-2", 3, "Merged", datetime(2026, 2, 2, 12, 0, tzinfo=UTC), "import"),
    ]


# --- a real worker -----------------------------------------------------------------------------------


# Several chunks of 500 rows; the timing of 10,000 rows belongs to `make bench`, not to the tests.
ROWS = 2_000


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_imports_a_large_file_in_chunks(organization, owner, client_for, celery_worker):
    # The worker process reads the file from the configured MEDIA_ROOT, so this test uses the real one.
    client = client_for(owner)
    base = f"/o/{organization.slug}/feedback/imports"
    uploaded = client.post(f"{base}/new/", {"file": SimpleUploadedFile("big.csv", generated_csv(ROWS))})
    job = ImportJob.all_orgs.get(organization=organization)
    try:
        mapped = client.post(
            f"{base}/{job.pk}/mapping/",
            {
                **{f"column_{i}": str(t) for i, t in enumerate(guess_targets(job.columns))},
                "channel": "call_centre",
                "time_zone": "UTC",
                "date_order": "dmy",
            },
        )
        started = client.post(f"{base}/{job.pk}/start/")
        finished = wait_for(
            lambda: ImportJob.all_orgs.get(pk=job.pk).status in {"done", "failed"}, timeout=300
        )
    finally:
        default_storage.delete(job.file_path)
        # Each imported row queued two outbox events; later tests' workers must not wade through them.
        celery_app.control.purge()

    job.refresh_from_db()
    assert [r.status_code for r in (uploaded, mapped, started)] == [302, 302, 302]
    assert (
        finished,
        job.status,
        job.processed_rows,
        job.created_rows,
        job.existing_rows,
        job.failed_rows,
    ) == (
        True,
        "done",
        ROWS,
        ROWS,
        0,
        0,
    )
    assert Response.all_orgs.filter(organization=organization, channel="call_centre").count() == ROWS


# --- pages -------------------------------------------------------------------------------------------


@pytest.fixture
def pages(organization):
    return f"/o/{organization.slug}/feedback/imports"


@pytest.mark.django_db
def test_upload_then_mapping_page_shows_the_preview_and_guesses(
    organization, owner, client_for, pages, media
):
    client = client_for(owner)

    uploaded = client.post(
        f"{pages}/new/",
        {"file": SimpleUploadedFile("reviews.csv", (FIXTURES / "reviews_with_bad_rows.csv").read_bytes())},
    )
    job = ImportJob.all_orgs.get(organization=organization)
    page = client.get(uploaded["Location"])

    assert uploaded["Location"] == f"{pages}/{job.pk}/mapping/"
    form = page.context["form"]
    assert [form[f"column_{i}"].value() for i in range(7)] == [
        "external_id", "received_at", "csat", "comment", "contact_email", "channel", "hidden",
    ]  # fmt: skip
    assert [row.number for row in page.context["preview"]] == [2, 3, 4, 5, 6, 7]
    assert form["time_zone"].value() == "UTC"
    content = page.content.decode()
    assert '<label for="id_column_0">Review ID</label>' in content
    assert "Great app," in content


@pytest.mark.django_db
def test_the_mapping_form_leads_to_the_report_and_the_import(
    organization, owner, client_for, pages, reviews_job
):
    client = client_for(owner)
    fields = {
        **{f"column_{i}": str(t) for i, t in enumerate(review_mapping().targets)},
        "channel": "import",
        "time_zone": "UTC",
        "date_order": "dmy",
    }

    mapped = client.post(f"{pages}/{reviews_job.pk}/mapping/", fields)
    report = client.get(f"{pages}/{reviews_job.pk}/")
    rejected = client.get(f"{pages}/{reviews_job.pk}/rejected.csv")
    started = client.post(f"{pages}/{reviews_job.pk}/start/")
    queued = client.get(f"{pages}/{reviews_job.pk}/")
    import_run_task(reviews_job.pk)
    progress = client.get(f"{pages}/{reviews_job.pk}/progress/")

    assert (mapped.status_code, mapped["Location"]) == (302, f"{pages}/{reviews_job.pk}/")
    assert [p["row"] for p in report.context["problems"]] == [3, 4, 5, 7]
    assert "Import 2 rows" in report.content.decode()
    assert (rejected["Content-Type"], rejected["Content-Disposition"]) == (
        "text/csv; charset=utf-8",
        f'attachment; filename="import-{reviews_job.pk}-rejected-rows.csv"',
    )
    assert len(b"".join(rejected.streaming_content).decode().splitlines()) == 5
    assert (started.status_code, started["Location"]) == (302, f"{pages}/{reviews_job.pk}/")
    queued_html = queued.content.decode()
    assert f'hx-get="{pages}/{reviews_job.pk}/progress/" hx-trigger="every 1s"' in queued_html
    assert '<progress id="import-progress-bar" max="6" value="0">' in queued_html
    progress_html = progress.content.decode()
    assert "hx-trigger" not in progress_html
    assert '<progress id="import-progress-bar" max="6" value="6">' in progress_html
    assert "Done: 2 created, 0 already there, 4 failed." in progress_html


@pytest.mark.django_db
def test_the_mapping_form_shows_mapping_mistakes(owner, client_for, pages, reviews_job):
    fields = {f"column_{i}": "hidden" for i in range(7)} | {
        "channel": "import",
        "time_zone": "UTC",
        "date_order": "dmy",
    }

    page = client_for(owner).post(f"{pages}/{reviews_job.pk}/mapping/", fields)

    assert (page.status_code, page.context["form"].non_field_errors()) == (
        200,
        ["Choose at least one column with a comment or a score."],
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "message"), GARBAGE.values(), ids=GARBAGE.keys())
def test_garbage_uploads_give_a_clear_error_page(
    organization, owner, client_for, pages, media, data, message
):
    page = client_for(owner).post(f"{pages}/new/", {"file": SimpleUploadedFile("file.csv", data)})

    assert (page.status_code, page.context["form"].errors["file"]) == (200, [message])
    assert ImportJob.all_orgs.count() == 0


@pytest.mark.django_db
def test_the_list_shows_past_imports(organization, owner, client_for, pages, reviews_job):
    page = client_for(owner).get(f"{pages}/")

    assert (page.status_code, [j.pk for j in page.context["jobs"]]) == (200, [reviews_job.pk])
    assert "reviews.csv" in page.content.decode()


@pytest.fixture
def all_pages(pages, reviews_job):
    job = f"{pages}/{reviews_job.pk}"
    return [
        ("get", f"{pages}/"),
        ("get", f"{pages}/new/"),
        ("post", f"{pages}/new/"),
        ("get", f"{job}/"),
        ("get", f"{job}/mapping/"),
        ("post", f"{job}/mapping/"),
        ("get", f"{job}/progress/"),
        ("post", f"{job}/start/"),
        ("get", f"{job}/rejected.csv"),
    ]


@pytest.mark.django_db
def test_a_viewer_is_refused_every_import_page(organization, make_member, client_for, all_pages):
    client = client_for(make_member(organization, Role.VIEWER))

    assert {getattr(client, method)(url).status_code for method, url in all_pages} == {403}


@pytest.mark.django_db
def test_an_outsider_finds_no_import_page(outsider, client_for, all_pages, reviews_job):
    client = client_for(outsider)

    assert {getattr(client, method)(url).status_code for method, url in all_pages} == {404}
    assert ImportJob.all_orgs.get(pk=reviews_job.pk).status == "uploaded"


@pytest.mark.django_db
def test_another_organisations_job_reads_as_missing(outsider, client_for, reviews_job):
    client = client_for(outsider)

    statuses = {
        client.get(f"/o/globex/feedback/imports/{reviews_job.pk}/{suffix}").status_code
        for suffix in ("", "mapping/", "progress/", "rejected.csv")
    }

    assert statuses == {404}


@pytest.mark.django_db
def test_a_cx_manager_may_import(organization, manager, client_for, pages):
    assert client_for(manager).get(f"{pages}/new/").status_code == 200


@pytest.mark.django_db
def test_pages_of_a_job_whose_file_is_gone_redirect_with_the_reason(owner, client_for, pages, reviews_job):
    default_storage.delete(reviews_job.file_path)
    client = client_for(owner)

    mapping = client.get(f"{pages}/{reviews_job.pk}/mapping/", follow=True)

    assert mapping.redirect_chain == [(f"{pages}/{reviews_job.pk}/", 302)]
    assert "The uploaded file is no longer available. Upload it again." in mapping.content.decode()
