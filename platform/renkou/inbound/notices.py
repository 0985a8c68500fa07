"""Reading the bureau's messages and tasks: a town reads its own tasks, the county reads everything.

A town's task holds its person sealed under the town's key; opening the task unseals it for the page,
masked, and is audited (a reveal of the full name and ID, for the town's editors, is audited apart).
County pages read the shared tables only and show people masked.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select

from renkou.audit import services as audit
from renkou.errors import NotFoundError, PermissionDenied
from renkou.extensions import db
from renkou.imports.exports import EXPORT_LIMIT, Sheet
from renkou.inbound import labels
from renkou.inbound.models import OPEN, InboundMessage, Notice
from renkou.inbound.routing import unseal
from renkou.pagination import Page, paginate
from renkou.search import text_matches
from renkou.tenancy.context import current_town
from renkou.timezone import local
from renkou.types import utcnow

RECORD_TYPE = "bureau_notice"
NOTICE_SORTS = {"due_on": (Notice.due_on.asc(), Notice.id.asc()), "-due_on": (Notice.due_on.desc(), Notice.id.desc()),
                "received_on": (Notice.received_on.asc(), Notice.id.asc()),
                "-received_on": (Notice.received_on.desc(), Notice.id.desc())}
MESSAGE_SORTS = {"received": (InboundMessage.received_at.asc(), InboundMessage.id.asc()),
                 "-received": (InboundMessage.received_at.desc(), InboundMessage.id.desc())}


def today() -> date:
    return local(utcnow()).date()


def _search(statement, q: str, *columns):
    if q:
        statement = statement.where(text_matches(q, *columns))
    return statement


# ---------------------------------------------------------------------------------------------------------
# A town's tasks


@dataclasses.dataclass
class NoticeFilter:
    kind: str | None = None
    status: str | None = None
    overdue: bool = False
    q: str = ""


def _filtered(statement, filters: NoticeFilter, on: date):
    if filters.kind:
        statement = statement.where(Notice.kind == filters.kind)
    if filters.status:
        statement = statement.where(Notice.status == filters.status)
    if filters.overdue:
        statement = statement.where(Notice.status == OPEN, Notice.due_on < on)
    return statement


def _town_statement(town_id: int, filters: NoticeFilter, sort: str):
    statement = select(Notice).join(InboundMessage).where(Notice.town_id == town_id)
    statement = _filtered(statement, filters, today())
    statement = _search(statement, filters.q, Notice.title, InboundMessage.reference)
    return statement.order_by(*NOTICE_SORTS.get(sort, NOTICE_SORTS["due_on"]))


def town_notices(town_id: int, filters: NoticeFilter, sort: str = "due_on", page: int = 1,
                 per_page: int = 50) -> Page:
    """The town's tasks, soonest due first by default; overdue ones can be picked out."""
    return paginate(db.session, _town_statement(town_id, filters, sort), page, per_page)


def export_town_notices(town_id: int, filters: NoticeFilter, sort: str = "due_on") -> Sheet:
    """The tasks the filters keep, for a spreadsheet: people masked, the export audited."""
    audit.record("bureau_notice.export", record_type=RECORD_TYPE, detail={"filters": dataclasses.asdict(filters)})
    on = today()
    rows = ([notice.message.reference, str(labels.KIND[notice.kind]), "是" if notice.urgent else "", notice.title,
             notice.person_masked, notice.resident_id_masked, notice.received_on, notice.due_on,
             str(labels.NOTICE_STATUS[notice.status]), "是" if notice.is_overdue(on) else "", notice.replied_at
             and local(notice.replied_at).strftime("%Y-%m-%d %H:%M")]
            for notice in db.session.scalars(_town_statement(town_id, filters, sort).limit(EXPORT_LIMIT)))
    headers = ["文号", "类别", "紧急", "标题", "姓名", "身份证号码", "收到日期", "答复期限", "状态", "逾期", "答复时间"]
    return Sheet(headers, rows, "上级通知")


def town_notice(notice_id: int) -> Notice:
    """A task of the current town; any other task is 404, whatever its id."""
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.town_id != current_town().id:
        raise NotFoundError(str(_l("No such task.")))
    return notice


@dataclasses.dataclass
class Person:
    name: str
    resident_id: str
    request: str
    revealed: bool


def person_of(notice: Notice, reveal: bool = False) -> Person | None:
    """The task's person as the page shows them: masked, or in full for an editor who asks (audited)."""
    if notice.personal is None:
        if notice.person_masked or notice.resident_id_masked:
            return Person(notice.person_masked, notice.resident_id_masked, "", False)
        return None
    if reveal and not current_town().can_edit:
        raise PermissionDenied(str(_l("Your role may not see full ID numbers.")))
    personal = unseal(current_town().code, notice.personal)
    audit.record("bureau_notice.reveal" if reveal else "bureau_notice.read", record_type=RECORD_TYPE,
                 record_id=notice.id)
    if reveal:
        return Person(personal["name"], personal["resident_id"], personal.get("request", ""), True)
    return Person(notice.person_masked, notice.resident_id_masked, personal.get("request", ""), False)


def open_count(town_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Notice)
                             .where(Notice.town_id == town_id, Notice.status == OPEN)) or 0


# ---------------------------------------------------------------------------------------------------------
# The county's view: every message


@dataclasses.dataclass
class MessageFilter:
    kind: str | None = None
    status: str | None = None
    overdue: bool = False
    q: str = ""


def messages(filters: MessageFilter, sort: str = "-received", page: int = 1, per_page: int = 50) -> Page:
    statement = select(InboundMessage)
    if filters.kind:
        statement = statement.where(InboundMessage.kind == filters.kind)
    if filters.status:
        statement = statement.where(InboundMessage.status == filters.status)
    if filters.overdue:
        statement = statement.where(exists().where(Notice.inbound_id == InboundMessage.id, Notice.status == OPEN,
                                                   Notice.due_on < today()))
    statement = _search(statement, filters.q, InboundMessage.title, InboundMessage.reference,
                        InboundMessage.message_id)
    return paginate(db.session, statement.order_by(*MESSAGE_SORTS.get(sort, MESSAGE_SORTS["-received"])), page,
                    per_page)


def message(message_pk: int) -> InboundMessage:
    found = db.session.get(InboundMessage, message_pk)
    if found is None:
        raise NotFoundError(str(_l("No such message.")))
    return found


def county_notice(notice_id: int) -> Notice:
    """A task of the county itself (a town's task is answered by the town)."""
    notice = db.session.get(Notice, notice_id)
    if notice is None or not notice.for_county:
        raise NotFoundError(str(_l("No such task.")))
    return notice
