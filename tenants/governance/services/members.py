"""The town's leadership group (领导小组): who is in it, their post in the town and role in the group.

The phone is personal data: stored encrypted, masked on lists, in full only on the record page and
the API's read of one member, both audited. Members who leave the group are deactivated, not deleted,
so the duties they held keep their name.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select

from renkou.audit import services as audit
from renkou.errors import NotFoundError
from renkou.extensions import db
from renkou.pagination import Page, paginate
from tenants.governance.models import GROUP_ROLES, LeadershipMember
from tenants.governance.services.common import apply_changes

FIELDS = ("name", "position", "group_role", "phone", "sort_order", "active")
RECORD_TYPE = "leadership_member"
_ROLE_RANK = case({role: rank for rank, role in enumerate(GROUP_ROLES)}, value=LeadershipMember.group_role,
                  else_=len(GROUP_ROLES))


def members_statement(active: bool | None = None):
    """Members in the group's order: active first, then by the set order, role (组长 first) and name."""
    statement = select(LeadershipMember).order_by(LeadershipMember.active.desc(), LeadershipMember.sort_order,
                                                  _ROLE_RANK, LeadershipMember.name, LeadershipMember.id)
    if active is not None:
        statement = statement.where(LeadershipMember.active.is_(active))
    return statement


def list_members(active: bool | None = None, page: int = 1, per_page: int = 50) -> Page:
    return paginate(db.session, members_statement(active), page, per_page)


def active_members() -> list[LeadershipMember]:
    """Every current member (the choices of a duty form)."""
    return list(db.session.scalars(members_statement(True)))


def get_member(member_id: int) -> LeadershipMember:
    member = db.session.get(LeadershipMember, member_id)
    if member is None:
        raise NotFoundError(str(_l("No such member of the leadership group.")))
    return member


def members_named(name: str) -> list[LeadershipMember]:
    """The members with exactly this name, current ones first (how a spreadsheet names a member)."""
    return list(db.session.scalars(select(LeadershipMember).where(LeadershipMember.name == name.strip())
                                   .order_by(LeadershipMember.active.desc(), LeadershipMember.id)))


def read_member(member_id: int) -> LeadershipMember:
    """One member with the full phone number: the read is audited."""
    member = get_member(member_id)
    audit.record("leadership_member.read", record_type=RECORD_TYPE, record_id=member.id)
    return member


def create_member(data: dict) -> LeadershipMember:
    values = {field: data[field] for field in FIELDS if field in data}
    values["phone"] = values.get("phone") or None
    member = LeadershipMember(**values)
    db.session.add(member)
    db.session.flush()
    audit.record("leadership_member.create", record_type=RECORD_TYPE, record_id=member.id,
                 detail={"fields": sorted(field for field in FIELDS if getattr(member, field) not in (None, ""))})
    return member


def update_member(member: LeadershipMember, changes: dict) -> LeadershipMember:
    if "phone" in changes:
        changes = {**changes, "phone": changes["phone"] or None}
    changed = apply_changes(member, changes, FIELDS)
    db.session.flush()
    audit.record("leadership_member.update", record_type=RECORD_TYPE, record_id=member.id,
                 detail={"fields": changed})
    return member


def delete_member(member: LeadershipMember) -> None:
    """Remove an entry made by mistake (members who leave are deactivated). Duties keep the name."""
    audit.record("leadership_member.delete", record_type=RECORD_TYPE, record_id=member.id)
    db.session.delete(member)
    db.session.flush()
