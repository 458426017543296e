"""File writers for exports: rows in, a CSV or XLSX file on disk out, in constant memory.

Rows are written one at a time to a temporary file (CSV with the ``csv`` module, XLSX with openpyxl's
write-only workbook, which streams each row to disk and never keeps a worksheet in memory), and the
finished file is moved to the default storage. Every cell passes ``neutralise`` first.
"""

from __future__ import annotations

import csv
import os
import re
import secrets
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Protocol

from django.core.files import File
from django.core.files.storage import default_storage
from openpyxl import Workbook
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from exports.models import ExportFormat

Cell = str | int | float | None
Row = Sequence[Cell]

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Control characters that XML (and so XLSX) cannot hold; they carry nothing readable in CSV either.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# The most characters one XLSX cell holds.
XLSX_CELL_LIMIT = 32_767


def neutralise(value: Cell) -> Cell:
    """The value as a spreadsheet must show it: text that would start a formula gets a leading ``'``.

    Numbers stay numbers. Control characters are removed first, so that one cannot hide a formula
    behind them (``"\\x01=1+1"`` would otherwise read ``=1+1`` once a reader drops the ``\\x01``).
    """
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    if isinstance(value, int | float):
        return value
    text = _CONTROL.sub("", str(value))
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class Sink(Protocol):
    def write(self, row: Row) -> None: ...


class _CsvSink:
    def __init__(self, handle: IO[str]) -> None:
        # The byte-order mark makes Excel read the file as UTF-8.
        handle.write("\ufeff")
        self._writer = csv.writer(handle)

    def write(self, row: Row) -> None:
        self._writer.writerow([neutralise(value) for value in row])


class _XlsxSink:
    def __init__(self, sheet: WriteOnlyWorksheet) -> None:
        self._sheet = sheet

    def write(self, row: Row) -> None:
        cells: list[Cell] = []
        for value in row:
            # An empty cell, not an empty string, so that a spreadsheet counts it as blank.
            clean = neutralise(value) if value is not None else None
            if isinstance(clean, str) and len(clean) > XLSX_CELL_LIMIT:
                clean = clean[: XLSX_CELL_LIMIT - 1] + "…"
            cells.append(clean)
        self._sheet.append(cells)


@dataclass(frozen=True)
class StoredFile:
    path: str
    size: int


class ExportFile:
    """A context manager: ``with ExportFile(fmt, sheet_title) as out: out.write(row)``, then ``save()``.

    The temporary file is removed on exit whatever happens; ``save()`` moves it to the default storage
    under ``exports/<random>.<ext>`` and returns where and how large.
    """

    def __init__(self, file_format: str, *, sheet_title: str = "Export") -> None:
        self.file_format = ExportFormat(file_format)
        self._temp = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in __exit__
            prefix="export-", suffix=f".{self.file_format}", delete=False
        )
        self._path = Path(self._temp.name)
        self._text: IO[str] | None = None
        self._workbook: Workbook | None = None
        self.sink: Sink
        if self.file_format == ExportFormat.CSV:
            self._temp.close()
            self._text = self._path.open("w", encoding="utf-8", newline="")
            self.sink = _CsvSink(self._text)
        else:
            self._temp.close()
            self._workbook = Workbook(write_only=True)
            sheet = self._workbook.create_sheet(title=sheet_title[:31] or "Export")
            self.sink = _XlsxSink(sheet)

    def __enter__(self) -> ExportFile:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            # A write-only workbook's own temporary file is removed only by saving it.
            self._close()
        except Exception:
            if kind is None:
                raise
        finally:
            self._path.unlink(missing_ok=True)

    def write(self, row: Row) -> None:
        self.sink.write(row)

    def write_many(self, rows: Iterable[Row]) -> None:
        for row in rows:
            self.sink.write(row)

    def _close(self) -> None:
        if self._text is not None and not self._text.closed:
            self._text.close()
        if self._workbook is not None:
            # Saving a write-only workbook zips the rows streamed to its own temporary file.
            self._workbook.save(self._path)
            self._workbook = None

    def save(self) -> StoredFile:
        self._close()
        size = os.path.getsize(self._path)
        with self._path.open("rb") as handle:
            path = default_storage.save(f"exports/{secrets.token_hex(16)}.{self.file_format}", File(handle))
        return StoredFile(path=path, size=size)
