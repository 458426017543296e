"""Exports run in a real worker, in constant memory."""

from __future__ import annotations

import io
import tracemalloc
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.storage import default_storage
from openpyxl import load_workbook

from exports.models import ExportJob
from exports.services import export_job_create, export_job_run
from feedback.models import Response
from tests.conftest import wait_for

ROWS = 3_000


def add_responses(organization, count, *, offset=0):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    Response.all_orgs.bulk_create(
        [
            Response(
                organization=organization,
                channel="email",
                nps=(offset + n) % 11,
                answers={"nps": (offset + n) % 11},
                comment=f"Comment number {offset + n}: " + "the parcel arrived late again. " * 4,
                hidden_fields={"order": f"A-{offset + n}"},
                received_at=start + timedelta(seconds=offset + n),
            )
            for n in range(count)
        ],
        batch_size=2000,
    )


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_writes_the_export_and_the_creator_downloads_it(
    organization, manager, client_for, celery_worker
):
    # The worker writes to the configured MEDIA_ROOT, so this test uses the real one and cleans up.
    add_responses(organization, ROWS)
    client = client_for(manager)
    base = f"/o/{organization.slug}/exports"

    asked = client.post(f"{base}/new/?kind=responses", {"file_format": "xlsx"})
    job = ExportJob.all_orgs.get(organization=organization)
    finished = wait_for(lambda: ExportJob.all_orgs.get(pk=job.pk).status in {"done", "failed"}, timeout=120)
    job.refresh_from_db()
    try:
        download = client.get(f"{base}/{job.pk}/download/")
        sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content)), read_only=True).active
        rows = list(sheet.iter_rows(values_only=True))
    finally:
        if job.file_path:
            default_storage.delete(job.file_path)

    assert (asked.status_code, finished, job.status, job.total_rows, job.processed_rows) == (
        302,
        True,
        "done",
        ROWS,
        ROWS,
    )
    assert (download.status_code, len(rows), rows[0][0], rows[1][-1]) == (
        200,
        ROWS + 1,
        "Id",
        f"A-{ROWS - 1}",
    )


def peak_memory(organization, manager, file_format):
    job = export_job_create(membership=manager, kind="responses", file_format=file_format, filters={})
    tracemalloc.start()
    try:
        export_job_run(job_id=job.pk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    job.refresh_from_db()
    default_storage.delete(job.file_path)
    return job.processed_rows, peak


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_memory_stays_flat_whatever_the_number_of_rows(
    organization, manager, settings, tmp_path, monkeypatch, file_format
):
    # Small chunks keep the test quick under tracemalloc; both sizes span several chunks.
    monkeypatch.setattr("exports.tables.CHUNK_SIZE", 200)
    settings.MEDIA_ROOT = tmp_path
    add_responses(organization, 1_000)
    small_rows, small_peak = peak_memory(organization, manager, file_format)
    add_responses(organization, 9_000, offset=1_000)

    large_rows, large_peak = peak_memory(organization, manager, file_format)

    # Ten times the rows, the same peak: a row kept per row written (~200 bytes) would add 1.8 MB.
    assert (small_rows, large_rows) == (1_000, 10_000)
    assert large_peak - small_peak < 512 * 1024, (small_peak, large_peak)
