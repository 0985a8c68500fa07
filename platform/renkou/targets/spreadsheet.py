"""The targets grid as a workbook: a template to fill in (with the targets already set), and its import.

The sheet is named after the period id; a row per town (乡镇代码, 乡镇名称) plus a county row (代码
"county" or "全县"); a column per indicator, headed by its code (its Chinese name is accepted too). A
second sheet explains the codes, units and ranges.

Importing: only the rows and indicator columns in the file are touched; in them a blank cell removes a
target. The dry run lists every problem by row and column; the commit writes all the file's targets in
one transaction, or nothing.
"""

from __future__ import annotations

import dataclasses
import io
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from renkou.indicators import catalog
from renkou.indicators.catalog import Indicator
from renkou.indicators.periods import Period, PeriodError, parse
from renkou.targets import grid as grids
from renkou.targets import rules, services
from renkou.targets.models import COUNTY_SCOPE, SOURCE_COUNTY
from renkou.targets.period_input import label

CODE_HEADER, NAME_HEADER = "乡镇代码", "乡镇名称"
COUNTY_CODES = (COUNTY_SCOPE, "全县")
# The checked file rides back to the commit in a form field, which Werkzeug caps at 500 KB; a county's grid is
# a few KB.
MAX_BYTES = 300 * 1024
MAX_ROWS = 1000
GUIDE_SHEET = "指标说明"


# ---------------------------------------------------------------------------------------------------------
# The template


def template(period: Period) -> bytes:
    """The grid of ``period`` as a workbook, filled with the targets already set."""
    grid = grids.load(period)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = period.id
    sheet.append([CODE_HEADER, NAME_HEADER, *[indicator.code for indicator in grid.indicators]])
    for row in grid.rows:
        values = [_cell(grid.value(row.scope, indicator.code)) for indicator in grid.indicators]
        sheet.append([COUNTY_SCOPE if row.town is None else row.town.code, row.label, *values])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=2, max_col=1):
        row[0].number_format = "@"  # codes stay text: 9 digits, no scientific notation
    sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width = 14, 18
    _guide(workbook.create_sheet(GUIDE_SHEET), period, grid.indicators)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(value: Decimal | None):
    return None if value is None else float(value) if value != value.to_integral() else int(value)


def _guide(sheet, period: Period, indicators: list[Indicator]) -> None:
    sheet.append([str(_l("Targets of %(period)s", period=label(period)))])
    sheet.append([str(_l("A blank cell removes the target; rows and columns left out of the file are not "
                         "touched. Birth and natural-increase rates are monitored, never targeted."))])
    sheet.append([])
    sheet.append([str(_l("Code")), str(_l("Indicator")), str(_l("Unit")), str(_l("Allowed values")),
                  str(_l("Numerator")), str(_l("Denominator"))])
    for indicator in indicators:
        low, high = rules.BOUNDS[indicator.unit]
        sheet.append([indicator.code, indicator.name_zh, rules.unit_label(indicator.unit), f"{low}–{high}",
                      str(indicator.numerator), str(indicator.denominator)])
    sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width = 26, 20


# ---------------------------------------------------------------------------------------------------------
# The import


@dataclasses.dataclass(frozen=True)
class Problem:
    row: int | None  # the spreadsheet's row number; None for the file as a whole
    column: str
    message: str


@dataclasses.dataclass
class Checked:
    """A dry run: the problems, or (when there are none) what the commit would change."""

    problems: list[Problem]
    rows: int = 0
    outcome: services.Outcome | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


class ImportInvalid(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        self.problems = problems


def check(period: Period, filename: str, content: bytes) -> Checked:
    """Read the file and check every target in it against what ``set_targets`` allows; write nothing."""
    try:
        inputs, rows = _read(period, filename, content)
        return Checked([], rows, services.preview(inputs))
    except ImportInvalid as error:
        return Checked(error.problems)


def commit(period: Period, filename: str, content: bytes, actor) -> services.Outcome:
    """Write every target of the file, or nothing: raises ImportInvalid with the problems."""
    inputs, _rows = _read(period, filename, content)
    return services.set_targets(inputs, SOURCE_COUNTY, actor)


def _problems_of(error: services.TargetsInvalid) -> list[Problem]:
    problems = []
    for (row, column), fields in error.by_key.items():
        for field, messages in fields.items():
            problems.extend(Problem(row, CODE_HEADER if field == "town" else column, message) for message in messages)
    return problems


def _read(period: Period, filename: str, content: bytes) -> tuple[list[services.TargetInput], int]:
    """The file's targets and its number of data rows; ImportInvalid with every problem of the file, those
    of its layout and cells and those ``set_targets`` would find, sorted by row."""
    sheet_title, raw_rows = _rows_of(filename, content)
    problems = []
    if sheet_title_period(sheet_title) not in (None, period):
        problems.append(Problem(None, "", str(_l("The file is for %(file)s but you are importing into %(period)s.",
                                                 file=sheet_title, period=period.id))))
    if not raw_rows:
        raise ImportInvalid([Problem(None, "", str(_l("The file has no header row.")))])
    columns, header_problems = _columns(period, raw_rows[0])
    problems.extend(header_problems)
    inputs, seen_codes, data_rows = [], {}, 0
    for number, cells in enumerate(raw_rows[1:], start=2):
        if not any(_text(cell) for cell, _format in cells):
            continue
        data_rows += 1
        if data_rows > MAX_ROWS:
            problems.append(Problem(number, "", str(_l("More than %(count)s rows.", count=MAX_ROWS))))
            break
        row_inputs, row_problems = _row(period, number, cells, columns, seen_codes)
        inputs.extend(row_inputs)
        problems.extend(row_problems)
    try:
        services.validate(inputs)
    except services.TargetsInvalid as error:
        problems.extend(_problems_of(error))
    if problems:
        raise ImportInvalid(sorted(problems, key=lambda problem: (problem.row or 0, problem.column)))
    return inputs, data_rows


def sheet_title_period(title: str) -> Period | None:
    try:
        return parse(title)
    except PeriodError:
        return None


def _rows_of(filename: str, content: bytes) -> tuple[str, list[list[tuple[object, str]]]]:
    """The first sheet's title and rows of (value, number format) pairs."""
    if not filename.lower().endswith(".xlsx"):
        raise ImportInvalid([Problem(None, "", str(_l("Upload an .xlsx file (use the template).")))])
    if not content:
        raise ImportInvalid([Problem(None, "", str(_l("The file is empty.")))])
    if len(content) > MAX_BYTES:
        too_big = _l("The file is larger than %(size)s KB.", size=MAX_BYTES // 1024)
        raise ImportInvalid([Problem(None, "", str(too_big))])
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportInvalid([Problem(None, "", str(_l("The workbook cannot be opened: %(reason)s",
                                                      reason=type(exc).__name__)))]) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = [[(cell.value, getattr(cell, "number_format", "") or "") for cell in row]
                for row in sheet.iter_rows(max_row=MAX_ROWS + 2)]
        return sheet.title, rows
    finally:
        workbook.close()


@dataclasses.dataclass(frozen=True)
class _Columns:
    code: int | None
    name: int | None
    indicators: dict[int, Indicator]  # position → indicator
    headers: dict[int, str]


def _columns(period: Period, header_cells) -> tuple[_Columns, list[Problem]]:
    by_header = {indicator.code: indicator for indicator in catalog.INDICATORS}
    by_header.update({indicator.name_zh: indicator for indicator in catalog.INDICATORS})
    code = name = None
    indicators, headers, problems, seen = {}, {}, [], set()
    for position, (value, _format) in enumerate(header_cells):
        header = _text(value).rstrip("*").strip()
        headers[position] = header
        if not header:
            continue
        if header in (CODE_HEADER, "code", "town_code"):
            code = position
        elif header in (NAME_HEADER, "name", "town_name"):
            name = position
        elif header not in by_header:
            problems.append(Problem(1, header, str(_l("Unknown column: head indicator columns with the codes of "
                                                      "the template."))))
        else:
            indicator = by_header[header]
            if indicator.code in seen:
                problems.append(Problem(1, header, str(_l("This indicator has two columns."))))
            elif not indicator.targetable:
                problems.append(Problem(1, header, services.not_targetable_message(indicator)))
            elif period.kind not in indicator.periods:
                problems.append(Problem(1, header, str(_l("%(indicator)s is not measured by this kind of period.",
                                                          indicator=services.indicator_name(indicator)))))
            else:
                indicators[position] = indicator
            seen.add(indicator.code)
    if not indicators and not problems:
        problems.append(Problem(1, "", str(_l("The file has no indicator columns. Use the template."))))
    if code is None:
        problems.append(Problem(1, CODE_HEADER, str(_l("Required columns are missing: %(columns)s. Use the "
                                                       "template.", columns=CODE_HEADER))))
    return _Columns(code, name, indicators, headers), problems


def _row(period: Period, number: int, cells, columns: _Columns, seen_codes: dict):
    """One data row's inputs (keyed by row number and column header) and the problems of its cells."""
    def cell(position):
        return cells[position] if position is not None and position < len(cells) else (None, "")

    problems, inputs = [], []
    code = _text(cell(columns.code)[0])
    name = _text(cell(columns.name)[0])
    if not code:
        return [], [Problem(number, CODE_HEADER, str(_l("This field is required.")))]
    if code in seen_codes:
        return [], [Problem(number, CODE_HEADER, str(_l("This town is already in row %(row)s.",
                                                        row=seen_codes[code])))]
    seen_codes[code] = number
    is_county = code in COUNTY_CODES
    if not is_county:
        town = services.town_by_code(code)
        if town is not None and name and name != town.name:
            problems.append(Problem(number, NAME_HEADER, str(_l("Town %(code)s is %(name)s, not this name.",
                                                                code=code, name=town.name))))
    for position, indicator in columns.indicators.items():
        value, number_format = cell(position)
        header = columns.headers[position]
        try:
            parsed = rules.parse_value(value)
        except ValueError as error:
            problems.append(Problem(number, header, str(error)))
            continue
        if parsed is not None and isinstance(value, int | float) and "%" in number_format:
            parsed = parsed * 100  # a cell formatted as 95% holds 0.95
        inputs.append(services.TargetInput(indicator.code, period.id, town_id=None, value=parsed,
                                           town_code=None if is_county else code, key=(number, header)))
    return inputs, problems


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
