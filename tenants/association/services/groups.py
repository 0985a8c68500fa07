"""Member groups (会员小组): the association's groups of a village, meeting at a home or not, led by one of
their members.

The leader is an active member of the group's village in this group or in none yet (leading a group
puts them in it). A group with members is not deleted: move the members first.
"""

from __future__ import annotations

import dataclasses

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select

from renkou.audit import services as audit
from renkou.errors import ConflictError, NotFoundError, ServiceError
from renkou.extensions import db
from renkou.pagination import Page, paginate
from renkou.search import text_matches
from tenants.association.models import Member, MemberGroup, MemberHome
from tenants.association.services.common import apply_changes, check_not_future, check_village, filled
from tenants.network.models import Village

RECORD_TYPE = "association_group"
FIELDS = ("name", "village_id", "home_id", "leader_id", "founded_on")
SORTS = {
    "village": (Village.code.asc(), MemberGroup.name.asc()),
    "-village": (Village.code.desc(), MemberGroup.name.asc()),
    "name": (MemberGroup.name.asc(),),
    "-name": (MemberGroup.name.desc(),),
    "founded_on": (MemberGroup.founded_on.asc().nulls_last(), MemberGroup.name.asc()),
    "-founded_on": (MemberGroup.founded_on.desc().nulls_last(), MemberGroup.name.asc()),
}


@dataclasses.dataclass
class GroupFilter:
    q: str = ""
    village_id: int | None = None
    home_id: int | None = None


def groups_statement(filters: GroupFilter, sort: str = "village") -> Select:
    statement = (select(MemberGroup).join(MemberGroup.village)
                 .order_by(*SORTS.get(sort, SORTS["village"]), MemberGroup.id))
    if filters.q:
        statement = statement.where(text_matches(filters.q, MemberGroup.name, Village.name))
    if filters.village_id:
        statement = statement.where(MemberGroup.village_id == filters.village_id)
    if filters.home_id:
        statement = statement.where(MemberGroup.home_id == filters.home_id)
    return statement


def list_groups(filters: GroupFilter, sort: str = "village", page: int = 1, per_page: int = 50) -> Page:
    return paginate(db.session, groups_statement(filters, sort), page, per_page)


def all_groups() -> list[MemberGroup]:
    """Every group by village and name (the choices of a member form)."""
    return list(db.session.scalars(groups_statement(GroupFilter())))


def get_group(group_id: int) -> MemberGroup:
    group = db.session.get(MemberGroup, group_id)
    if group is None:
        raise NotFoundError(str(_l("No such member group.")))
    return group


def member_counts(group_ids: list[int]) -> dict[int, int]:
    """{group id: active members} for the given groups."""
    if not group_ids:
        return {}
    rows = db.session.execute(select(Member.group_id, func.count(Member.id))
                              .where(Member.group_id.in_(group_ids), Member.status == "active")
                              .group_by(Member.group_id))
    return {group_id: count for group_id, count in rows}


def group_members(group_id: int) -> list[Member]:
    """The group's members, active first, by number."""
    return list(db.session.scalars(select(Member).where(Member.group_id == group_id)
                                   .order_by(Member.status, Member.member_number)))


def leader_choices(village_id: int | None, group_id: int | None) -> list[Member]:
    """Active members who may lead a group of ``village_id``: those of the group and those of the village in
    no group."""
    if not village_id:
        return []
    in_reach = Member.group_id.is_(None) if group_id is None else or_(Member.group_id.is_(None),
                                                                      Member.group_id == group_id)
    return list(db.session.scalars(select(Member).where(Member.status == "active", Member.village_id == village_id,
                                                        in_reach).order_by(Member.member_number)))


def create_group(data: dict) -> MemberGroup:
    """A new group: ``name`` (unique in its village), ``village_id``, ``home_id`` (optional: a home of the
    village or the town's own), ``leader_id`` (optional, see the module), ``founded_on``."""
    values = {field: data.get(field) for field in FIELDS}
    leader = _check(values, existing=None)
    group = MemberGroup(**values)
    db.session.add(group)
    db.session.flush()
    _seat_leader(group, leader)
    audit.record("association_group.create", record_type=RECORD_TYPE, record_id=group.id,
                 detail={"fields": filled(values)})
    return group


def update_group(group: MemberGroup, changes: dict) -> MemberGroup:
    values = {field: getattr(group, field) for field in FIELDS}
    values.update({field: changes[field] for field in FIELDS if field in changes})
    if values["village_id"] != group.village_id:
        _check_can_move(group)
    leader = _check(values, existing=group)
    changed = apply_changes(group, values, FIELDS)
    db.session.flush()
    _seat_leader(group, leader)
    db.session.expire(group, ["village", "home", "leader"])
    audit.record("association_group.update", record_type=RECORD_TYPE, record_id=group.id,
                 detail={"fields": changed})
    return group


def delete_group(group: MemberGroup) -> None:
    """Remove a group without members (an empty group, or one entered by mistake)."""
    if db.session.scalar(select(func.count(Member.id)).where(Member.group_id == group.id)):
        raise ConflictError(str(_l("The group still has members (former members included): move them to "
                                   "another group first.")))
    audit.record("association_group.delete", record_type=RECORD_TYPE, record_id=group.id)
    db.session.delete(group)
    db.session.flush()


def _check_can_move(group: MemberGroup) -> None:
    if db.session.scalar(select(func.count(Member.id)).where(Member.group_id == group.id)):
        raise ServiceError.on("village_id", str(_l("A group with members stays in its village.")))


def _check(values: dict, existing: MemberGroup | None) -> Member | None:
    errors: dict[str, list[str]] = {}
    if not (values.get("name") or "").strip():
        errors["name"] = [str(_l("This field is required."))]
    if not values.get("village_id"):
        errors["village_id"] = [str(_l("This field is required."))]
    check_village(values.get("village_id"), errors)
    check_not_future(values, "founded_on", errors)
    if values.get("home_id"):
        home = db.session.get(MemberHome, values["home_id"])
        if home is None:
            errors["home_id"] = [str(_l("No such member home."))]
        elif home.village_id not in (None, values.get("village_id")):
            errors["home_id"] = [str(_l("The home is in another village."))]
    leader = _leader(values, existing, errors)
    if errors:
        raise ServiceError(errors)
    statement = select(MemberGroup.id).where(MemberGroup.village_id == values["village_id"],
                                             MemberGroup.name == values["name"])
    holder = db.session.scalar(statement)
    if holder is not None and (existing is None or holder != existing.id):
        raise ConflictError.on("name", str(_l("The village already has a member group with this name.")))
    return leader


def _leader(values: dict, existing: MemberGroup | None, errors: dict) -> Member | None:
    if not values.get("leader_id"):
        return None
    leader = db.session.get(Member, values["leader_id"])
    if leader is None:
        errors["leader_id"] = [str(_l("No such member."))]
    elif not leader.active:
        errors["leader_id"] = [str(_l("The member has left the association."))]
    elif leader.village_id != values.get("village_id"):
        errors["leader_id"] = [str(_l("The leader must be a member of the group's village."))]
    elif leader.group_id is not None and (existing is None or leader.group_id != existing.id):
        errors["leader_id"] = [str(_l("The member belongs to another group."))]
    return leader


def _seat_leader(group: MemberGroup, leader: Member | None) -> None:
    """A leader in no group yet joins the group they lead."""
    if leader is not None and leader.group_id is None:
        leader.group_id = group.id
        db.session.flush()
        db.session.expire(leader, ["group"])
        audit.record("association_member.update", record_type="association_member", record_id=leader.id,
                     detail={"fields": ["group_id"]})


def group_counts_by_village() -> dict[int, int]:
    rows = db.session.execute(select(MemberGroup.village_id, func.count(MemberGroup.id))
                              .group_by(MemberGroup.village_id))
    return {village_id: count for village_id, count in rows}
