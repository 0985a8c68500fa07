"""Follow-up tasks a birth notice opens for the office, with due dates and an assignee (the village cadre)."""

from __future__ import annotations

import dataclasses

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, select

from renkou.audit import services as audit
from renkou.errors import NotFoundError, ServiceError
from renkou.extensions import db
from renkou.imports.exports import EXPORT_LIMIT, Sheet
from renkou.pagination import Page, paginate
from renkou.search import text_matches
from renkou.timezone import local
from renkou.types import utcnow
from tenants.births import labels, rules
from tenants.births.models import TASK_KINDS, Birth, BirthNotice, BirthRegistration, FollowUpTask
from tenants.births.services.common import filter_detail, in_village, local_text, village_name
from tenants.network import staff_services
from tenants.network.models import VillageStaff
from tenants.registry import resident_id as ids


@dataclasses.dataclass
class TaskFilter:
    status: str = "open"  # open, done or all
    kind: str | None = None
    overdue: bool = False
    village_id: int | None = None
    staff_id: int | None = None
    assignee: str = ""


def tasks_statement(filters: TaskFilter) -> Select:
    """Tasks, soonest due first; per village (the mother's) or assignee (staff member or name)."""
    statement = (select(FollowUpTask).join(Birth, FollowUpTask.birth_id == Birth.id)
                 .order_by(FollowUpTask.due_on.asc(), FollowUpTask.id.asc()))
    if filters.status in ("open", "done"):
        statement = statement.where(FollowUpTask.status == filters.status)
    if filters.kind:
        statement = statement.where(FollowUpTask.kind == filters.kind)
    if filters.overdue:
        statement = statement.where(FollowUpTask.status == "open", FollowUpTask.due_on < rules.today())
    if filters.staff_id:
        statement = statement.where(FollowUpTask.assignee_staff_id == filters.staff_id)
    if filters.assignee:
        statement = statement.where(text_matches(filters.assignee, FollowUpTask.assignee_name))
    return in_village(statement, Birth.mother_id, filters.village_id)


def list_tasks(filters: TaskFilter, page: int = 1, per_page: int = 50) -> Page:
    """One page of tasks (see tasks_statement)."""
    return paginate(db.session, tasks_statement(filters), page, per_page)


def export_tasks(filters: TaskFilter) -> Sheet:
    """The tasks matching ``filters``, for a spreadsheet: the mothers' ID numbers masked, the export audited."""
    audit.record("birth_task.export", record_type="birth_task", detail={"filters": filter_detail(filters)})
    today = rules.today()
    found = db.session.scalars(tasks_statement(filters).limit(EXPORT_LIMIT))
    rows = ([labels.TASK_KIND[t.kind], t.birth.mother.name, ids.mask(t.birth.mother.resident_id),
             village_name(t.birth.mother), local_text(t.birth.born_at), t.due_on, t.assignee_display,
             labels.TASK_STATUS[t.status], _l("Overdue") if t.is_overdue(today) else "", local_text(t.done_at),
             t.done_note] for t in found)
    headers = ["任务", "母亲姓名", "母亲身份证号码", "村/社区", "出生时间", "办理期限", "负责人", "状态", "是否逾期",
               "完成时间", "办理说明"]
    return Sheet(headers, rows, "后续服务任务")


def get_task(task_id: int) -> FollowUpTask:
    task = db.session.get(FollowUpTask, task_id)
    if task is None:
        raise NotFoundError(str(_l("No such task.")))
    return task


def complete_task(task: FollowUpTask, note: str | None = None) -> FollowUpTask:
    if task.status == "done":
        raise ServiceError.on("_schema", str(_l("This task is done already.")))
    task.status = "done"
    task.done_at = utcnow()
    task.done_note = (note or "").strip() or None
    db.session.flush()
    audit.record("birth_task.done", record_type="birth_task", record_id=task.id,
                 detail={"fields": ["status", "done_at"] + (["done_note"] if task.done_note else [])})
    return task


def village_staff() -> list[VillageStaff]:
    """Active village staff, to assign tasks to."""
    return staff_services.list_staff(active=True, per_page=200).items


# ---------------------------------------------------------------------------------------------------------
# Opening and closing tasks


def assignee(staff_id: int | None, name: str | None, birth: Birth) -> VillageStaff | None:
    """The staff member given; with neither a staff member nor a name, the mother's village's first one."""
    if staff_id:
        try:
            return staff_services.get_staff(staff_id)
        except NotFoundError as error:
            raise ServiceError.on("assignee_staff_id", str(_l("No such village staff member."))) from error
    household = birth.mother.household
    if name or household is None:
        return None
    first = staff_services.list_staff(village_id=household.village_id, active=True, per_page=1).items
    return first[0] if first else None


def open_tasks(notice: BirthNotice, birth: Birth, staff: VillageStaff | None, name: str | None) -> None:
    """Open each kind of task the birth does not have yet; registration only if the mother has not applied."""
    received_on = local(notice.received_at).date()
    existing = set(db.session.scalars(select(FollowUpTask.kind).where(FollowUpTask.birth_id == birth.id)))
    for kind in TASK_KINDS:
        if kind in existing or (kind == "registration" and has_registration(birth)):
            continue
        task = FollowUpTask(birth_id=birth.id, notice_id=notice.id, kind=kind, status="open",
                            due_on=rules.follow_up_due(kind, received_on),
                            assignee_staff_id=staff.id if staff else None, assignee_name=name)
        db.session.add(task)
        db.session.flush()
        audit.record("birth_task.create", record_type="birth_task", record_id=task.id,
                     detail={"fields": ["kind", "due_on", "assignee"], "kind": kind})


def has_registration(birth: Birth) -> bool:
    """Whether the mother has a live application for this child (matched by the child's order).

    A birth of unknown order counts as not registered: an unneeded task is closed in a click, a
    missing one leaves a family without help.
    """
    if birth.birth_order is None:
        return False
    return bool(db.session.scalar(select(exists().where(
        BirthRegistration.mother_id == birth.mother_id, BirthRegistration.child_order == birth.birth_order,
        BirthRegistration.status != "returned"))))


def close_registration_tasks(registration: BirthRegistration) -> None:
    """Filing the application is what the registration task asked for."""
    statement = (select(FollowUpTask).join(Birth, FollowUpTask.birth_id == Birth.id)
                 .where(FollowUpTask.kind == "registration", FollowUpTask.status == "open",
                        Birth.mother_id == registration.mother_id,
                        (Birth.birth_order == registration.child_order) | Birth.birth_order.is_(None)))
    for task in db.session.scalars(statement):
        complete_task(task, str(_l("Application no. %(id)s filed.", id=registration.id)))

