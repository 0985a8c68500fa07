"""Liaison households (联系户): registry households a member keeps in touch with, from a start date to an
end date (inclusive; none while it lasts).

A liaison lies within the membership: it starts on or after the day the member joined and, for a
member who left, ends by the day they left. The same member and household twice in overlapping periods
is refused. Lists show members' names masked and households by number.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, or_, select

from renkou.audit import services as audit
from renkou.errors import ConflictError, NotFoundError, ServiceError
from renkou.extensions import db
from renkou.imports.exports import EXPORT_LIMIT, Sheet
from renkou.pagination import Page, paginate
from renkou.search import text_matches
from tenants.association.models import Liaison, Member
from tenants.association.services.common import apply_changes, filled, today
from tenants.registry.models import Household
from tenants.registry.resident_id import mask_name

RECORD_TYPE = "association_liaison"
FIELDS = ("start_date", "end_date", "note")
SORTS = {
    "household": (Household.number.asc(), Liaison.start_date.desc()),
    "-household": (Household.number.desc(), Liaison.start_date.desc()),
    "member": (Member.member_number.asc(), Household.number.asc()),
    "-member": (Member.member_number.desc(), Household.number.asc()),
    "start_date": (Liaison.start_date.asc(), Household.number.asc()),
    "-start_date": (Liaison.start_date.desc(), Household.number.asc()),
}


@dataclasses.dataclass
class LiaisonFilter:
    q: str = ""
    village_id: int | None = None
    member_id: int | None = None
    current: bool | None = None  # True: lasting on ``as_of``; False: ended by then or not begun
    as_of: date | None = None


def current_on(day: date):
    """The condition of a liaison lasting on ``day``."""
    return and_(Liaison.start_date <= day, or_(Liaison.end_date.is_(None), Liaison.end_date >= day))


def liaisons_statement(filters: LiaisonFilter, sort: str = "household") -> Select:
    """Liaisons by household number or member number / name (``q``), the household's village, the member."""
    statement = (select(Liaison).join(Liaison.household).join(Liaison.member)
                 .order_by(*SORTS.get(sort, SORTS["household"]), Liaison.id))
    if filters.q:
        statement = statement.where(text_matches(filters.q, Household.number, Member.member_number, Member.name))
    if filters.village_id:
        statement = statement.where(Household.village_id == filters.village_id)
    if filters.member_id:
        statement = statement.where(Liaison.member_id == filters.member_id)
    if filters.current is not None:
        lasting = current_on(filters.as_of or today())
        statement = statement.where(lasting if filters.current else ~lasting)
    return statement


def list_liaisons(filters: LiaisonFilter, sort: str = "household", page: int = 1, per_page: int = 50) -> Page:
    return paginate(db.session, liaisons_statement(filters, sort), page, per_page)


def member_liaisons(member_id: int) -> list[Liaison]:
    """Every liaison of a member, lasting ones first, by household number."""
    statement = (select(Liaison).join(Liaison.household).where(Liaison.member_id == member_id)
                 .order_by(Liaison.end_date.is_not(None), Household.number, Liaison.start_date.desc()))
    return list(db.session.scalars(statement))


def export_liaisons(filters: LiaisonFilter, sort: str = "household") -> Sheet:
    """The liaisons matching ``filters`` for a spreadsheet: members' names masked, the export audited."""
    detail = {k: str(v) for k, v in dataclasses.asdict(filters).items() if v not in (None, "") and k != "q"}
    if filters.q:
        detail["q"] = True  # the search may be a name: the trail says there was one, not what it was
    audit.record("association_liaison.export", record_type=RECORD_TYPE, detail={"filters": detail})
    day = filters.as_of or today()
    liaisons = db.session.scalars(liaisons_statement(filters, sort).limit(EXPORT_LIMIT))
    rows = ([item.household.number, item.household.village.code, item.household.village.name,
             item.household.address, item.member.member_number, mask_name(item.member.name),
             item.start_date.isoformat(), item.end_date.isoformat() if item.end_date else "",
             "联系中" if item.current_on(day) else "未在联系"] for item in liaisons)
    headers = ["户编号", "村/社区代码", "村/社区", "地址", "会员编号", "会员姓名", "开始日期", "结束日期", "状态"]
    return Sheet(headers, rows, "联系户")


def get_liaison(liaison_id: int) -> Liaison:
    liaison = db.session.get(Liaison, liaison_id)
    if liaison is None:
        raise NotFoundError(str(_l("No such liaison household.")))
    return liaison


def assign_households(member_id: int, household_ids: list[int], start_date: date, end_date: date | None = None,
                      note: str = "") -> list[Liaison]:
    """The member keeps in touch with these households from ``start_date`` (to ``end_date``): one liaison
    each, all or none. A household listed twice is assigned once."""
    errors: dict[str, list[str]] = {}
    member = db.session.get(Member, member_id) if member_id else None
    if member is None:
        errors["member_id"] = [str(_l("No such member."))]
    household_ids = list(dict.fromkeys(household_ids or []))
    households = {h.id: h for h in db.session.scalars(select(Household).where(Household.id.in_(household_ids)))}
    if not household_ids:
        errors["household_ids"] = [str(_l("Choose at least one household."))]
    elif len(households) != len(household_ids):
        errors["household_ids"] = [str(_l("No such household."))]
    values = {"start_date": start_date, "end_date": end_date, "note": note or ""}
    if member is not None:
        _check_period(member, values, errors)
    if errors:
        raise ServiceError(errors)
    for household_id in household_ids:  # every household checked before any is written
        _check_overlap(member.id, household_id, values, existing=None, household=households[household_id])
    created = []
    for household_id in household_ids:
        liaison = Liaison(member_id=member.id, household_id=household_id, **values)
        db.session.add(liaison)
        db.session.flush()
        audit.record("association_liaison.create", record_type=RECORD_TYPE, record_id=liaison.id,
                     detail={"fields": ["member_id", "household_id", *filled(values)]})
        created.append(liaison)
    return created


def update_liaison(liaison: Liaison, changes: dict) -> Liaison:
    """Change a liaison's dates or note (ending it is giving an ``end_date``)."""
    values = {field: getattr(liaison, field) for field in FIELDS}
    values.update({field: changes[field] for field in FIELDS if field in changes})
    values["note"] = values["note"] or ""
    errors: dict[str, list[str]] = {}
    _check_period(liaison.member, values, errors)
    if errors:
        raise ServiceError(errors)
    _check_overlap(liaison.member_id, liaison.household_id, values, existing=liaison, household=liaison.household)
    changed = apply_changes(liaison, values, FIELDS)
    db.session.flush()
    audit.record("association_liaison.update", record_type=RECORD_TYPE, record_id=liaison.id,
                 detail={"fields": changed})
    return liaison


def delete_liaison(liaison: Liaison) -> None:
    """Remove a liaison entered by mistake (one that ended keeps its dates)."""
    audit.record("association_liaison.delete", record_type=RECORD_TYPE, record_id=liaison.id)
    db.session.delete(liaison)
    db.session.flush()


def _check_period(member: Member, values: dict, errors: dict) -> None:
    start, end = values.get("start_date"), values.get("end_date")
    if start is None:
        errors["start_date"] = [str(_l("This field is required."))]
        return
    if end is not None and end < start:
        errors["end_date"] = [str(_l("The end is before the start."))]
    if start < member.joined_on:
        errors["start_date"] = [str(_l("The member joined on %(date)s; a liaison starts on or after that day.",
                                       date=member.joined_on.isoformat()))]
    if member.left_on is not None and (end is None or end > member.left_on):
        errors["end_date"] = [str(_l("The member left on %(date)s; the liaison ends by that day.",
                                     date=member.left_on.isoformat()))]


def _check_overlap(member_id: int, household_id: int, values: dict, existing: Liaison | None,
                   household: Household) -> None:
    start, end = values["start_date"], values.get("end_date")
    statement = select(Liaison.id).where(Liaison.member_id == member_id, Liaison.household_id == household_id,
                                         or_(Liaison.end_date.is_(None), Liaison.end_date >= start))
    if end is not None:
        statement = statement.where(Liaison.start_date <= end)
    if existing is not None:
        statement = statement.where(Liaison.id != existing.id)
    if db.session.scalar(statement.limit(1)) is not None:
        raise ConflictError.on("household_ids", str(_l("The member already keeps in touch with household "
                                                       "%(number)s in this period.", number=household.number)))
