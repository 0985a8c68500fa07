"""Births and the birth notices (出生信息) of the health centre, which open the follow-up tasks."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from renkou.audit import services as audit
from renkou.errors import NotFoundError, ServiceError
from renkou.extensions import db
from renkou.imports.exports import EXPORT_LIMIT, Sheet
from renkou.pagination import Page, paginate
from renkou.timezone import local
from renkou.types import utcnow
from tenants.births import labels, rules
from tenants.births.models import Birth, BirthNotice
from tenants.births.services import tasks
from tenants.births.services.common import (
    CLOCK_SKEW,
    apply_changes,
    filter_detail,
    in_village,
    local_text,
    mother,
    village_name,
)
from tenants.registry import resident_id as ids

BIRTH_FIELDS = ("mother_id", "child_name", "born_at", "sex", "weight_grams", "place_type", "place_name",
                "birth_order")


@dataclasses.dataclass
class BirthFilter:
    village_id: int | None = None
    mother_id: int | None = None


def births_statement(filters: BirthFilter) -> Select:
    statement = select(Birth).order_by(Birth.born_at.desc(), Birth.id.desc())
    if filters.mother_id:
        statement = statement.where(Birth.mother_id == filters.mother_id)
    return in_village(statement, Birth.mother_id, filters.village_id)


def list_births(filters: BirthFilter, page: int = 1, per_page: int = 50) -> Page:
    return paginate(db.session, births_statement(filters), page, per_page)


def recent_births(limit: int = 200) -> list[Birth]:
    """The latest births, for choosing the one a notice is about."""
    return list(db.session.scalars(select(Birth).order_by(Birth.born_at.desc(), Birth.id.desc()).limit(limit)))


def get_birth(birth_id: int) -> Birth:
    birth = db.session.get(Birth, birth_id)
    if birth is None:
        raise NotFoundError(str(_l("No such birth.")))
    return birth


def read_birth(birth_id: int) -> Birth:
    birth = get_birth(birth_id)
    audit.record("birth.read", record_type="birth", record_id=birth.id)
    return birth


def create_birth(data: dict) -> Birth:
    values = _validated_birth({field: data.get(field) for field in BIRTH_FIELDS})
    birth = Birth(**values)
    db.session.add(birth)
    db.session.flush()
    audit.record("birth.create", record_type="birth", record_id=birth.id,
                 detail={"fields": sorted(k for k, v in values.items() if v not in (None, ""))})
    return birth


def update_birth(birth: Birth, changes: dict) -> Birth:
    """Correct a recorded birth; fields left out keep their value. (A re-uploaded spreadsheet updates the
    birth it finds by mother and time of birth.) Notices keep the time of birth as they notified it."""
    merged = {field: getattr(birth, field) for field in BIRTH_FIELDS}
    merged.update({k: v for k, v in changes.items() if k in BIRTH_FIELDS})
    changed = apply_changes(birth, _validated_birth(merged), BIRTH_FIELDS)
    db.session.flush()
    if changed:
        audit.record("birth.update", record_type="birth", record_id=birth.id, detail={"fields": changed})
    return birth


def _validated_birth(values: dict) -> dict:
    errors = {field: [str(_l("This field is required."))] for field in ("born_at", "sex") if not values.get(field)}
    try:
        mother(values.get("mother_id"))
    except ServiceError as error:
        errors.update(error.errors)
    if errors:
        raise ServiceError(errors)
    if values["born_at"] > utcnow() + CLOCK_SKEW:
        raise ServiceError.on("born_at", str(_l("The time of birth is in the future.")))
    if not values.get("place_type"):
        values["place_type"] = "hospital"
    return values


def export_births(filters: BirthFilter) -> Sheet:
    """The births matching ``filters``, for a spreadsheet: the mothers' ID numbers masked, the export audited."""
    audit.record("birth.export", record_type="birth", detail={"filters": filter_detail(filters)})
    births = db.session.scalars(births_statement(filters).limit(EXPORT_LIMIT))
    rows = ([b.mother.name, ids.mask(b.mother.resident_id), village_name(b.mother), local_text(b.born_at),
             labels.CHILD_SEX[b.sex], b.birth_order, b.weight_grams, labels.PLACE[b.place_type], b.place_name,
             b.child_name, b.id] for b in births)
    # 编号 (the record number) lets the exported list be imported again: a row updates that birth.
    headers = ["母亲姓名", "母亲身份证号码", "村/社区", "出生时间", "性别", "孩次", "体重(克)", "出生地点类型",
               "出生地点", "孩子姓名", "编号"]
    return Sheet(headers, rows, "出生")


# ---------------------------------------------------------------------------------------------------------
# Birth notices


def notices_statement(on_time: bool | None = None) -> Select:
    statement = select(BirthNotice).order_by(BirthNotice.received_at.desc(), BirthNotice.id.desc())
    if on_time is not None:
        statement = statement.where(BirthNotice.on_time.is_(on_time))
    return statement


def list_notices(on_time: bool | None = None, page: int = 1, per_page: int = 50) -> Page:
    return paginate(db.session, notices_statement(on_time), page, per_page)


def export_notices(on_time: bool | None = None) -> Sheet:
    """The birth notices (on time, late or all), for a spreadsheet: ID numbers masked, the export audited."""
    audit.record("birth_notice.export", record_type="birth_notice",
                 detail={"filters": {"on_time": str(on_time)} if on_time is not None else {}})
    notices = db.session.scalars(notices_statement(on_time).limit(EXPORT_LIMIT))
    rows = ([local_text(n.received_at), local_text(n.born_at), n.birth.mother.name,
             ids.mask(n.birth.mother.resident_id), village_name(n.birth.mother), n.source,
             _l("On time") if n.on_time else _l("Late")] for n in notices)
    headers = ["接收时间", "出生时间（据通报）", "母亲姓名", "母亲身份证号码", "村/社区", "报送单位", "24小时内报送"]
    return Sheet(headers, rows, "出生信息")


def is_on_time(born_at: datetime, received_at: datetime) -> bool:
    """Received at most 24 hours after the birth (出生信息及时报送)."""
    return received_at - born_at <= rules.notice_on_time_limit(local(born_at).date())


def receive_notice(*, source: str, received_at: datetime | None = None, born_at: datetime | None = None,
                   birth_id: int | None = None, birth: dict | None = None, assignee_staff_id: int | None = None,
                   assignee_name: str | None = None) -> BirthNotice:
    """Record a birth notice for a recorded birth (``birth_id``) or a new one (``birth``), and open the
    follow-up tasks: registration (unless the mother has applied for this child), subsidy intake,
    postnatal visit."""
    received_at = received_at or utcnow()
    if birth_id:
        try:
            linked = get_birth(birth_id)
        except NotFoundError as error:
            raise ServiceError.on("birth_id", str(_l("No such birth."))) from error
    elif birth:
        linked = create_birth({**birth, "born_at": birth.get("born_at") or born_at})
    else:
        raise ServiceError.on("birth_id", str(_l("Choose the birth or record it with the notice.")))
    born_at = born_at or linked.born_at
    if received_at < born_at:
        raise ServiceError.on("received_at", str(_l("A notice cannot arrive before the birth.")))
    if received_at > utcnow() + CLOCK_SKEW:
        raise ServiceError.on("received_at", str(_l("The time received is in the future.")))
    staff = tasks.assignee(assignee_staff_id, assignee_name, linked)
    notice = BirthNotice(birth_id=linked.id, born_at=born_at, received_at=received_at, source=source,
                         on_time=is_on_time(born_at, received_at))
    db.session.add(notice)
    db.session.flush()
    audit.record("birth_notice.create", record_type="birth_notice", record_id=notice.id,
                 detail={"fields": ["birth_id", "born_at", "received_at", "source"], "on_time": notice.on_time})
    tasks.open_tasks(notice, linked, staff, None if staff else assignee_name)
    db.session.refresh(notice, ["tasks"])
    return notice
