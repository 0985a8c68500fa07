"""Inspections of medical units against non-medical fetal sex identification and sex-selective
termination (两非), with the checklist in force on the inspection's date; failed items raise findings.

Also the inspection coverage (医疗机构巡查覆盖率) of a period, for the clinic_inspection indicator.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from renkou.audit import services as audit
from renkou.errors import NotFoundError, ServiceError
from renkou.extensions import db
from renkou.pagination import Page, paginate
from tenants.clinics import rules
from tenants.clinics.models import Inspection, InspectionItem, MedicalUnit
from tenants.clinics.services import findings

INSPECTION_FIELDS = ("unit_id", "inspection_date", "inspectors", "notes")


@dataclasses.dataclass
class InspectionFilter:
    unit_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def inspections_statement(filters: InspectionFilter) -> Select:
    """Inspections, latest first."""
    statement = select(Inspection).order_by(Inspection.inspection_date.desc(), Inspection.id.desc())
    if filters.unit_id:
        statement = statement.where(Inspection.unit_id == filters.unit_id)
    if filters.date_from:
        statement = statement.where(Inspection.inspection_date >= filters.date_from)
    if filters.date_to:
        statement = statement.where(Inspection.inspection_date <= filters.date_to)
    return statement


def list_inspections(filters: InspectionFilter, page: int = 1, per_page: int = 50) -> Page:
    """One page of inspections (see inspections_statement)."""
    return paginate(db.session, inspections_statement(filters), page, per_page)


def get_inspection(inspection_id: int) -> Inspection:
    inspection = db.session.get(Inspection, inspection_id)
    if inspection is None:
        raise NotFoundError(str(_l("No such inspection.")))
    return inspection


def read_inspection(inspection_id: int) -> Inspection:
    inspection = get_inspection(inspection_id)
    audit.record("clinic_inspection.read", record_type="clinic_inspection", record_id=inspection.id)
    return inspection


def create_inspection(data: dict) -> Inspection:
    """Record an inspection: a result (pass, fail, not applicable) for every item of the checklist in
    force on its date (default today), a note for every failed item. Each failed item raises a finding
    due ``rectification_deadline`` (default: the configured number of days after the inspection)."""
    values = {field: data.get(field) for field in INSPECTION_FIELDS}
    values["inspection_date"] = values["inspection_date"] or rules.today()
    deadline = data.get("rectification_deadline")
    errors = _inspection_errors(values, deadline)
    items = data.get("items") or []
    errors.update(_item_errors(items, values["inspection_date"]))
    if errors:
        raise ServiceError(errors)
    inspection = Inspection(**values)
    inspection.items = [InspectionItem(code=item["code"], result=item["result"],
                                       note=(item.get("note") or "").strip() or None) for item in items]
    db.session.add(inspection)
    db.session.flush()
    audit.record("clinic_inspection.create", record_type="clinic_inspection", record_id=inspection.id,
                 detail={"fields": sorted([k for k, v in values.items() if v not in (None, "")] + ["items"]),
                         "failed": inspection.failed})
    findings.raise_inspection_findings(inspection, deadline)
    return inspection


def _inspection_errors(values: dict, deadline: date | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not values.get("unit_id"):
        errors["unit_id"] = [str(_l("This field is required."))]
    elif db.session.get(MedicalUnit, values["unit_id"]) is None:
        errors["unit_id"] = [str(_l("No such medical unit."))]
    if not (values.get("inspectors") or "").strip():
        errors["inspectors"] = [str(_l("This field is required."))]
    if values["inspection_date"] > rules.today():
        errors["inspection_date"] = [str(_l("The date is in the future."))]
    if deadline is not None and deadline < values["inspection_date"]:
        errors["rectification_deadline"] = [str(_l("The deadline is before the inspection."))]
    return errors


def _item_errors(items: list[dict], day: date) -> dict[str, list[str]]:
    """Every item of the checklist in force on ``day`` answered once, nothing else; failures explained."""
    checklist = rules.checklist_on(day)
    codes = [item["code"] for item in items]
    errors: dict[str, list[str]] = {}
    if any(code not in checklist for code in codes) or len(set(codes)) != len(codes):
        errors["items"] = [str(_l("Answer each item of the checklist in force on the inspection's date once."))]
    elif missing := [code for code in checklist if code not in codes]:
        errors["items"] = [str(_l("Answer every item of the checklist."))]
        errors.update({code: [str(_l("This field is required."))] for code in missing})
    for item in items:
        if item["result"] == "fail" and not (item.get("note") or "").strip():
            errors[f"{item['code']}_note"] = [str(_l("Say what was wrong."))]
    return errors


class Coverage(NamedTuple):
    """(units inspected in the period, active units): the numerator and denominator of an indicator."""

    inspected: int
    units: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.inspected / self.units, 2) if self.units else None


def inspection_coverage(start: date, end: date) -> Coverage:
    """Inspection coverage of medical units (医疗机构巡查覆盖率, DESIGN.md §7 clinic_inspection).

        numerator   = active medical units with at least one inspection dated start ≤ date ≤ end
        denominator = active medical units (MedicalUnit.active, as recorded now)
        rate        = numerator / denominator × 100 %

    Every kind of unit counts (health centres, village clinics, private clinics, hospitals). A unit
    inspected twice counts once; a deactivated unit counts in neither, so the numerator never exceeds the
    denominator. The county sums numerators and denominators over towns; it never averages rates.
    """
    units = db.session.scalar(select(func.count(MedicalUnit.id)).where(MedicalUnit.active.is_(True))) or 0
    inspected = db.session.scalar(
        select(func.count(func.distinct(Inspection.unit_id)))
        .join(MedicalUnit, Inspection.unit_id == MedicalUnit.id)
        .where(MedicalUnit.active.is_(True), Inspection.inspection_date >= start,
               Inspection.inspection_date <= end)) or 0
    return Coverage(inspected, units)
