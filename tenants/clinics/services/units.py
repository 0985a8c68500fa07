"""Medical units of the current town and the services they offer.

The contact person's phone is personal data: stored encrypted, masked on lists, in full only on the
record page, whose every read is audited (lists of masked rows are not reads). Units that
close are deactivated, not deleted, so their inspections and findings stay.

Saving a unit checks its services against what its kind may provide (tenants.clinics.rules): a private
clinic recorded as offering a restricted service gets a finding (findings.raise_service_findings).
"""

from __future__ import annotations

import dataclasses

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, or_, select

from renkou.audit import services as audit
from renkou.audit.models import AuditEvent
from renkou.errors import NotFoundError, ServiceError
from renkou.extensions import db
from renkou.pagination import Page, paginate
from renkou.search import text_matches
from renkou.tenancy.context import current_town
from tenants.clinics import rules
from tenants.clinics.models import Finding, Inspection, Licence, MedicalUnit, UnitService
from tenants.clinics.services import findings
from tenants.clinics.services.common import apply_changes
from tenants.network.models import Village

UNIT_FIELDS = ("kind", "name", "village_id", "address", "contact_name", "contact_phone", "active")


@dataclasses.dataclass
class UnitFilter:
    q: str = ""
    kind: str | None = None
    village_id: int | None = None
    active: bool | None = None


def units_statement(filters: UnitFilter) -> Select:
    """Units matching ``filters`` by name; ``q`` matches part of the name or address."""
    statement = select(MedicalUnit).order_by(MedicalUnit.name.asc(), MedicalUnit.id.asc())
    if filters.q:
        statement = statement.where(text_matches(filters.q, MedicalUnit.name, MedicalUnit.address))
    if filters.kind:
        statement = statement.where(MedicalUnit.kind == filters.kind)
    if filters.village_id:
        statement = statement.where(MedicalUnit.village_id == filters.village_id)
    if filters.active is not None:
        statement = statement.where(MedicalUnit.active.is_(filters.active))
    return statement


def list_units(filters: UnitFilter, page: int = 1, per_page: int = 50) -> Page:
    """One page of units by name (see units_statement)."""
    return paginate(db.session, units_statement(filters), page, per_page)


def unit_choices(chosen: int | str | None = None) -> dict[str, str]:
    """{id: name} of the active units (and the one already chosen), for a form's choice list."""
    chosen_id = int(chosen) if str(chosen or "").isdigit() else None
    statement = (select(MedicalUnit.id, MedicalUnit.name)
                 .where(or_(MedicalUnit.active.is_(True), MedicalUnit.id == chosen_id))
                 .order_by(MedicalUnit.name, MedicalUnit.id))
    return {str(unit_id): name for unit_id, name in db.session.execute(statement)}


def get_unit(unit_id: int) -> MedicalUnit:
    unit = db.session.get(MedicalUnit, unit_id)
    if unit is None:
        raise NotFoundError(str(_l("No such medical unit.")))
    return unit


def units_named(name: str) -> list[MedicalUnit]:
    """The units with exactly this name (how an imported spreadsheet names a unit; names need not be unique)."""
    return list(db.session.scalars(select(MedicalUnit).where(MedicalUnit.name == name.strip())
                                   .order_by(MedicalUnit.id)))


def read_unit(unit_id: int) -> MedicalUnit:
    """A unit with its contact person's full phone number: the read is audited."""
    unit = get_unit(unit_id)
    audit.record("clinic_unit.read", record_type="clinic_unit", record_id=unit.id)
    return unit


def create_unit(data: dict) -> MedicalUnit:
    """Add a unit with the services it offers; restricted services raise findings."""
    values = {field: data.get(field) for field in UNIT_FIELDS}
    values["address"] = values["address"] or ""
    values["contact_phone"] = values["contact_phone"] or None
    values["active"] = True if values["active"] is None else values["active"]
    _check_village(values["village_id"])
    unit = MedicalUnit(**values)
    db.session.add(unit)
    _set_services(unit, data.get("services") or [])
    db.session.flush()
    audit.record("clinic_unit.create", record_type="clinic_unit", record_id=unit.id,
                 detail={"fields": sorted([k for k, v in values.items() if v not in (None, "")]
                                          + (["services"] if unit.service_rows else []))})
    findings.raise_service_findings(unit)
    return unit


def update_unit(unit: MedicalUnit, changes: dict) -> MedicalUnit:
    """Change a unit; ``services``, when given, is the whole new list. Saving again raises no finding that
    is still open; a restricted service recorded again after its finding was closed raises a new one."""
    if "village_id" in changes:
        _check_village(changes["village_id"])
    changes = dict(changes)
    if "contact_phone" in changes:
        changes["contact_phone"] = changes["contact_phone"] or None
    if "address" in changes:
        changes["address"] = changes["address"] or ""
    for field in ("kind", "name", "active"):
        if field in changes and changes[field] is None:
            raise ServiceError.on(field, str(_l("This field cannot be empty.")))
    changed = apply_changes(unit, changes, UNIT_FIELDS)
    if "services" in changes and _set_services(unit, changes["services"] or []):
        changed.append("services")
    db.session.flush()
    if "village_id" in changed:
        db.session.expire(unit, ["village"])
    audit.record("clinic_unit.update", record_type="clinic_unit", record_id=unit.id, detail={"fields": changed})
    findings.raise_service_findings(unit)
    return unit


def _set_services(unit: MedicalUnit, codes: list[str]) -> bool:
    """Make the unit's services exactly ``codes``; whether anything changed."""
    unknown = [code for code in codes if code not in rules.SERVICES]
    if unknown:
        raise ServiceError.on("services", str(_l("Choose from the listed values.")))
    wanted = set(codes)
    current = {row.code: row for row in unit.service_rows}
    for code, row in current.items():
        if code not in wanted:
            unit.service_rows.remove(row)
    for code in rules.SERVICE_CODES:
        if code in wanted and code not in current:
            unit.service_rows.append(UnitService(code=code))
    return wanted != set(current)


def _check_village(village_id: int | None) -> None:
    if village_id is not None and db.session.get(Village, village_id) is None:
        raise ServiceError.on("village_id", str(_l("No such village.")))


def last_inspections(unit_ids: list[int]) -> dict[int, object]:
    """{unit id: date of its latest inspection} for the given units (never inspected: left out)."""
    if not unit_ids:
        return {}
    rows = db.session.execute(select(Inspection.unit_id, func.max(Inspection.inspection_date))
                              .where(Inspection.unit_id.in_(unit_ids)).group_by(Inspection.unit_id))
    return {unit_id: day for unit_id, day in rows}


def unit_history(unit: MedicalUnit, limit: int = 100) -> list[AuditEvent]:
    """What happened to a unit and to its licences, inspections and findings, newest first (reads left out)."""
    related = {
        "clinic_unit": [unit.id],
        "clinic_licence": list(db.session.scalars(select(Licence.id).where(Licence.unit_id == unit.id))),
        "clinic_inspection": list(db.session.scalars(select(Inspection.id).where(Inspection.unit_id == unit.id))),
        "clinic_finding": list(db.session.scalars(select(Finding.id).where(Finding.unit_id == unit.id))),
    }
    conditions = [and_(AuditEvent.record_type == record_type, AuditEvent.record_id.in_([str(i) for i in ids]))
                  for record_type, ids in related.items() if ids]
    statement = (select(AuditEvent)
                 .where(AuditEvent.town_code == current_town().code, or_(*conditions),
                        AuditEvent.action.not_like("%.read"))
                 .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(limit))
    return list(db.session.scalars(statement))
