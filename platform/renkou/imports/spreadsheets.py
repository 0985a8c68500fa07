"""Reading XLSX and CSV uploads and writing XLSX exports (openpyxl)."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Iterator
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook

MAX_BYTES = 20 * 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"


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


def _xlsx_rows(content: bytes) -> Iterator[tuple]:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise UnreadableFile(str(_l("The workbook cannot be opened: %(reason)s", reason=type(exc).__name__))) from exc
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    finally:
        workbook.close()


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


# Excel refuses these in a sheet's name, and names longer than 31 characters.
_SHEET_TITLE_FORBIDDEN = re.compile(r"[/\\?*\[\]:]")
SHEET_TITLE_LENGTH = 31


def safe_sheet_title(title: str) -> str:
    """``title`` as Excel accepts a sheet name: 扶助金发放（奖励扶助/特别扶助） → 扶助金发放（奖励扶助、特别扶助）.

    A slash between alternatives reads naturally as 、 in Chinese; other forbidden characters become a
    space. Names are cut to 31 characters; an empty result is "Sheet1".
    """
    cleaned = _SHEET_TITLE_FORBIDDEN.sub(lambda match: "、" if match.group() == "/" else " ", title or "")
    return cleaned.strip(" '")[:SHEET_TITLE_LENGTH].strip() or "Sheet1"


def write_xlsx(headers: list[str], rows, sheet_title: str = "Sheet1") -> bytes:
    """A workbook with a bold header row; cells are written as text so ID numbers keep every digit."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=safe_sheet_title(sheet_title))
    sheet.append(headers)
    for row in rows:
        sheet.append(["" if value is None else str(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
