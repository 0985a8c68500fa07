"""Members of the association (会员): a registry person or a typed name, a number unique in the town, a
village and group, a role, the day they joined and, once they leave, the day they left.

Members are people: the record page and the export are audited like the registry's people,
and changes are audited by field name. Names are masked on lists and in exports, the phone is stored
encrypted and masked everywhere but on the (audited) record page. A member who leaves keeps their
record: their liaison households end on the day they left and they no longer lead a group.
"""

from __future__ import annotations

import dataclasses

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from renkou.audit import services as audit
from renkou.errors import ConflictError, NotFoundError, ServiceError
from renkou.extensions import db
from renkou.imports.exports import EXPORT_LIMIT, Sheet
from renkou.pagination import Page, paginate
from renkou.schemas import mask_phone
from renkou.search import text_matches
from tenants.association.models import MEMBER_ROLES, MEMBER_STATUSES, Liaison, Member, MemberGroup
from tenants.association.services.common import apply_changes, check_not_future, check_village, filled
from tenants.association.sheets import MEMBER_COLUMNS, REGISTRY_HEADER, ROLE_WORDS, STATUS_WORDS, word_for
from tenants.network.models import Village
from tenants.registry import resident_id as ids
from tenants.registry.models import Person
from tenants.registry.resident_id import mask_name

RECORD_TYPE = "association_member"
FIELDS = ("member_number", "person_id", "name", "phone", "village_id", "group_id", "joined_on", "role", "status",
          "left_on", "note")
SORTS = {
    "number": (Member.member_number.asc(),),
    "-number": (Member.member_number.desc(),),
    "name": (Member.name.asc(), Member.member_number.asc()),
    "-name": (Member.name.desc(), Member.member_number.asc()),
    "joined_on": (Member.joined_on.asc(), Member.member_number.asc()),
    "-joined_on": (Member.joined_on.desc(), Member.member_number.asc()),
    "village": (Village.code.asc().nulls_first(), Member.member_number.asc()),
    "-village": (Village.code.desc().nulls_last(), Member.member_number.asc()),
}


@dataclasses.dataclass
class MemberFilter:
    q: str = ""
    village_id: int | None = None
    group_id: int | None = None
    role: str | None = None
    status: str | None = None


def members_statement(filters: MemberFilter, sort: str = "number") -> Select:
    """Members matching ``q`` in name or number, of a village, group, role or status."""
    statement = (select(Member).outerjoin(Member.village)
                 .order_by(*SORTS.get(sort, SORTS["number"]), Member.id))
    if filters.q:
        statement = statement.where(text_matches(filters.q, Member.name, Member.member_number))
    for column, value in ((Member.village_id, filters.village_id), (Member.group_id, filters.group_id),
                          (Member.role, filters.role), (Member.status, filters.status)):
        if value:
            statement = statement.where(column == value)
    return statement


def list_members(filters: MemberFilter, sort: str = "number", page: int = 1, per_page: int = 50) -> Page:
    """One page of members."""
    return paginate(db.session, members_statement(filters, sort), page, per_page)


def export_members(filters: MemberFilter, sort: str = "number") -> Sheet:
    """The members matching ``filters`` for a spreadsheet under the import's headers (sheets.MEMBER_COLUMNS):
    names, ID numbers and phones masked, the export audited."""
    audit.record("association_member.export", record_type=RECORD_TYPE, detail={"filters": _filter_detail(filters)})
    members = db.session.scalars(members_statement(filters, sort).limit(EXPORT_LIMIT))
    rows = ([m.member_number, mask_name(m.name), ids.mask(m.person.resident_id) if m.person else "",
             m.village.name if m.village else "", m.group.name if m.group else "", m.joined_on.isoformat(),
             word_for(m.role, ROLE_WORDS), mask_phone(m.phone), word_for(m.status, STATUS_WORDS),
             m.left_on.isoformat() if m.left_on else "", m.note, "是" if m.in_registry else "否"] for m in members)
    return Sheet([column.header for column in MEMBER_COLUMNS] + [REGISTRY_HEADER], rows, "会员")


def get_member(member_id: int) -> Member:
    member = db.session.get(Member, member_id)
    if member is None:
        raise NotFoundError(str(_l("No such member.")))
    return member


def read_member(member_id: int) -> Member:
    """A member's record with the full name and phone: the read is audited."""
    member = get_member(member_id)
    audit.record("association_member.read", record_type=RECORD_TYPE, record_id=member.id)
    return member


def find_by_number(member_number: str) -> Member | None:
    return db.session.scalar(select(Member).where(Member.member_number == member_number))


def member_of_person(person_id: int) -> Member | None:
    return db.session.scalar(select(Member).where(Member.person_id == person_id))


def active_members(village_id: int | None = None) -> list[Member]:
    """Members who have not left, those of ``village_id`` first, by number (the choices of a liaison form)."""
    statement = select(Member).where(Member.status == "active")
    if village_id:
        statement = statement.order_by(Member.village_id != village_id, Member.member_number)
    else:
        statement = statement.order_by(Member.member_number)
    return list(db.session.scalars(statement))


def create_member(data: dict) -> Member:
    """A new member: ``member_number``; ``person_id`` (a registry person: their name is taken) or ``name``;
    ``phone``, ``village_id`` and/or ``group_id`` (the group's village is the member's), ``joined_on``,
    ``role``, ``status`` and ``left_on`` (both for a member who already left), ``note``."""
    values = {field: data.get(field) for field in FIELDS}
    values["role"] = values["role"] or "member"
    if not values["status"]:
        values["status"] = "left" if values["left_on"] else "active"
    values = _validated(values, existing=None)
    member = Member(**values)
    db.session.add(member)
    db.session.flush()
    audit.record("association_member.create", record_type=RECORD_TYPE, record_id=member.id,
                 detail={"fields": filled(values)})
    return member


def update_member(member: Member, changes: dict) -> Member:
    """Change a member. Who they are (``person_id`` / ``name``) is given anew as a whole; ``status`` "active"
    without a ``left_on`` clears the day they left, a ``left_on`` without a ``status`` means they left."""
    values = {field: getattr(member, field) for field in FIELDS}
    if {"person_id", "name"} & set(changes):
        values.update(person_id=None, name=None)
    values.update({field: changes[field] for field in FIELDS if field in changes})
    if changes.get("status") == "active" and "left_on" not in changes:
        values["left_on"] = None
    if changes.get("left_on") and "status" not in changes:
        values["status"] = "left"
    values = _validated(values, existing=member)
    was_active, old_group = member.active, member.group_id
    changed = apply_changes(member, values, FIELDS)
    db.session.flush()
    if was_active and not member.active:
        _end_membership(member)
    elif old_group != member.group_id and old_group is not None:
        _step_down(member, old_group)
    db.session.expire(member, ["person", "village", "group"])
    audit.record("association_member.update", record_type=RECORD_TYPE, record_id=member.id,
                 detail={"fields": changed})
    return member


def delete_member(member: Member) -> None:
    """Remove a member entered by mistake (members who leave keep their record); their liaisons go too."""
    audit.record("association_member.delete", record_type=RECORD_TYPE, record_id=member.id)
    for group in db.session.scalars(select(MemberGroup).where(MemberGroup.leader_id == member.id)):
        group.leader_id = None
    for liaison in db.session.scalars(select(Liaison).where(Liaison.member_id == member.id)):
        db.session.delete(liaison)
    db.session.flush()
    db.session.delete(member)
    db.session.flush()


def _validated(values: dict, existing: Member | None) -> dict:
    """Check a member's fields together; fills the name from the registry and the village from the group."""
    errors: dict[str, list[str]] = {}
    values = dict(values)
    values["note"] = values.get("note") or ""
    values["phone"] = values.get("phone") or None
    if not (values.get("member_number") or "").strip():
        errors["member_number"] = [str(_l("This field is required."))]
    if values.get("role") not in MEMBER_ROLES:
        errors["role"] = [str(_l("Choose one of the listed values."))]
    _fill_person(values, errors)
    _fill_village(values, errors)
    _check_dates(values, existing, errors)
    if errors:
        raise ServiceError(errors)
    _check_unique(values, existing)
    return values


def _fill_person(values: dict, errors: dict) -> None:
    if values.get("person_id"):
        person = db.session.get(Person, values["person_id"])
        if person is None:
            errors["person_id"] = [str(_l("No such person."))]
            return
        values["name"] = person.name
    values["name"] = (values.get("name") or "").strip() or None
    if not values["name"]:
        errors["name"] = [str(_l("Choose a person from the registry or type the member's name."))]


def _fill_village(values: dict, errors: dict) -> None:
    check_village(values.get("village_id"), errors)
    if not values.get("group_id"):
        values["group_id"] = None
        return
    group = db.session.get(MemberGroup, values["group_id"])
    if group is None:
        errors["group_id"] = [str(_l("No such member group."))]
    elif values.get("village_id") and values["village_id"] != group.village_id:
        errors["group_id"] = [str(_l("The group is in another village."))]
    else:
        values["village_id"] = group.village_id


def _check_dates(values: dict, existing: Member | None, errors: dict) -> None:
    if values.get("joined_on") is None:
        errors["joined_on"] = [str(_l("This field is required."))]
    for field in ("joined_on", "left_on"):
        check_not_future(values, field, errors)
    status, left_on = values.get("status"), values.get("left_on")
    if status not in MEMBER_STATUSES:
        errors["status"] = [str(_l("Choose one of the listed values."))]
    elif status == "left" and left_on is None:
        errors["left_on"] = [str(_l("Give the day the member left."))]
    elif status == "active" and left_on is not None:
        errors["left_on"] = [str(_l("Only a member who left has a leaving date."))]
    if left_on and values.get("joined_on") and left_on < values["joined_on"]:
        errors["left_on"] = [str(_l("The member left before joining."))]
    if existing is not None and left_on and "left_on" not in errors:
        started = db.session.scalar(select(func.min(Liaison.start_date)).where(
            Liaison.member_id == existing.id, Liaison.start_date > left_on))
        if started is not None:
            errors["left_on"] = [str(_l("The member keeps in touch with a household from %(date)s, after this day: "
                                        "change that liaison first.", date=started.isoformat()))]


def _check_unique(values: dict, existing: Member | None) -> None:
    holder = find_by_number(values["member_number"])
    if holder is not None and (existing is None or holder.id != existing.id):
        raise ConflictError.on("member_number", str(_l("A member with this number already exists in the town.")))
    if values.get("person_id"):
        holder = member_of_person(values["person_id"])
        if holder is not None and (existing is None or holder.id != existing.id):
            raise ConflictError.on("person_id", str(_l("This person is already a member (number %(number)s).",
                                                       number=holder.member_number)))


def _end_membership(member: Member) -> None:
    """A member left: their open liaisons end on the day they left, and they no longer lead a group."""
    for liaison in db.session.scalars(select(Liaison).where(Liaison.member_id == member.id)):
        if liaison.end_date is None or liaison.end_date > member.left_on:
            liaison.end_date = member.left_on
            audit.record("association_liaison.update", record_type="association_liaison", record_id=liaison.id,
                         detail={"fields": ["end_date"], "reason": "member_left"})
    _step_down(member, None)
    db.session.flush()


def _step_down(member: Member, group_id: int | None) -> None:
    """The member no longer leads ``group_id`` (None: any group)."""
    statement = select(MemberGroup).where(MemberGroup.leader_id == member.id)
    if group_id is not None:
        statement = statement.where(MemberGroup.id == group_id)
    for group in db.session.scalars(statement):
        group.leader_id = None
        audit.record("association_group.update", record_type="association_group", record_id=group.id,
                     detail={"fields": ["leader_id"], "reason": "member_left_group"})
    db.session.flush()


def _filter_detail(filters: MemberFilter) -> dict:
    # The search text may be a person's name: the audit trail records that there was one, not what it was.
    detail = {k: str(v) for k, v in dataclasses.asdict(filters).items() if v not in (None, "") and k != "q"}
    if filters.q:
        detail["q"] = True
    return detail


def member_counts_by_village() -> dict[int | None, int]:
    """{village id (None: members of the town without a village): members who have not left}."""
    rows = db.session.execute(select(Member.village_id, func.count(Member.id))
                              .where(Member.status == "active").group_by(Member.village_id))
    return {village_id: count for village_id, count in rows}


def role_counts() -> dict[str, int]:
    """{role: members who have not left}, every role listed."""
    rows = dict(db.session.execute(select(Member.role, func.count(Member.id)).where(Member.status == "active")
                                   .group_by(Member.role)).all())
    return {role: rows.get(role, 0) for role in MEMBER_ROLES}
