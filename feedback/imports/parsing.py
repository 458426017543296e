"""Reading uploaded CSV and XLSX files into rows of text, whatever the bytes are.

The file type is decided by the content, never by the name: an XLSX is a zip holding a workbook, a CSV
is UTF-8 text (a byte-order mark is tolerated) whose delimiter — comma, semicolon or tab — is sniffed
from the header line. Everything else is refused with ``UnreadableFile`` and a message for the person
who uploaded it. Row numbers are the ones a spreadsheet shows: the header is row 1.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from itertools import islice
from typing import Any

from django.utils.translation import gettext as _

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
MAX_COLUMNS = 200
# A 20 MB zip may expand a thousandfold; refuse workbooks that would not fit in a worker's memory.
MAX_XLSX_EXPANDED_BYTES = 400 * 1024 * 1024
DELIMITERS = (",", ";", "\t")

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# C0 control characters other than tab, newline, carriage return and form feed mean binary content.
_BINARY_BYTES = frozenset(range(0x09)) | frozenset(range(0x0E, 0x20)) | {0x0B}


class FileKind(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


class UnreadableFile(Exception):
    """The file cannot be imported; ``message`` says why, in words for the person who uploaded it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class SourceRow:
    number: int
    values: tuple[str, ...]
    # Non-empty values beyond the header's last column.
    overflow: int = 0

    @property
    def is_empty(self) -> bool:
        return not self.overflow and not any(value.strip() for value in self.values)


@dataclass(frozen=True)
class Table:
    """A readable file: its column names and a way to walk its data rows (as often as needed)."""

    data: bytes
    kind: FileKind
    delimiter: str
    headers: tuple[str, ...]

    def rows(self) -> Iterator[SourceRow]:
        """Data rows in order. Empty rows are kept (they are reported), except trailing ones."""
        width = len(self.headers)
        pending_empty: list[SourceRow] = []
        raw_rows = _raw_rows(self.data, self.kind, self.delimiter)
        next(raw_rows, None)  # the header
        for number, raw in enumerate(raw_rows, start=2):
            values = tuple(raw[:width]) + ("",) * max(0, width - len(raw))
            overflow = sum(1 for value in raw[width:] if value.strip())
            row = SourceRow(number=number, values=values, overflow=overflow)
            if row.is_empty:
                pending_empty.append(row)
                continue
            yield from pending_empty
            pending_empty.clear()
            yield row


@dataclass(frozen=True)
class FileSummary:
    kind: FileKind
    delimiter: str
    headers: tuple[str, ...]
    row_count: int


def detect_kind(data: bytes) -> FileKind:
    """CSV or XLSX by content; raises UnreadableFile for anything else."""
    if not data:
        raise UnreadableFile(_("The file is empty."))
    if data.startswith(_ZIP_MAGIC):
        _check_workbook_zip(data)
        return FileKind.XLSX
    if data.startswith(_OLE_MAGIC):
        raise UnreadableFile(
            _("This is an old Excel file (.xls). Save it as an Excel workbook (.xlsx) or as CSV UTF-8.")
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFile(_("This file is UTF-16 text. Save it as “CSV UTF-8” and upload it again."))
    if any(byte in _BINARY_BYTES for byte in data[:65536]) or b"\x00" in data:
        raise UnreadableFile(_("This is not a CSV or XLSX file. Upload a CSV (UTF-8) or an Excel workbook."))
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile(
            _("This file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again.")
        ) from None
    return FileKind.CSV


def _check_workbook_zip(data: bytes) -> None:
    not_workbook = _("This is not a CSV or XLSX file. Upload a CSV (UTF-8) or an Excel workbook.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise UnreadableFile(not_workbook) from None
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names and "[Content_Types].xml" not in names:
        raise UnreadableFile(not_workbook)
    if "xl/workbook.xml" not in names:
        raise UnreadableFile(_("This is an Office file but not an Excel workbook."))
    if sum(info.file_size for info in infos) > MAX_XLSX_EXPANDED_BYTES:
        raise UnreadableFile(_("This workbook is too large once unpacked. Split it into smaller files."))


def sniff_delimiter(text: str) -> str:
    """The delimiter used most in the header line, outside quotes; a comma when there is none."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "\r\n":
            break
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile(
            _("This file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again.")
        ) from None


def _csv_rows(data: bytes, delimiter: str) -> Generator[list[str]]:
    reader = csv.reader(io.StringIO(_decode(data), newline=""), delimiter=delimiter)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise UnreadableFile(
                _("Row %(row)d cannot be read as CSV (a field may be too long or badly quoted).")
                % {"row": reader.line_num}
            ) from None
        yield row


def cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a person sees; formulas are read as their last computed value."""
    text: str
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, datetime):
        text = value.isoformat(sep=" ")
    elif isinstance(value, date | time):
        text = value.isoformat()
    elif isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
    else:
        text = str(value)
    return text


def _xlsx_rows(data: bytes) -> Generator[list[str]]:
    from openpyxl import load_workbook

    unreadable = _("This Excel workbook cannot be read. Open it in Excel, save it again and retry.")
    try:
        # read_only streams the sheet; data_only gives formulas' cached values, never evaluating them.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    # openpyxl raises many kinds of errors on damaged files; all of them mean "unreadable".
    except Exception:
        raise UnreadableFile(unreadable) from None
    try:
        if not workbook.worksheets:
            raise UnreadableFile(_("This workbook has no worksheet."))
        sheet = workbook.worksheets[0]
        # Many writers record a wrong size for the sheet; read what is really there.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except UnreadableFile:
                raise
            except Exception:  # damaged XML inside the zip
                raise UnreadableFile(unreadable) from None
            yield [cell_text(value) for value in values]
    finally:
        workbook.close()


def _raw_rows(data: bytes, kind: FileKind, delimiter: str) -> Generator[list[str]]:
    if kind == FileKind.XLSX:
        return _xlsx_rows(data)
    return _csv_rows(data, delimiter or ",")


def _headers(raw: list[str]) -> tuple[str, ...]:
    """Column names, trimmed; blank ones named after their letter and repeated ones numbered."""
    while raw and not raw[-1].strip():
        raw = raw[:-1]
    names: list[str] = []
    seen: dict[str, int] = {}
    for index, value in enumerate(raw):
        name = " ".join(value.split())[:100] or _("Column %(letter)s") % {"letter": column_letter(index)}
        seen[name.lower()] = seen.get(name.lower(), 0) + 1
        if seen[name.lower()] > 1:
            name = f"{name} ({seen[name.lower()]})"
        names.append(name)
    return tuple(names)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA, as spreadsheets name columns."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def open_table(data: bytes, kind: FileKind, delimiter: str = "") -> Table:
    """The file's header and rows; raises UnreadableFile when there is no header row."""
    raw_rows = _raw_rows(data, kind, delimiter)
    try:
        first = next(raw_rows, None)
    finally:
        raw_rows.close()
    headers = _headers(first or [])
    if not headers:
        raise UnreadableFile(_("The first row must hold the column names, but it is empty."))
    if len(headers) > MAX_COLUMNS:
        raise UnreadableFile(
            _("The file has %(count)d columns; at most %(limit)d can be imported.")
            % {"count": len(headers), "limit": MAX_COLUMNS}
        )
    return Table(data=data, kind=kind, delimiter=delimiter, headers=headers)


def inspect_file(data: bytes) -> FileSummary:
    """Check a whole upload once: its type, its header and its size in rows."""
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFile(_("The file is larger than 20 MB. Split it into smaller files."))
    kind = detect_kind(data)
    delimiter = sniff_delimiter(_decode(data)[:65536]) if kind == FileKind.CSV else ""
    table = open_table(data, kind, delimiter)
    count = sum(1 for _row in islice(table.rows(), MAX_ROWS + 1))
    if count > MAX_ROWS:
        raise UnreadableFile(
            _("The file has more than %(limit)s rows. Split it into smaller files.")
            % {"limit": f"{MAX_ROWS:,}"}
        )
    if count == 0:
        raise UnreadableFile(_("The file has column names but no rows to import."))
    return FileSummary(kind=kind, delimiter=delimiter, headers=table.headers, row_count=count)
