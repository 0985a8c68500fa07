"""Reading XLSX (python-calamine) and CSV uploads, writing XLSX templates and exports (openpyxl).

An XLSX file is a zip archive: before anything parses it, its entries are measured (the sizes they
declare, then the bytes they really unpack to, up to a limit) and its rows counted, so a zip bomb or a
sheet of a million rows is refused in well under a second with a reason.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from python_calamine import CalamineWorkbook

MAX_BYTES = 20 * 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"
# Defaults of the settings import_max_unpacked_mb and import_max_rows.
MAX_UNPACKED_BYTES = 150 * 1024 * 1024
MAX_ROWS = 200_000
_READ_BLOCK = 1024 * 1024


class UnreadableFile(ValueError):
    """The upload is not a spreadsheet this reads, or lacks required columns; the message says which."""


@dataclasses.dataclass(frozen=True)
class Column:
    field: str
    header: str  # the Chinese header people see in the template
    required: bool = False
    example: str = ""
    # A date and time: a date-and-time cell keeps its time (a plain date column reads as the date alone).
    with_time: bool = False
    # Exports mask this column (ID numbers, phones): a masked cell on a row that finds its record means
    # "unchanged" (see renkou.imports.bulk.MASKED).
    maskable: bool = False


def check_upload(filename: str, content: bytes) -> None:
    if not content:
        raise UnreadableFile(str(_l("The file is empty.")))
    if len(content) > MAX_BYTES:
        raise UnreadableFile(str(_l("The file is larger than 20 MB; split it into several files.")))
    lowered = filename.lower()
    if lowered.endswith(".xlsx"):
        if not content.startswith(XLSX_MAGIC):
            raise UnreadableFile(str(_l("The file is not a real .xlsx workbook.")))
    elif not lowered.endswith(".csv"):
        raise UnreadableFile(str(_l("Upload an .xlsx or .csv file (use the template).")))


@dataclasses.dataclass(frozen=True)
class Limits:
    unpacked_bytes: int = MAX_UNPACKED_BYTES
    rows: int = MAX_ROWS


def measure(filename: str, content: bytes, limits: Limits = Limits()) -> int:
    """How many rows the file has after its header row (for an XLSX file, counted without parsing it),
    refusing a file that would unpack to more than ``limits.unpacked_bytes`` or has more than
    ``limits.rows`` rows."""
    if filename.lower().endswith(".xlsx"):
        rows = _xlsx_row_elements(content, limits) - 1
    else:
        rows = count_rows(filename, content)
    if rows > limits.rows:
        raise UnreadableFile(str(_l("The file has more than %(rows)s rows; split it into several files.",
                                    rows=f"{limits.rows:,}")))
    return max(rows, 0)


def _xlsx_row_elements(content: bytes, limits: Limits) -> int:
    too_large = UnreadableFile(str(_l("The workbook unpacks to more than %(size)s MB; split it into several "
                                      "files.", size=limits.unpacked_bytes // (1024 * 1024))))
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = archive.infolist()
        if sum(entry.file_size for entry in entries) > limits.unpacked_bytes:
            raise too_large
        budget, rows = limits.unpacked_bytes, 0
        # The data sheet is the first (a template's 说明 sheet comes after it).
        data_sheet = min((entry.filename for entry in entries if entry.filename.startswith("xl/worksheets/sheet")),
                         key=lambda name: (len(name), name), default=None)
        for entry in entries:  # the sizes an entry declares may lie: count what it really unpacks to
            sheet = entry.filename == data_sheet
            with archive.open(entry) as stream:
                tail = b""
                while block := stream.read(_READ_BLOCK):
                    budget -= len(block)
                    if budget < 0:
                        raise too_large
                    if sheet:
                        text = tail + block  # a row element, with or without a namespace prefix
                        rows += text.count(b"<row ") + text.count(b"<row>") + text.count(b":row ")
                        tail = block[-4:]
                    if rows > limits.rows + 1:
                        return rows
        return rows
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError) as exc:
        raise UnreadableFile(str(_l("The workbook cannot be opened: %(reason)s", reason=type(exc).__name__))) from exc


def read_rows(filename: str, content: bytes, columns: list[Column]) -> Iterator[tuple[int, dict[str, str]]]:
    """(spreadsheet row number, {field: text}) for every non-blank data row, headers matched by name."""
    raw_rows = _xlsx_rows(content) if filename.lower().endswith(".xlsx") else _csv_rows(content)
    header_row = next(raw_rows, None)
    if header_row is None:
        raise UnreadableFile(str(_l("The file has no header row.")))
    positions = _match_headers(header_row, columns)
    with_time = {column.field for column in columns if column.with_time}
    for number, values in enumerate(raw_rows, start=2):
        row = {field: _text(values[index], field in with_time) if index < len(values) else ""
               for field, index in positions.items()}
        if any(row.values()):
            yield number, row


def count_rows(filename: str, content: bytes) -> int:
    raw_rows = _xlsx_rows(content) if filename.lower().endswith(".xlsx") else _csv_rows(content)
    next(raw_rows, None)
    return sum(1 for values in raw_rows if any(_text(value) for value in values))


def _match_headers(header_row, columns: list[Column]) -> dict[str, int]:
    names = [_text(value).rstrip("*").strip() for value in header_row]
    positions = {}
    for column in columns:
        for candidate in (column.header, column.field):
            if candidate in names:
                positions[column.field] = names.index(candidate)
                break
    missing = [column.header for column in columns if column.required and column.field not in positions]
    if missing:
        raise UnreadableFile(str(_l("Required columns are missing: %(columns)s. Use the template.",
                                    columns="、".join(missing))))
    return positions


def _xlsx_rows(content: bytes) -> Iterator[list]:
    """The first sheet's rows (the data sheet: a template's explanations are on a later sheet)."""
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheet = workbook.get_sheet_by_index(0)
        rows = sheet.iter_rows()
    except Exception as exc:  # calamine raises its own kinds for a damaged file
        raise UnreadableFile(str(_l("The workbook cannot be opened: %(reason)s", reason=type(exc).__name__))) from exc
    yield from rows


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    # Excel in China saves CSV as GBK unless told otherwise; UTF-8 (with or without BOM) is tried first.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableFile(str(_l("The CSV file is neither UTF-8 nor GBK text.")))
    yield from csv.reader(io.StringIO(text))


def _text(value, with_time: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        if with_time:
            return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# Text a spreadsheet program would run as a formula (CSV/formula injection: =HYPERLINK(…), +cmd|…, @SUM(…)).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
# Excel refuses these in a sheet's name, and names longer than 31 characters.
_SHEET_TITLE_FORBIDDEN = re.compile(r"[/\\?*\[\]:]")
SHEET_TITLE_LENGTH = 31


def safe_text(value) -> str:
    """``value`` as cell text that opens as text: one starting like a formula gets a leading ``'``.

    Plain signed numbers (``-12.5``) are left as they are; they run nothing.
    """
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


def safe_sheet_title(title: str) -> str:
    """``title`` as Excel accepts a sheet name: 扶助金发放（奖励扶助/特别扶助） → 扶助金发放（奖励扶助、特别扶助）.

    A slash between alternatives reads naturally as 、 in Chinese; other forbidden characters become a
    space. Names are cut to 31 characters; an empty result is "Sheet1".
    """
    cleaned = _SHEET_TITLE_FORBIDDEN.sub(lambda match: "、" if match.group() == "/" else " ", title or "")
    return cleaned.strip(" '")[:SHEET_TITLE_LENGTH].strip() or "Sheet1"


def write_xlsx(headers: list[str], rows, sheet_title: str = "Sheet1",
               more_sheets: tuple[tuple[str, list[str], list], ...] = ()) -> bytes:
    """A workbook with a header row; every cell is stored as text (so ID numbers keep every digit and
    user text never becomes a formula). ``more_sheets`` are (title, headers, rows) of further sheets after
    the first (an import reads only the first)."""
    workbook = Workbook(write_only=True)
    for title, sheet_headers, sheet_rows in ((sheet_title, headers, rows), *more_sheets):
        sheet = workbook.create_sheet(title=safe_sheet_title(title))
        sheet.append([_text_cell(sheet, header) for header in sheet_headers])
        for row in sheet_rows:
            sheet.append([_text_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text_cell(sheet, value) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=safe_text(value))
    cell.data_type = "s"  # openpyxl would otherwise store text starting with "=" as a formula
    return cell
