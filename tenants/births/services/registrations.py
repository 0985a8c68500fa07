"""Birth registration (生育登记): apply, accept, register (with the town's number) or return, resubmit.

Self-declared: no certificate is asked for, and an application is never refused for the number or
order of children. It is handled within 7 working days of the (re)submission.
"""

from __future__ import annotations

import dataclasses

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from renkou.audit import services as audit
from renkou.errors import ConflictError, NotFoundError, ServiceError
from renkou.extensions import db
from renkou.imports.exports import EXPORT_LIMIT, Sheet
from renkou.pagination import Page, paginate
from renkou.tenancy.context import current_town
from renkou.timezone import local
from renkou.types import utcnow
from tenants.births import labels, rules
from tenants.births.models import OPEN_REGISTRATION_STATUSES, BirthRegistration, RegistrationCounter
from tenants.births.services import tasks
from tenants.births.services.common import apply_changes, filter_detail, in_village, mother, village_name
from tenants.registry import resident_id as ids
from tenants.registry.models import Person

REGISTRATION_FIELDS = ("mother_id", "father_id", "father_name", "timing", "expected_date", "child_birth_date",
                       "child_order", "self_declared", "applied_on")


@dataclasses.dataclass
class RegistrationFilter:
    status: str | None = None
    overdue: bool = False
    village_id: int | None = None
    mother_id: int | None = None


REGISTRATION_SORTS = {
    "applied_on": (BirthRegistration.applied_on.asc(),), "-applied_on": (BirthRegistration.applied_on.desc(),),
    "due_on": (BirthRegistration.due_on.asc(),), "-due_on": (BirthRegistration.due_on.desc(),),
}


def registrations_statement(filters: RegistrationFilter, sort: str = "-applied_on") -> Select:
    """Applications matching ``filters``; an overdue one is open (submitted or accepted) past its due date."""
    order = REGISTRATION_SORTS.get(sort, REGISTRATION_SORTS["-applied_on"])
    statement = select(BirthRegistration).order_by(*order, BirthRegistration.id.desc())
    if filters.status:
        statement = statement.where(BirthRegistration.status == filters.status)
    if filters.overdue:
        statement = statement.where(BirthRegistration.status.in_(OPEN_REGISTRATION_STATUSES),
                                    BirthRegistration.due_on < rules.today())
    if filters.mother_id:
        statement = statement.where(BirthRegistration.mother_id == filters.mother_id)
    return in_village(statement, BirthRegistration.mother_id, filters.village_id)


def list_registrations(filters: RegistrationFilter, sort: str = "-applied_on", page: int = 1,
                       per_page: int = 50) -> Page:
    """One page of applications (see registrations_statement)."""
    return paginate(db.session, registrations_statement(filters, sort), page, per_page)


def export_registrations(filters: RegistrationFilter, sort: str = "-applied_on") -> Sheet:
    """The applications matching ``filters``, for a spreadsheet: ID numbers masked, the export audited."""
    audit.record("birth_registration.export", record_type="birth_registration",
                 detail={"filters": filter_detail(filters)})
    found = db.session.scalars(registrations_statement(filters, sort).limit(EXPORT_LIMIT))
    rows = ([r.number, r.mother.name, ids.mask(r.mother.resident_id), r.father_display, village_name(r.mother),
             r.child_order, labels.TIMING[r.timing], r.expected_date, r.child_birth_date, r.applied_on, r.due_on,
             labels.REGISTRATION_STATUS[r.status]] for r in found)
    headers = ["登记编号", "母亲姓名", "母亲身份证号码", "父亲姓名", "村/社区", "孩次", "登记时间节点", "预产期",
               "孩子出生日期", "申请日期", "办结期限", "状态"]
    return Sheet(headers, rows, "生育登记")


def get_registration(registration_id: int) -> BirthRegistration:
    registration = db.session.get(BirthRegistration, registration_id)
    if registration is None:
        raise NotFoundError(str(_l("No such birth registration.")))
    return registration


def read_registration(registration_id: int) -> BirthRegistration:
    registration = get_registration(registration_id)
    audit.record("birth_registration.read", record_type="birth_registration", record_id=registration.id)
    return registration


def create_registration(data: dict) -> BirthRegistration:
    """File an application (status submitted); it is due 7 working days after the application date."""
    values = _validated_registration({field: data.get(field) for field in REGISTRATION_FIELDS}, None)
    values["applied_on"] = values.get("applied_on") or rules.today()
    registration = BirthRegistration(**values, status="submitted", submitted_on=values["applied_on"],
                                     due_on=rules.registration_due(values["applied_on"]))
    db.session.add(registration)
    db.session.flush()
    audit.record("birth_registration.create", record_type="birth_registration", record_id=registration.id,
                 detail={"fields": sorted(k for k, v in values.items() if v not in (None, ""))})
    tasks.close_registration_tasks(registration)
    return registration


def update_registration(registration: BirthRegistration, changes: dict) -> BirthRegistration:
    if registration.status == "registered":
        raise ServiceError(str(_l("A registered application cannot be changed.")))
    merged = {field: getattr(registration, field) for field in REGISTRATION_FIELDS}
    merged.update({k: v for k, v in changes.items() if k in REGISTRATION_FIELDS})
    values = _validated_registration(merged, registration)
    changed = apply_changes(registration, values, REGISTRATION_FIELDS)
    if "applied_on" in changed and registration.status in OPEN_REGISTRATION_STATUSES:
        registration.submitted_on = registration.applied_on
        registration.due_on = rules.registration_due(registration.applied_on)
    db.session.flush()
    audit.record("birth_registration.update", record_type="birth_registration", record_id=registration.id,
                 detail={"fields": changed})
    return registration


def _validated_registration(values: dict, existing: BirthRegistration | None) -> dict:
    errors: dict[str, list[str]] = {}
    try:
        mother(values.get("mother_id"))
    except ServiceError as error:
        errors.update(error.errors)
    if values.get("father_id"):
        father = db.session.get(Person, values["father_id"])
        if father is None:
            errors["father_id"] = [str(_l("No such person."))]
        elif father.id == values.get("mother_id"):
            errors["father_id"] = [str(_l("The father and the mother are the same person."))]
        values["father_name"] = None  # the register has the name
    if values.get("timing") == "before_birth":
        values["child_birth_date"] = None
        if not values.get("expected_date"):
            errors["expected_date"] = [str(_l("Give the expected date of birth."))]
    elif values.get("timing") == "after_birth":
        values["expected_date"] = None
        if not values.get("child_birth_date"):
            errors["child_birth_date"] = [str(_l("Give the child's birth date."))]
        elif values["child_birth_date"] > rules.today():
            errors["child_birth_date"] = [str(_l("The birth date is in the future."))]
    if values.get("applied_on") and values["applied_on"] > rules.today():
        errors["applied_on"] = [str(_l("The application date is in the future."))]
    if errors:
        raise ServiceError(errors)
    _check_duplicate_application(values["mother_id"], values["child_order"], existing)
    return values


def _check_duplicate_application(mother_id: int, child_order: int, existing: BirthRegistration | None) -> None:
    """One live application per mother and child: a second one would only confuse the family's record."""
    statement = select(BirthRegistration).where(BirthRegistration.mother_id == mother_id,
                                                BirthRegistration.child_order == child_order,
                                                BirthRegistration.status != "returned")
    if existing is not None:
        statement = statement.where(BirthRegistration.id != existing.id)
    other = db.session.scalars(statement.limit(1)).first()
    if other is not None:
        raise ConflictError.on("child_order", str(_l(
            "This mother already has an application for this child (no. %(id)s).", id=other.id)))


TRANSITION_RULES = {
    # action: (statuses it may start from, status it leads to, message when it may not)
    "accept": (("submitted",), "accepted", _l("Only a submitted application can be accepted.")),
    "register": (("accepted",), "registered", _l("Only an accepted application can be registered.")),
    "return": (("submitted", "accepted"), "returned", _l("Only a submitted or accepted application can be "
                                                          "returned.")),
    "resubmit": (("returned",), "submitted", _l("Only a returned application can be resubmitted.")),
}


def transition(registration: BirthRegistration, action: str, reason: str | None = None) -> BirthRegistration:
    """Accept, register (which gives the number), return (a reason is required) or resubmit."""
    if action not in TRANSITION_RULES:
        raise ServiceError.on("action", str(_l("Choose one of the listed values.")))
    sources, target, refusal = TRANSITION_RULES[action]
    if registration.status not in sources:
        raise ServiceError.on("action", str(refusal))
    now = utcnow()
    changed = ["status"]
    if action == "accept":
        registration.accepted_at = now
    elif action == "register":
        registration.number = _next_number(local(now).year)
        registration.registered_at = now
        changed += ["number"]
    elif action == "return":
        if not (reason or "").strip():
            raise ServiceError.on("reason", str(_l("Say why the application is returned.")))
        registration.return_reason = reason.strip()
        registration.returned_at = now
        changed += ["return_reason"]
    else:  # resubmit: the 7 working days start again
        _check_duplicate_application(registration.mother_id, registration.child_order, registration)
        registration.submitted_on = rules.today()
        registration.due_on = rules.registration_due(registration.submitted_on)
        changed += ["submitted_on", "due_on"]
    registration.status = target
    db.session.flush()
    audit.record(f"birth_registration.{action}", record_type="birth_registration", record_id=registration.id,
                 detail={"fields": changed})
    return registration


def _next_number(year: int) -> str:
    """The next registration number of the year, "<town code>-<year>-<5-digit sequence>".

    Race-safe: the year's counter row is read with SELECT … FOR UPDATE, so on PostgreSQL a second
    transaction taking a number waits at that row until the first commits, then reads the new value
    (populate_existing makes the ORM use it). SQLite ignores FOR UPDATE but lets one writer at a time
    into a file. The first number of a year inserts the row in a savepoint: if another transaction
    inserted it meanwhile, the primary key refuses ours and we lock theirs. The unique constraint on
    ``number`` backs all of this up.
    """
    counter = _lock_counter(year)
    if counter is None:
        try:
            with db.session.begin_nested():
                db.session.add(RegistrationCounter(year=year, last_number=0))
        except IntegrityError:
            pass
        counter = _lock_counter(year)
    counter.last_number += 1
    db.session.flush()
    return f"{current_town().code}-{year}-{counter.last_number:05d}"


def _lock_counter(year: int) -> RegistrationCounter | None:
    statement = (select(RegistrationCounter).where(RegistrationCounter.year == year).with_for_update()
                 .execution_options(populate_existing=True))
    return db.session.scalar(statement)
