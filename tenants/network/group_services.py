"""Village groups (村民小组) of the current town: a local 3-digit extension of a village's code.

Households may belong to a group (tenants.registry); that area is asked through its services before a
group is deleted or moved to another village, so no household ends up in a group of another village.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from renkou.audit import services as audit
from renkou.errors import ConflictError, NotFoundError, ServiceError
from renkou.extensions import db
from renkou.imports.exports import EXPORT_LIMIT, Sheet
from renkou.pagination import Page, paginate
from renkou.search import text_matches
from tenants.network.models import Village, VillageGroup
from tenants.registry import services as registry

FIELDS = ("village_id", "code", "name")
SORTS = {
    "code": (Village.code.asc(), VillageGroup.code.asc()),
    "-code": (Village.code.desc(), VillageGroup.code.desc()),
    "name": (VillageGroup.name.asc(),),
    "-name": (VillageGroup.name.desc(),),
}


def groups_statement(q: str = "", village_id: int | None = None, sort: str = "code") -> Select:
    """Groups of one village (or all), matching ``q`` in their code or name; sorted by village and group
    code (``code``, ``-code``) or name (``name``, ``-name``)."""
    statement = (select(VillageGroup).join(VillageGroup.village)
                 .order_by(*SORTS.get(sort, SORTS["code"]), VillageGroup.id))
    if q:
        statement = statement.where(text_matches(q, VillageGroup.code, VillageGroup.name))
    if village_id:
        statement = statement.where(VillageGroup.village_id == village_id)
    return statement


def list_groups(q: str = "", village_id: int | None = None, sort: str = "code", page: int = 1,
                per_page: int = 50) -> Page:
    """One page of groups (see groups_statement)."""
    return paginate(db.session, groups_statement(q, village_id, sort), page, per_page)


def export_groups(q: str = "", village_id: int | None = None, sort: str = "code") -> Sheet:
    """The groups matching the filters with their households, for a spreadsheet; the export is audited."""
    audit.record("group.export", record_type="group", detail={"q": bool(q), "village_id": village_id})
    groups = list(db.session.scalars(groups_statement(q, village_id, sort).limit(EXPORT_LIMIT)))
    counts = household_counts(groups)
    rows = ([g.village.code, g.village.name, g.code, g.full_code, g.name, counts.get(g.id, 0)] for g in groups)
    headers = ["村/社区代码", "村/社区", "村民小组代码", "村民小组完整代码", "村民小组名称", "户数"]
    return Sheet(headers, rows, "村民小组")


def household_counts(groups: list[VillageGroup]) -> dict[int, int]:
    """{group id: households in it}, for a list page."""
    return registry.household_counts_by_group([group.id for group in groups])


def get_group(group_id: int) -> VillageGroup:
    group = db.session.get(VillageGroup, group_id)
    if group is None:
        raise NotFoundError(str(_l("No such village group.")))
    return group


def create_group(village_id: int, code: str, name: str) -> VillageGroup:
    _check(village_id, code, existing=None)
    group = VillageGroup(village_id=village_id, code=code, name=name)
    db.session.add(group)
    db.session.flush()
    audit.record("group.create", record_type="group", record_id=group.id, detail={"fields": list(FIELDS)})
    return group


def update_group(group: VillageGroup, changes: dict) -> VillageGroup:
    village_id = changes.get("village_id", group.village_id)
    code = changes.get("code", group.code)
    _check(village_id, code, existing=group)
    if village_id != group.village_id and registry.household_count_in_group(group.id):
        raise ConflictError.on("village_id", str(_l("Households of this group live in its village: move them "
                                                    "to another group before moving the group.")))
    changed = [field for field in FIELDS if field in changes and getattr(group, field) != changes[field]]
    for field in changed:
        setattr(group, field, changes[field])
    db.session.flush()
    if "village_id" in changed:
        db.session.expire(group, ["village"])
    audit.record("group.update", record_type="group", record_id=group.id, detail={"fields": changed})
    return group


def delete_group(group: VillageGroup) -> None:
    """Delete a group no household belongs to."""
    if count := registry.household_count_in_group(group.id):
        raise ConflictError(str(_l("%(count)s households belong to this group: move them to another group "
                                   "first.", count=count)))
    audit.record("group.delete", record_type="group", record_id=group.id, detail={"code": group.full_code})
    db.session.delete(group)
    db.session.flush()


def _check(village_id: int, code: str, existing: VillageGroup | None) -> None:
    if not re.fullmatch(r"\d{3}", code or ""):
        raise ServiceError.on("code", str(_l("The group code must be exactly 3 digits.")))
    if code == "000":
        raise ServiceError.on("code", str(_l("The group code cannot be 000.")))
    if db.session.get(Village, village_id) is None:
        raise ServiceError.on("village_id", str(_l("No such village.")))
    holder = db.session.scalar(select(VillageGroup.id).where(VillageGroup.village_id == village_id,
                                                             VillageGroup.code == code))
    if holder is not None and (existing is None or holder != existing.id):
        raise ConflictError.on("code", str(_l("This village already has a group with code %(code)s.", code=code)))
