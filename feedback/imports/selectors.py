"""Reads for imports: the organisation's jobs, a job's stored file, its preview and its rejected rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from itertools import islice

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import Organization
from feedback.imports.jobs import stored_table
from feedback.imports.mapping import ImportMapping, RowConverter
from feedback.imports.parsing import SourceRow, Table
from feedback.models import ImportJob

PREVIEW_ROWS = 10
# Spreadsheets run a cell that starts with one of these as a formula; exported cells are defused.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def import_job_list(*, organization: Organization) -> QuerySet[ImportJob]:
    return (
        ImportJob.all_orgs.filter(organization=organization)
        .select_related("created_by")
        .order_by("-created_at", "-pk")
    )


def import_job_get(*, organization: Organization, job_id: int) -> ImportJob:
    """ImportJob.DoesNotExist for a missing job and for another organisation's alike."""
    return import_job_list(organization=organization).get(pk=job_id)


# The job's stored file, opened; UnreadableFile when it is gone or no longer readable.
import_job_table = stored_table


def import_converter(job: ImportJob, table: Table) -> RowConverter:
    return RowConverter(
        mapping=ImportMapping.from_json(job.mapping),
        headers=table.headers,
        file_sha256=job.sha256,
        job_id=job.pk,
    )


def import_preview(table: Table, *, limit: int = PREVIEW_ROWS) -> list[SourceRow]:
    return list(islice(table.rows(), limit))


def _defused(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def import_rejected_csv(job: ImportJob, table: Table) -> Iterator[str]:
    """The rows the import leaves out, as CSV text with an ``error`` column (and the row number)."""
    converter = import_converter(job, table)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("row"), *table.headers, _("error")])
    yield "\ufeff" + buffer.getvalue()
    for row in table.rows():
        result = converter.convert(row)
        if not isinstance(result, list):
            continue
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([row.number, *(_defused(v) for v in row.values), _defused(" ".join(result))])
        yield buffer.getvalue()
