"""Findings: what a medical unit has to put right, by a deadline. open → rectified → closed.

A finding is raised automatically: by a failed checklist item of an inspection, or when a unit is
recorded as offering a service its kind may not provide (a private clinic doing deliveries, IUD
insertion or removal, terminations or sterilisation). The second is idempotent: one finding per unit and
service while it is not closed, however often the unit is saved (a partial unique index backs this up).
"""

from __future__ import annotations

import dataclasses
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError

from renkou.audit import services as audit
from renkou.errors import NotFoundError, ServiceError
from renkou.extensions import db
from renkou.pagination import Page, paginate
from renkou.types import utcnow
from tenants.clinics import rules
from tenants.clinics.models import Finding, Inspection, MedicalUnit
from tenants.clinics.services.common import apply_changes


@dataclasses.dataclass
class FindingFilter:
    status: str = "open"  # open, rectified, closed or all
    overdue: bool = False
    source: str | None = None
    unit_id: int | None = None


def findings_statement(filters: FindingFilter) -> Select:
    """Findings, soonest deadline first; overdue ones are open after their deadline."""
    statement = select(Finding).order_by(Finding.deadline.asc(), Finding.id.asc())
    if filters.status in ("open", "rectified", "closed"):
        statement = statement.where(Finding.status == filters.status)
    if filters.overdue:
        statement = statement.where(Finding.status == "open", Finding.deadline < rules.today())
    if filters.source:
        statement = statement.where(Finding.source == filters.source)
    if filters.unit_id:
        statement = statement.where(Finding.unit_id == filters.unit_id)
    return statement


def list_findings(filters: FindingFilter, page: int = 1, per_page: int = 50) -> Page:
    """One page of findings (see findings_statement)."""
    return paginate(db.session, findings_statement(filters), page, per_page)


def get_finding(finding_id: int) -> Finding:
    finding = db.session.get(Finding, finding_id)
    if finding is None:
        raise NotFoundError(str(_l("No such finding.")))
    return finding


def read_finding(finding_id: int) -> Finding:
    finding = get_finding(finding_id)
    audit.record("clinic_finding.read", record_type="clinic_finding", record_id=finding.id)
    return finding


def update_finding(finding: Finding, changes: dict) -> Finding:
    """Change the description or the deadline of a finding that is not closed."""
    if finding.status == "closed":
        raise ServiceError(str(_l("A closed finding cannot be changed.")))
    errors: dict[str, list[str]] = {}
    if "description" in changes and not (changes["description"] or "").strip():
        errors["description"] = [str(_l("This field is required."))]
    if "deadline" in changes:
        if changes["deadline"] is None:
            errors["deadline"] = [str(_l("This field is required."))]
        elif changes["deadline"] < finding.found_on:
            errors["deadline"] = [str(_l("The deadline is before the day the finding was made."))]
    if errors:
        raise ServiceError(errors)
    changed = apply_changes(finding, changes, ("description", "deadline"))
    db.session.flush()
    audit.record("clinic_finding.update", record_type="clinic_finding", record_id=finding.id,
                 detail={"fields": changed})
    return finding


def transition(finding: Finding, action: str, rectified_on: date | None = None, note: str | None = None) -> Finding:
    """``rectify`` an open finding (the day it was put right, default today, and a note saying how) or
    ``close`` a rectified one once the office has checked it (note optional).

    A restricted-service finding is rectified only when the unit's record no longer shows the service
    (or the unit has closed or is no longer of a kind that may not provide it).
    """
    note = (note or "").strip() or None
    if action == "rectify":
        _rectify(finding, rectified_on or rules.today(), note)
        changed = ["status", "rectified_on", "rectification_note"]
    elif action == "close":
        if finding.status != "rectified":
            raise ServiceError.on("action", str(_l("Only a rectified finding can be closed.")))
        finding.status = "closed"
        finding.closed_at = utcnow()
        finding.close_note = note
        changed = ["status", "closed_at"] + (["close_note"] if note else [])
    else:
        raise ServiceError.on("action", str(_l("Choose one of the listed values.")))
    db.session.flush()
    audit.record(f"clinic_finding.{action}", record_type="clinic_finding", record_id=finding.id,
                 detail={"fields": changed})
    return finding


def _rectify(finding: Finding, rectified_on: date, note: str | None) -> None:
    if finding.status != "open":
        raise ServiceError.on("action", str(_l("Only an open finding can be rectified.")))
    errors: dict[str, list[str]] = {}
    if rectified_on > rules.today():
        errors["rectified_on"] = [str(_l("The date is in the future."))]
    elif rectified_on < finding.found_on:
        errors["rectified_on"] = [str(_l("The date is before the day the finding was made."))]
    if not note:
        errors["note"] = [str(_l("Say how the finding was put right."))]
    unit = finding.unit
    if finding.source == "service" and unit.active and finding.service_code in unit.restricted_offered:
        errors["_schema"] = [str(_l("The unit's record still shows this service: take it off the unit's "
                                    "services first."))]
    if errors:
        raise ServiceError(errors)
    finding.status = "rectified"
    finding.rectified_on = rectified_on
    finding.rectification_note = note


# ---------------------------------------------------------------------------------------------------------
# Raising findings


def raise_service_findings(unit: MedicalUnit) -> list[Finding]:
    """A finding for each service the (active) unit offers that its kind may not provide, unless one for
    that unit and service is still open or rectified. Returns the new ones."""
    if not unit.active:
        return []
    found_on = rules.today()
    restricted = rules.restricted_services(unit.kind, found_on)
    raised = []
    for code in unit.services:
        if code not in restricted or _unclosed_service_finding(unit.id, code):
            continue
        name = rules.SERVICES[code].name_zh
        finding = Finding(unit_id=unit.id, source="service", service_code=code, found_on=found_on, status="open",
                          deadline=rules.rectification_deadline("service", found_on),
                          description=f"{rules.UNIT_KINDS[unit.kind]}登记提供“{name}”服务，该类机构不得开展此项服务，"
                                      f"须停止并整改。")
        try:
            with db.session.begin_nested():  # another request may have raised it meanwhile
                db.session.add(finding)
        except IntegrityError:
            continue
        _created(finding)
        raised.append(finding)
    return raised


def raise_inspection_findings(inspection: Inspection, deadline: date | None = None) -> list[Finding]:
    """A finding for each failed checklist item of ``inspection``, due ``deadline`` (default: the
    configured number of days after the inspection)."""
    due = deadline or rules.rectification_deadline("inspection", inspection.inspection_date)
    raised = []
    for item in inspection.items:
        if item.result != "fail":
            continue
        description = f"{rules.CHECKLIST_ITEMS[item.code].name_zh}：不合格。{item.note or ''}".strip()
        finding = Finding(unit_id=inspection.unit_id, source="inspection", inspection_id=inspection.id,
                          item_code=item.code, found_on=inspection.inspection_date, description=description[:1000],
                          deadline=due, status="open")
        db.session.add(finding)
        db.session.flush()
        _created(finding)
        raised.append(finding)
    return raised


def _unclosed_service_finding(unit_id: int, code: str) -> bool:
    return db.session.scalar(select(Finding.id).where(
        Finding.unit_id == unit_id, Finding.service_code == code, Finding.status != "closed").limit(1)) is not None


def _created(finding: Finding) -> None:
    audit.record("clinic_finding.create", record_type="clinic_finding", record_id=finding.id,
                 detail={"fields": ["description", "deadline"], "source": finding.source})


def open_counts(unit_ids: list[int]) -> dict[int, int]:
    """{unit id: findings not closed yet} for the given units (units without any are left out)."""
    if not unit_ids:
        return {}
    rows = db.session.execute(select(Finding.unit_id, func.count(Finding.id))
                              .where(Finding.unit_id.in_(unit_ids), Finding.status != "closed")
                              .group_by(Finding.unit_id))
    return {unit_id: count for unit_id, count in rows}
