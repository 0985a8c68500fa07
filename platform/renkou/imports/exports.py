"""Exporting a town's list as an XLSX download: the one response every area's "Export to Excel" returns.

An area's service builds the ``Sheet`` (Chinese headers, personal data masked, the export audited) from
the same filters as the list page; its view hands the sheet to ``xlsx_response``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from flask import Response, send_file

from renkou.imports.spreadsheets import safe_text, write_xlsx

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# An export holds at most this many rows (a town's registers are far smaller; this bounds a runaway query).
EXPORT_LIMIT = 100_000


class Sheet(NamedTuple):
    """One exported list: its header row, its rows (any iterable, read once) and the sheet's name."""

    headers: list[str]
    rows: Iterable[Sequence]
    title: str = "Sheet1"


def csv_response(filename: str, sheet: Sheet) -> Response:
    """The sheet as a UTF-8 CSV download (with a BOM, so that Excel reads the Chinese), formulas neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_text(header) for header in sheet.headers])
    writer.writerows([safe_text(value) for value in row] for row in sheet.rows)
    content = ("\ufeff" + buffer.getvalue()).encode()
    return send_file(io.BytesIO(content), mimetype="text/csv", as_attachment=True, download_name=filename)


def xlsx_response(filename: str, sheet: Sheet) -> Response:
    """The sheet as a workbook download named ``filename``."""
    content = write_xlsx(sheet.headers, sheet.rows, sheet.title)
    return send_file(io.BytesIO(content), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=filename)
