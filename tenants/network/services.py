"""Villages of the current town. The session is already bound to the town (renkou.tenancy.context)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from renkou.audit import services as audit
from renkou.errors import ConflictError, NotFoundError, ServiceError
from renkou.extensions import db
from renkou.pagination import Page, paginate
from renkou.search import text_matches
from renkou.tenancy.codes import village_code_errors
from renkou.tenancy.context import current_town
from tenants.network.models import Village, VillageGroup, VillageStaff
from tenants.registry import services as registry

SORTS = {
    "code": Village.code.asc(),
    "-code": Village.code.desc(),
    "name": Village.name.asc(),
    "-name": Village.name.desc(),
}


def list_villages(q: str = "", sort: str = "code", page: int = 1, per_page: int = 50) -> Page:
    """Villages matching ``q`` in code or name, sorted by ``sort`` (code, -code, name, -name)."""
    statement = select(Village).order_by(SORTS.get(sort, SORTS["code"]), Village.id)
    if q:
        statement = statement.where(text_matches(q, Village.code, Village.name))
    return paginate(db.session, statement, page, per_page)


def all_villages() -> list[Village]:
    return list(db.session.scalars(select(Village).order_by(Village.code)))


def village_choices() -> dict[str, str]:
    """{village id as text: "code name"}: the choices of a form's village select."""
    return {str(village.id): f"{village.code} {village.name}" for village in all_villages()}


def villages_matching(code_or_name: str) -> list[Village]:
    """The villages a spreadsheet cell names: by the 12-digit code when it is one, else by the exact name
    (names need not be unique, so several may match)."""
    value = code_or_name.strip()
    column = Village.code if value.isdigit() and len(value) == 12 else Village.name
    return list(db.session.scalars(select(Village).where(column == value).order_by(Village.code)))


def get_village(village_id: int) -> Village:
    village = db.session.get(Village, village_id)
    if village is None:
        raise NotFoundError(str(_l("No such village.")))
    return village


def create_village(code: str, name: str) -> Village:
    _check_code(code)
    village = Village(code=code, name=name)
    db.session.add(village)
    db.session.flush()
    audit.record("village.create", record_type="village", record_id=village.id, detail={"code": code, "name": name})
    return village


def update_village(village: Village, changes: dict) -> Village:
    if "code" in changes and changes["code"] != village.code:
        _check_code(changes["code"])
    before = {"code": village.code, "name": village.name}
    for field in ("code", "name"):
        if field in changes:
            setattr(village, field, changes[field])
    db.session.flush()
    audit.record("village.update", record_type="village", record_id=village.id,
                 detail={"before": before, "after": {"code": village.code, "name": village.name}})
    return village


def delete_village(village: Village) -> None:
    """Delete a village nothing refers to any more: groups, staff (former staff too) and households keep it."""
    _check_village_is_empty(village)
    audit.record("village.delete", record_type="village", record_id=village.id,
                 detail={"code": village.code, "name": village.name})
    db.session.delete(village)
    db.session.flush()


def _check_village_is_empty(village: Village) -> None:
    problems = []
    if groups := _count(VillageGroup, village.id):
        problems.append(_l("The village still has %(count)s village groups: delete them first.", count=groups))
    if staff := _count(VillageStaff, village.id):
        problems.append(_l("The village still has %(count)s staff records (former staff included): delete them "
                           "first.", count=staff))
    if households := registry.household_count_in_village(village.id):
        problems.append(_l("The village still has %(count)s households: move them to another village first.",
                           count=households))
    from tenants.governance.services.agreements import agreement_count_in_village  # governance imports network

    if agreements := agreement_count_in_village(village.id):
        problems.append(_l("The village has %(count)s responsibility agreements: delete them first.",
                           count=agreements))
    from tenants.association.services.common import records_in_village  # association imports network

    if association := records_in_village(village.id):
        problems.append(_l("The village has %(count)s records of the association (member homes, groups, members): "
                           "delete or move them first.", count=association))
    if problems:
        raise ConflictError({"_schema": problems})


def _count(model, village_id: int) -> int:
    return db.session.scalar(select(func.count(model.id)).where(model.village_id == village_id)) or 0


def group_counts_by_village() -> dict[int, int]:
    """{village id: number of its groups}, for the village list."""
    return _counts_by_village(select(VillageGroup.village_id, func.count(VillageGroup.id)))


def staff_counts_by_village() -> dict[int, int]:
    """{village id: number of its active staff}, for the village list."""
    return _counts_by_village(select(VillageStaff.village_id, func.count(VillageStaff.id))
                              .where(VillageStaff.active.is_(True)))


def _counts_by_village(statement) -> dict[int, int]:
    rows = db.session.execute(statement.group_by(statement.selected_columns[0]))
    return {village_id: count for village_id, count in rows}


def _check_code(code: str) -> None:
    if problems := village_code_errors(code, current_town().code):
        raise ServiceError({"code": problems})
    if db.session.scalar(select(Village.id).where(Village.code == code)) is not None:
        raise ConflictError.on("code", str(_l("A village with this code already exists.")))


def groups_by_village() -> dict[int, list]:
    """Every village group, keyed by village id (for the group choice of household forms)."""
    grouped: dict[int, list] = {}
    for group in db.session.scalars(select(VillageGroup).order_by(VillageGroup.code)):
        grouped.setdefault(group.village_id, []).append(group)
    return grouped
