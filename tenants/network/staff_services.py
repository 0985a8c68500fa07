"""Village staff (村级工作人员) of the current town: who works in which village, as what, doing what.

The phone number is personal data: stored encrypted, shown masked on lists, and in full only on the
record page, whose every read is audited. The audit trail holds field names, never names or numbers.
Staff who leave are deactivated, not deleted, so the record of who did what stays.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from renkou.audit import services as audit
from renkou.errors import NotFoundError, ServiceError
from renkou.extensions import db
from renkou.imports.exports import EXPORT_LIMIT, Sheet
from renkou.pagination import Page, paginate
from renkou.schemas import mask_phone
from renkou.search import text_matches
from tenants.network.models import Village, VillageStaff

FIELDS = ("village_id", "name", "position", "duties", "phone", "active")
SORTS = {
    "village": (Village.code.asc(), VillageStaff.name.asc()),
    "-village": (Village.code.desc(), VillageStaff.name.asc()),
    "name": (VillageStaff.name.asc(),),
    "-name": (VillageStaff.name.desc(),),
    "position": (VillageStaff.position.asc(), VillageStaff.name.asc()),
    "-position": (VillageStaff.position.desc(), VillageStaff.name.asc()),
}


def staff_statement(q: str = "", village_id: int | None = None, active: bool | None = None,
                    sort: str = "village") -> Select:
    """Staff of one village (or all) matching ``q`` in name, position or duties; ``active`` None lists
    current and former staff alike."""
    statement = (select(VillageStaff).join(VillageStaff.village)
                 .order_by(*SORTS.get(sort, SORTS["village"]), VillageStaff.id))
    if q:
        statement = statement.where(text_matches(q, VillageStaff.name, VillageStaff.position, VillageStaff.duties))
    if village_id:
        statement = statement.where(VillageStaff.village_id == village_id)
    if active is not None:
        statement = statement.where(VillageStaff.active.is_(active))
    return statement


def list_staff(q: str = "", village_id: int | None = None, active: bool | None = None, sort: str = "village",
               page: int = 1, per_page: int = 50) -> Page:
    """One page of staff (see staff_statement)."""
    return paginate(db.session, staff_statement(q, village_id, active, sort), page, per_page)


def export_staff(q: str = "", village_id: int | None = None, active: bool | None = None,
                 sort: str = "village") -> Sheet:
    """The staff matching the filters, for a spreadsheet: phones masked, the export audited."""
    audit.record("staff.export", record_type="staff",
                 detail={"q": bool(q), "village_id": village_id, "active": active})
    staff = db.session.scalars(staff_statement(q, village_id, active, sort).limit(EXPORT_LIMIT))
    rows = ([s.village.code, s.village.name, s.name, s.position, s.duties, mask_phone(s.phone),
             _l("Working here") if s.active else _l("No longer working here")] for s in staff)
    headers = ["村/社区代码", "村/社区", "姓名", "职务", "工作职责", "联系电话", "状态"]
    return Sheet(headers, rows, "村级工作人员")


def get_staff(staff_id: int) -> VillageStaff:
    staff = db.session.get(VillageStaff, staff_id)
    if staff is None:
        raise NotFoundError(str(_l("No such staff member.")))
    return staff


def read_staff(staff_id: int) -> VillageStaff:
    """The record page, with the full phone number: the read is audited."""
    staff = get_staff(staff_id)
    audit.record("staff.read", record_type="staff", record_id=staff.id)
    return staff


def create_staff(village_id: int, name: str, position: str, duties: str = "", phone: str | None = None,
                 active: bool = True) -> VillageStaff:
    _check_village(village_id)
    staff = VillageStaff(village_id=village_id, name=name, position=position, duties=duties or "",
                         phone=phone or None, active=active)
    db.session.add(staff)
    db.session.flush()
    audit.record("staff.create", record_type="staff", record_id=staff.id,
                 detail={"fields": sorted(field for field in FIELDS if getattr(staff, field) not in (None, ""))})
    return staff


def update_staff(staff: VillageStaff, changes: dict) -> VillageStaff:
    if "village_id" in changes:
        _check_village(changes["village_id"])
    if "phone" in changes:
        changes = {**changes, "phone": changes["phone"] or None}
    changed = [field for field in FIELDS if field in changes and getattr(staff, field) != changes[field]]
    for field in changed:
        setattr(staff, field, changes[field])
    db.session.flush()
    if "village_id" in changed:
        db.session.expire(staff, ["village"])
    audit.record("staff.update", record_type="staff", record_id=staff.id, detail={"fields": changed})
    return staff


def set_active(staff: VillageStaff, active: bool) -> VillageStaff:
    """Deactivate someone who has left (or take them back); the record stays."""
    if staff.active != active:
        staff.active = active
        db.session.flush()
        audit.record("staff.activate" if active else "staff.deactivate", record_type="staff",
                     record_id=staff.id, detail={"fields": ["active"]})
    return staff


def delete_staff(staff: VillageStaff) -> None:
    """Remove an entry made by mistake (people who leave are deactivated instead)."""
    audit.record("staff.delete", record_type="staff", record_id=staff.id)
    db.session.delete(staff)
    db.session.flush()


def _check_village(village_id: int) -> None:
    if db.session.get(Village, village_id) is None:
        raise ServiceError.on("village_id", str(_l("No such village.")))
