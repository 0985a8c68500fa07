"""Member homes (会员之家): where the association's members meet, in a village or the town's own."""

from __future__ import annotations

import dataclasses

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from renkou.audit import services as audit
from renkou.errors import ConflictError, NotFoundError, ServiceError
from renkou.extensions import db
from renkou.pagination import Page, paginate
from renkou.search import text_matches
from tenants.association.models import MemberGroup, MemberHome
from tenants.association.services.common import apply_changes, check_not_future, check_village, filled
from tenants.network.models import Village

RECORD_TYPE = "association_home"
FIELDS = ("name", "village_id", "address", "opened_on", "facilities", "active")
SORTS = {
    "name": (MemberHome.name.asc(),),
    "-name": (MemberHome.name.desc(),),
    "village": (Village.code.asc().nulls_first(), MemberHome.name.asc()),
    "-village": (Village.code.desc().nulls_last(), MemberHome.name.asc()),
    "opened_on": (MemberHome.opened_on.asc().nulls_last(), MemberHome.name.asc()),
    "-opened_on": (MemberHome.opened_on.desc().nulls_last(), MemberHome.name.asc()),
}


@dataclasses.dataclass
class HomeFilter:
    q: str = ""
    village_id: int | None = None
    active: bool | None = None


def homes_statement(filters: HomeFilter, sort: str = "name") -> Select:
    """Homes matching ``q`` in name or address; ``village_id`` 0 is not a filter (None lists every home)."""
    statement = (select(MemberHome).outerjoin(MemberHome.village)
                 .order_by(*SORTS.get(sort, SORTS["name"]), MemberHome.id))
    if filters.q:
        statement = statement.where(text_matches(filters.q, MemberHome.name, MemberHome.address))
    if filters.village_id:
        statement = statement.where(MemberHome.village_id == filters.village_id)
    if filters.active is not None:
        statement = statement.where(MemberHome.active.is_(filters.active))
    return statement


def list_homes(filters: HomeFilter, sort: str = "name", page: int = 1, per_page: int = 50) -> Page:
    return paginate(db.session, homes_statement(filters, sort), page, per_page)


def all_homes() -> list[MemberHome]:
    """Every home, open ones first (the choices of a group form)."""
    return list(db.session.scalars(select(MemberHome).order_by(MemberHome.active.desc(), MemberHome.name)))


def get_home(home_id: int) -> MemberHome:
    home = db.session.get(MemberHome, home_id)
    if home is None:
        raise NotFoundError(str(_l("No such member home.")))
    return home


def groups_meeting_at(home_id: int) -> list[MemberGroup]:
    return list(db.session.scalars(select(MemberGroup).where(MemberGroup.home_id == home_id)
                                   .order_by(MemberGroup.name)))


def create_home(data: dict) -> MemberHome:
    """A new home: ``name`` (unique in the town), ``village_id`` (none: the town's own), ``address``,
    ``opened_on``, ``facilities`` (what it has, in words), ``active``."""
    values = {field: data.get(field) for field in FIELDS}
    values.update(address=values["address"] or "", facilities=values["facilities"] or "",
                  active=True if values["active"] is None else values["active"])
    _check(values, existing=None)
    home = MemberHome(**values)
    db.session.add(home)
    db.session.flush()
    audit.record("association_home.create", record_type=RECORD_TYPE, record_id=home.id,
                 detail={"fields": filled(values)})
    return home


def update_home(home: MemberHome, changes: dict) -> MemberHome:
    values = {field: getattr(home, field) for field in FIELDS}
    values.update({field: changes[field] for field in FIELDS if field in changes})
    values.update(address=values["address"] or "", facilities=values["facilities"] or "")
    _check(values, existing=home)
    changed = apply_changes(home, values, FIELDS)
    db.session.flush()
    db.session.expire(home, ["village"])
    audit.record("association_home.update", record_type=RECORD_TYPE, record_id=home.id, detail={"fields": changed})
    return home


def delete_home(home: MemberHome) -> None:
    """Remove a home entered by mistake (a closed home is marked not active); its groups keep meeting
    without one."""
    audit.record("association_home.delete", record_type=RECORD_TYPE, record_id=home.id)
    db.session.delete(home)
    db.session.flush()


def _check(values: dict, existing: MemberHome | None) -> None:
    errors: dict[str, list[str]] = {}
    if not (values.get("name") or "").strip():
        errors["name"] = [str(_l("This field is required."))]
    check_village(values.get("village_id"), errors)
    check_not_future(values, "opened_on", errors)
    if errors:
        raise ServiceError(errors)
    holder = db.session.scalar(select(MemberHome.id).where(MemberHome.name == values["name"]))
    if holder is not None and (existing is None or holder != existing.id):
        raise ConflictError.on("name", str(_l("A member home with this name already exists.")))


def home_counts_by_village() -> dict[int | None, int]:
    """{village id (None: the town's own): open homes}."""
    rows = db.session.execute(select(MemberHome.village_id, func.count(MemberHome.id))
                              .where(MemberHome.active.is_(True)).group_by(MemberHome.village_id))
    return {village_id: count for village_id, count in rows}
