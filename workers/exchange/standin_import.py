"""What the stand-in bureau checks in a submission and how it imports it, the way DHIS2 would.

Shape errors (not JSON, unknown keys, a value that is not a number, a malformed ADX document) are a 400
with a message. Content the bureau cannot take (an unknown data set, a period of the wrong type, an org
unit not assigned, an unknown data element or category option combo) becomes conflicts in the import
summary; if nothing could be imported the summary's status is ERROR (answered 409).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from renkou.indicators import periods
from renkou.submissions import definitions, formats

JSON_KEYS = {"dataSet", "period", "orgUnit", "completeDate", "dataValues"}
VALUE_KEYS = {"dataElement", "categoryOptionCombo", "value", "period", "orgUnit"}


class ShapeError(ValueError):
    """A request the bureau cannot read at all (400)."""


@dataclass
class ValueSet:
    """One data set, period and org unit with its values: [(data element, combo id, Decimal)]."""

    data_set: str
    period: str
    org_unit: str
    values: list[tuple[str, str, Decimal]]
    # Values whose disaggregation matched no combo (ADX only): (data element, attributes)
    unmatched: list[tuple[str, dict]] = field(default_factory=list)

    def canonical(self) -> tuple:
        return (self.data_set, self.period, self.org_unit, tuple(sorted(self.values)),
                tuple(sorted((de, tuple(sorted(a.items()))) for de, a in self.unmatched)))


def _decimal(value, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ShapeError(f"{where}: the value must be a number or a string of one")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ShapeError(f"{where}: {value!r} is not a number") from None
    if not number.is_finite():
        raise ShapeError(f"{where}: {value!r} is not a number")
    return number


def read_json(body: bytes) -> list[ValueSet]:
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ShapeError(f"not JSON: {error}") from None
    if not isinstance(document, dict):
        raise ShapeError("the body must be a JSON object (a data value set)")
    unknown = set(document) - JSON_KEYS
    if unknown:
        raise ShapeError(f"unknown fields: {', '.join(sorted(unknown))}")
    for name in ("dataSet", "period", "orgUnit"):
        if not isinstance(document.get(name), str) or not document[name]:
            raise ShapeError(f"{name} is required and must be a string")
    if "completeDate" in document:
        try:
            date.fromisoformat(str(document["completeDate"]))
        except ValueError:
            raise ShapeError("completeDate must be a date (YYYY-MM-DD)") from None
    items = document.get("dataValues")
    if not isinstance(items, list) or not items:
        raise ShapeError("dataValues must be a non-empty list")
    values = []
    for index, item in enumerate(items):
        where = f"dataValues[{index}]"
        if not isinstance(item, dict) or set(item) - VALUE_KEYS or "dataElement" not in item or "value" not in item:
            raise ShapeError(f"{where} must hold dataElement, value and optionally categoryOptionCombo, period "
                             "and orgUnit, nothing else")
        for name in ("period", "orgUnit"):  # a value may name its own; this bureau takes one set at a time
            if name in item and item[name] != document[name]:
                raise ShapeError(f"{where}.{name} differs from the set's {name}")
        values.append((str(item["dataElement"]), str(item.get("categoryOptionCombo") or definitions.DEFAULT.id),
                       _decimal(item["value"], where)))
    _no_repeats(values)
    return [ValueSet(document["dataSet"], document["period"], document["orgUnit"], values)]


def read_adx(body: bytes, stat_year_start_month: int) -> list[ValueSet]:
    try:
        groups = formats.parse_adx(body, stat_year_start_month)
    except formats.FormatError as error:
        raise ShapeError(f"not a valid ADX message: {error}") from None
    sets = []
    for group in groups:
        values, unmatched = [], []
        for index, item in enumerate(group["dataValues"]):
            combo = definitions.combo_for_attributes(item["attributes"])
            if combo is None:
                unmatched.append((item["dataElement"], item["attributes"]))
                continue
            values.append((item["dataElement"], combo.id, _decimal(item["value"], f"dataValue {index + 1}")))
        _no_repeats(values)
        sets.append(ValueSet(group["dataSet"], group["period"], group["orgUnit"], values, unmatched))
    return sets


def _no_repeats(values: list[tuple[str, str, Decimal]]) -> None:
    keys = [(element, combo) for element, combo, _value in values]
    if len(keys) != len(set(keys)):
        raise ShapeError("a data element and category option combo appear twice")


@dataclass
class ImportResult:
    imported: int = 0
    updated: int = 0
    ignored: int = 0
    conflicts: list[dict] = field(default_factory=list)
    # (data set, period, org unit, data element, combo) → value, for the values that are taken
    accepted: dict[tuple, Decimal] = field(default_factory=dict)

    @property
    def status(self) -> str:
        if not self.accepted:
            return "ERROR"
        return "WARNING" if self.conflicts else "SUCCESS"


def import_sets(sets: list[ValueSet], stored_values: dict[tuple, Decimal], org_unit: str | None) -> ImportResult:
    """Check the sets against the bureau's metadata (the report definitions) and count what they change."""
    result = ImportResult()
    for value_set in sets:
        elements = _known_elements(value_set, org_unit, result)
        for data_element, attributes in value_set.unmatched:
            result.ignored += 1
            result.conflicts.append({"object": data_element,
                                     "value": f"no category option combo has the options {attributes}"})
        for data_element, combo, value in value_set.values:
            if elements is None:
                result.ignored += 1
                continue
            if (data_element, combo) not in elements:
                result.ignored += 1
                result.conflicts.append({"object": data_element, "value": f"Data element {data_element} with "
                                         f"category option combo {combo} is not part of data set {value_set.data_set}"})
                continue
            key = (value_set.data_set, value_set.period, value_set.org_unit, data_element, combo)
            if key in stored_values:
                result.updated += 1
            else:
                result.imported += 1
            result.accepted[key] = value
    return result


def _known_elements(value_set: ValueSet, org_unit: str | None, result: ImportResult) -> set | None:
    """The (data element, combo) pairs of the data set for the period; None (with a conflict) when the set
    as a whole cannot be taken."""
    versions = definitions.by_data_set(value_set.data_set)
    if not versions:
        result.conflicts.append({"object": value_set.data_set, "value": "Data set not found or not accessible"})
        return None
    if org_unit is not None and value_set.org_unit != org_unit:
        result.conflicts.append({"object": value_set.org_unit, "value": "Org unit is not assigned to the data set"})
        return None
    try:
        period = periods.parse(value_set.period)
        definition = definitions.definition_for(versions[0].report, period)
    except (periods.PeriodError, definitions.NoDefinition):
        result.conflicts.append({"object": value_set.period,
                                 "value": f"Period {value_set.period} is not valid for data set {value_set.data_set}"})
        return None
    return {(element.data_element, element.combo.id) for element in definition.elements}
