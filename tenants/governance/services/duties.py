"""Cadre duties: a leader covers an area (包片: a named set of villages) or a village (包村); a cadre
covers households (包户). From the 包户 duties comes the household coverage (包户覆盖率).

A duty names its cadre: a leadership group member, a village staff member, or only a name. The name is
stored in every case, so a duty still says who held it after the member's or staff member's entry goes.
"""

from __future__ import annotations

import dataclasses

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, or_, select

from renkou.audit import services as audit
from renkou.errors import NotFoundError, ServiceError
from renkou.extensions import db
from renkou.pagination import Page, paginate
from renkou.search import text_matches
from tenants.governance.models import (
    DUTY_KINDS,
    CadreAssignment,
    LeadershipMember,
    duty_households,
    duty_villages,
)
from tenants.governance.services.common import Ratio, apply_changes
from tenants.network.models import Village, VillageStaff
from tenants.registry.models import Household

RECORD_TYPE = "cadre_assignment"
FIELDS = ("kind", "cadre_name", "member_id", "staff_id", "area_name", "note", "active")


@dataclasses.dataclass
class AssignmentFilter:
    kind: str | None = None
    village_id: int | None = None
    q: str = ""
    active: bool | None = None


def assignments_statement(filters: AssignmentFilter) -> Select:
    """Duties by kind (包片, 包村, 包户) and cadre name; ``village_id`` finds the duties touching a
    village (its area, the village itself, or households in it)."""
    kind_rank = case({kind: rank for rank, kind in enumerate(DUTY_KINDS)}, value=CadreAssignment.kind)
    statement = select(CadreAssignment).order_by(CadreAssignment.active.desc(), kind_rank,
                                                 CadreAssignment.cadre_name, CadreAssignment.id)
    if filters.kind:
        statement = statement.where(CadreAssignment.kind == filters.kind)
    if filters.q:
        statement = statement.where(text_matches(filters.q, CadreAssignment.cadre_name, CadreAssignment.area_name))
    if filters.active is not None:
        statement = statement.where(CadreAssignment.active.is_(filters.active))
    if filters.village_id:
        in_village = select(duty_villages.c.assignment_id).where(duty_villages.c.village_id == filters.village_id)
        by_household = (select(duty_households.c.assignment_id)
                        .join(Household, Household.id == duty_households.c.household_id)
                        .where(Household.village_id == filters.village_id))
        statement = statement.where(or_(CadreAssignment.id.in_(in_village), CadreAssignment.id.in_(by_household)))
    return statement


def list_assignments(filters: AssignmentFilter, page: int = 1, per_page: int = 50) -> Page:
    """One page of duties (see assignments_statement)."""
    return paginate(db.session, assignments_statement(filters), page, per_page)


def household_duties_of(cadre_name: str) -> list[CadreAssignment]:
    """The current 包户 duties held under this cadre name (how an imported list of households finds its duty)."""
    return list(db.session.scalars(select(CadreAssignment).where(
        CadreAssignment.kind == "household", CadreAssignment.active.is_(True),
        CadreAssignment.cadre_name == cadre_name.strip()).order_by(CadreAssignment.id)))


def get_assignment(assignment_id: int) -> CadreAssignment:
    assignment = db.session.get(CadreAssignment, assignment_id)
    if assignment is None:
        raise NotFoundError(str(_l("No such duty.")))
    return assignment


def create_assignment(data: dict) -> CadreAssignment:
    """A new duty. ``data``: kind, and member_id / staff_id / cadre_name; area_name and village_ids (area),
    one id in village_ids (village) or household_ids (household); note, active."""
    values = {field: data.get(field) for field in FIELDS}
    values["note"] = values["note"] or ""
    values["active"] = True if values["active"] is None else values["active"]
    villages, households = _checked(values, data.get("village_ids") or [], data.get("household_ids") or [])
    assignment = CadreAssignment(**values)
    assignment.villages = villages
    assignment.households = households
    db.session.add(assignment)
    db.session.flush()
    audit.record("cadre_assignment.create", record_type=RECORD_TYPE, record_id=assignment.id,
                 detail={"fields": sorted(k for k, v in values.items() if v not in (None, "")),
                         "villages": len(villages), "households": len(households)})
    return assignment


def update_assignment(assignment: CadreAssignment, changes: dict) -> CadreAssignment:
    """Change a duty; ``village_ids`` / ``household_ids``, when given, replace the lists."""
    values = {field: getattr(assignment, field) for field in FIELDS}
    if {"member_id", "staff_id", "cadre_name"} & set(changes):  # who the cadre is: given anew as a whole
        values.update(member_id=None, staff_id=None, cadre_name=None)
    values.update({k: v for k, v in changes.items() if k in FIELDS})
    values["note"] = values["note"] or ""
    village_ids = changes.get("village_ids", assignment.village_ids)
    household_ids = changes.get("household_ids", assignment.household_ids)
    villages, households = _checked(values, village_ids, household_ids)
    changed = apply_changes(assignment, values, FIELDS)
    if {v.id for v in villages} != set(assignment.village_ids):
        assignment.villages = villages
        changed.append("villages")
    if {h.id for h in households} != set(assignment.household_ids):
        assignment.households = households
        changed.append("households")
    db.session.flush()
    db.session.expire(assignment, ["member", "staff"])
    audit.record("cadre_assignment.update", record_type=RECORD_TYPE, record_id=assignment.id,
                 detail={"fields": changed})
    return assignment


def delete_assignment(assignment: CadreAssignment) -> None:
    audit.record("cadre_assignment.delete", record_type=RECORD_TYPE, record_id=assignment.id)
    db.session.delete(assignment)
    db.session.flush()


def _checked(values: dict, village_ids: list[int], household_ids: list[int]) -> tuple[list, list]:
    """Check a duty's fields together and fill the cadre's name; the villages and households to keep."""
    errors: dict[str, list[str]] = {}
    kind = values.get("kind")
    if kind not in DUTY_KINDS:
        errors["kind"] = [str(_l("Choose one of the listed values."))]
    _fill_cadre(values, errors)
    village_ids = list(dict.fromkeys(village_ids))
    household_ids = list(dict.fromkeys(household_ids))
    villages = sorted(_rows(Village, village_ids, "village_ids", _l("No such village."), errors),
                      key=lambda village: village.code)
    households = sorted(_rows(Household, household_ids, "household_ids", _l("No such household."), errors),
                        key=lambda household: household.number)
    if kind == "area":
        if not (values.get("area_name") or "").strip():
            errors["area_name"] = [str(_l("Name the area."))]
        if not village_ids:
            errors["village_ids"] = [str(_l("Choose the villages of the area."))]
    elif kind == "village" and len(village_ids) != 1:
        errors["village_ids"] = [str(_l("Choose one village."))]
    elif kind == "household" and not household_ids:
        errors["household_ids"] = [str(_l("Choose at least one household."))]
    if kind in ("area", "village") and household_ids:
        errors["household_ids"] = [str(_l("Only a household duty (包户) covers households."))]
    if kind == "household" and village_ids:
        errors["village_ids"] = [str(_l("A household duty (包户) covers households, not villages."))]
    if kind != "area":
        values["area_name"] = None
    if errors:
        raise ServiceError(errors)
    return villages, households


def _fill_cadre(values: dict, errors: dict) -> None:
    member_id, staff_id = values.get("member_id"), values.get("staff_id")
    if member_id and staff_id:
        errors["member_id"] = [str(_l("Choose a member of the leadership group or a village staff member, "
                                      "not both."))]
        return
    if member_id:
        member = db.session.get(LeadershipMember, member_id)
        if member is None:
            errors["member_id"] = [str(_l("No such member of the leadership group."))]
        else:
            values["cadre_name"] = member.name
    elif staff_id:
        staff = db.session.get(VillageStaff, staff_id)
        if staff is None:
            errors["staff_id"] = [str(_l("No such staff member."))]
        else:
            values["cadre_name"] = staff.name
    values["cadre_name"] = (values.get("cadre_name") or "").strip() or None
    if not values["cadre_name"] and "member_id" not in errors and "staff_id" not in errors:
        errors["cadre_name"] = [str(_l("Choose a cadre or type their name."))]


def _rows(model, ids: list[int], field: str, message, errors: dict) -> list:
    if not ids:
        return []
    found = {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))}
    if len(found) != len(ids):
        errors[field] = [str(message)]
    return [found[i] for i in ids if i in found]


# ---------------------------------------------------------------------------------------------------------
# Choices for the forms


def household_choices(village_id: int | None, chosen: list[int] = ()) -> list[Household]:
    """The households of one village, by number (a 包户 form picks from them), then those already chosen
    elsewhere; only the chosen ones without a village."""
    statement = select(Household).order_by(Household.village_id != (village_id or 0), Household.number)
    condition = Household.id.in_(list(chosen)) if chosen else None
    if village_id:
        condition = Household.village_id == village_id if condition is None else or_(
            Household.village_id == village_id, condition)
    if condition is None:
        return []
    return list(db.session.scalars(statement.where(condition)))


def staff_choices() -> list[VillageStaff]:
    return list(db.session.scalars(select(VillageStaff).where(VillageStaff.active.is_(True))
                                   .order_by(VillageStaff.village_id, VillageStaff.name)))


# ---------------------------------------------------------------------------------------------------------
# The indicator


def _covered_households():
    """Ids of households with at least one active 包户 duty."""
    return (select(duty_households.c.household_id)
            .join(CadreAssignment, CadreAssignment.id == duty_households.c.assignment_id)
            .where(CadreAssignment.active.is_(True), CadreAssignment.kind == "household"))


def household_coverage(village_id: int | None = None) -> Ratio:
    """Household coverage (包户覆盖率, DESIGN.md §7 household_coverage), of the town or of one village.

        numerator   = households (of the village) with at least one active 包户 duty naming them
        denominator = households (of the village) on the register
        rate        = numerator / denominator × 100 %

    A household covered by two cadres counts once. 包片 and 包村 duties do not cover households.
    """
    households = select(func.count(Household.id))
    covered = select(func.count(Household.id)).where(Household.id.in_(_covered_households()))
    if village_id:
        households = households.where(Household.village_id == village_id)
        covered = covered.where(Household.village_id == village_id)
    return Ratio(db.session.scalar(covered) or 0, db.session.scalar(households) or 0)


@dataclasses.dataclass(frozen=True)
class VillageCoverage:
    village_id: int
    village_code: str
    village_name: str
    numerator: int
    denominator: int
    leaders: list[str]

    @property
    def percent(self) -> float | None:
        return Ratio(self.numerator, self.denominator).percent


def coverage_by_village() -> list[VillageCoverage]:
    """Every village (those without households too) with its household coverage, and the leaders whose
    active 包片 or 包村 duty includes it."""
    totals = dict(db.session.execute(select(Household.village_id, func.count(Household.id))
                                     .group_by(Household.village_id)).all())
    covered = dict(db.session.execute(select(Household.village_id, func.count(Household.id))
                                      .where(Household.id.in_(_covered_households()))
                                      .group_by(Household.village_id)).all())
    leaders: dict[int, list[str]] = {}
    rows = db.session.execute(select(duty_villages.c.village_id, CadreAssignment.cadre_name)
                              .join(CadreAssignment, CadreAssignment.id == duty_villages.c.assignment_id)
                              .where(CadreAssignment.active.is_(True))
                              .order_by(CadreAssignment.cadre_name))
    for village_id, name in rows:
        if name not in leaders.setdefault(village_id, []):
            leaders[village_id].append(name)
    return [VillageCoverage(village.id, village.code, village.name, covered.get(village.id, 0),
                            totals.get(village.id, 0), leaders.get(village.id, []))
            for village in db.session.scalars(select(Village).order_by(Village.code))]
