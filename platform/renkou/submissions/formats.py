"""The three shapes of a submission: DHIS2 dataValueSets JSON (what is stored), ADX XML and XLSX.

The stored payload is the JSON data value set; ADX and the workbook are rendered from it (with the
report definition for ADX's disaggregation attributes), so all three always say the same thing.

ADX (IHE QRPH, urn:ihe:qrph:adx:2015): ``<adx exported=…>`` holds a ``<group dataSet orgUnit period>``
whose period is ``start/duration`` from the canonical period start (``2026-01-01/P1M``); each
``<dataValue dataElement value>`` carries its category options as further attributes (``SEX="M"``).
"""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from datetime import date, datetime
from decimal import Decimal

from renkou.indicators import periods
from renkou.indicators.periods import Period
from renkou.submissions import definitions
from renkou.submissions.definitions import ReportDefinition

ADX_NAMESPACE = "urn:ihe:qrph:adx:2015"
JSON_CONTENT_TYPE = "application/json"
ADX_CONTENT_TYPE = "application/adx+xml"
_DURATION_KIND = {"P1M": periods.MONTH, "P3M": periods.QUARTER, "P6M": periods.HALF_YEAR}


class FormatError(ValueError):
    """A document that is not a well-formed ADX message of the expected shape."""


def number(value: Decimal) -> str:
    """A figure as the bureau reads it: no exponent, no trailing zeros (12, 1234.5, -3)."""
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "") else text


def data_value_set(definition: ReportDefinition, period: Period, org_unit: str, complete_date: date,
                   totals: dict[str, Decimal]) -> dict:
    """The dataValueSets document: one data value per element of the definition, in its order. Each value
    names its period and org unit as well as the set (DHIS2 reads a value's own first, and a value copied
    out of the set still says what it is)."""
    return {
        "dataSet": definition.data_set,
        "period": period.id,
        "orgUnit": org_unit,
        "completeDate": complete_date.isoformat(),
        "dataValues": [{"dataElement": element.data_element, "categoryOptionCombo": element.combo.id,
                        "period": period.id, "orgUnit": org_unit, "value": number(totals[element.source])}
                       for element in definition.elements],
    }


def to_json(payload: dict) -> bytes:
    """The bytes sent and signed: UTF-8 JSON with a fixed key order."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# ---------------------------------------------------------------------------------------------------------
# ADX


def adx_period(period: Period) -> str:
    return period.iso_duration


def period_from_adx(value: str, stat_year_start_month: int = 10) -> Period:
    """The period an ADX ``start/duration`` names; FormatError unless it is one of the canonical periods."""
    start_text, _, duration = (value or "").partition("/")
    try:
        start = date.fromisoformat(start_text)
    except ValueError:
        raise FormatError(f"period {value!r}: the start is not a date") from None
    if duration == "P1Y":
        kind = periods.YEAR if start.month == 1 else periods.STAT_YEAR
    elif duration in _DURATION_KIND:
        kind = _DURATION_KIND[duration]
    else:
        raise FormatError(f"period {value!r}: the duration must be P1M, P3M, P6M or P1Y")
    canonical = periods.period_containing(kind, start, stat_year_start_month)
    if canonical.start != start:
        raise FormatError(f"period {value!r} does not start where a {kind} period starts")
    return canonical


def to_adx(payload: dict, definition: ReportDefinition, exported: datetime) -> bytes:
    """The payload as an ADX message (one group), disaggregation written as data value attributes."""
    ET.register_namespace("", ADX_NAMESPACE)
    root = ET.Element(f"{{{ADX_NAMESPACE}}}adx", {"exported": exported.isoformat(timespec="seconds")})
    group = ET.SubElement(root, f"{{{ADX_NAMESPACE}}}group", {
        "dataSet": payload["dataSet"], "orgUnit": payload["orgUnit"],
        "period": adx_period(periods.parse(payload["period"]))})
    combos = {combo.id: combo for combo in definitions.COMBOS}
    for item in payload["dataValues"]:
        attributes = {"dataElement": item["dataElement"]}
        attributes.update(combos[item["categoryOptionCombo"]].attributes)
        attributes["value"] = item["value"]
        ET.SubElement(group, f"{{{ADX_NAMESPACE}}}dataValue", attributes)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def parse_adx(content: bytes, stat_year_start_month: int = 10) -> list[dict]:
    """The groups of an ADX message, each as a dataValueSets-like dict whose data values keep their
    disaggregation attributes: [{"dataSet", "period" (a DHIS2 id), "orgUnit", "exported",
    "dataValues": [{"dataElement", "value", "attributes": {…}}]}]. FormatError on anything else.

    A document type declaration is refused outright: ADX needs none, and entities are the way XML
    parsers are attacked.
    """
    if b"<!DOCTYPE" in content.upper() or b"<!ENTITY" in content.upper():
        raise FormatError("a document type declaration is not allowed")
    try:
        root = ET.fromstring(content)
    except ET.ParseError as error:
        raise FormatError(f"not well-formed XML: {error}") from None
    if root.tag != f"{{{ADX_NAMESPACE}}}adx":
        raise FormatError(f"the root must be <adx> in the namespace {ADX_NAMESPACE}")
    exported = root.get("exported")
    try:
        datetime.fromisoformat(exported or "")
    except ValueError:
        raise FormatError("<adx> needs an exported attribute with a date and time") from None
    groups = []
    for group in root:
        if group.tag != f"{{{ADX_NAMESPACE}}}group":
            raise FormatError(f"unexpected element {group.tag} in <adx>")
        groups.append(_group(group, exported, stat_year_start_month))
    if not groups:
        raise FormatError("<adx> holds no <group>")
    return groups


def _group(group: ET.Element, exported: str, stat_year_start_month: int) -> dict:
    missing = [name for name in ("dataSet", "orgUnit", "period") if not group.get(name)]
    if missing:
        raise FormatError(f"<group> lacks {', '.join(missing)}")
    values = []
    for item in group:
        if item.tag != f"{{{ADX_NAMESPACE}}}dataValue":
            raise FormatError(f"unexpected element {item.tag} in <group>")
        if not item.get("dataElement") or item.get("value") is None:
            raise FormatError("<dataValue> needs dataElement and value")
        attributes = {key: value for key, value in item.attrib.items() if key not in ("dataElement", "value")}
        values.append({"dataElement": item.get("dataElement"), "value": item.get("value"),
                       "attributes": attributes})
    return {"dataSet": group.get("dataSet"), "orgUnit": group.get("orgUnit"), "exported": exported,
            "period": period_from_adx(group.get("period"), stat_year_start_month).id, "dataValues": values}


# ---------------------------------------------------------------------------------------------------------
# XLSX for people


def cell_number(text: str | None) -> int | float | None:
    """A figure as a spreadsheet number (text cells neither sum nor sort): whole numbers as int, others as
    float (the figures carry at most 4 decimals, well within a double)."""
    if text in (None, ""):
        return None
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else float(value)


def to_xlsx(submission, definition: ReportDefinition, labels: dict[str, str]) -> bytes:
    """A workbook people can read: the data values with what each one is, then each town's figures.

    ``labels`` gives each source a name (生育登记率 分子 …); headers are Chinese, as in every export.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "报送数据"
    for row in (("报表", submission.report), ("数据集", submission.data_set), ("期间", submission.period),
                ("组织机构", submission.org_unit), ("修订版本", submission.revision),
                ("定义版本", submission.definition_version), ("汇总乡镇数", submission.towns_included)):
        sheet.append([row[0], row[1] if isinstance(row[1], int) else str(row[1])])
    sheet.append(["完成日期", date.fromisoformat(submission.payload["completeDate"])])
    sheet.cell(sheet.max_row, 2).number_format = "yyyy-mm-dd"
    sheet.append([])
    header = ["数据元", "类别组合", "含义", "值"]
    sheet.append(header)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for item in submission.payload["dataValues"]:
        element = definition.element(item["dataElement"], item["categoryOptionCombo"])
        sheet.append([item["dataElement"], item["categoryOptionCombo"],
                      labels.get(element.source, element.source) if element else "", cell_number(item["value"])])
    towns = workbook.create_sheet("各乡镇")
    sources = [element.source for element in definition.elements if element.source != definitions.COUNT_TOWNS]
    towns.append(["乡镇代码", "乡镇", *[labels.get(source, source) for source in sources]])
    for cell in towns[1]:
        cell.font = Font(bold=True)
    for code, town in sorted(submission.sources.items()):
        towns.append([code, town["name"], *[cell_number(town["figures"].get(source)) for source in sources]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
