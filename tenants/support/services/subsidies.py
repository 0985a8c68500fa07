"""Childcare subsidy (育儿补贴) intake and first review: an application for a child under three, reviewed
within 30 working days of its receipt (tenants.support.rules), received → under review → approved or
returned (with a reason) → paid. A returned application can be filed again, which starts the days anew.

The amount is the subsidy year's, worked out from the child's birth date when the application is taken
(rules.subsidy_fen). The applicant's phone is encrypted and masked on lists and exports; listing, reading
and exporting applications is audited, and so is every change.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from renkou.audit import services as audit
from renkou.errors import ConflictError, ServiceError
from renkou.extensions import db
from renkou.imports.exports import EXPORT_LIMIT, Sheet
from renkou.pagination import Page, paginate
from renkou.schemas import mask_phone
from renkou.types import utcnow
from tenants.registry import resident_id as ids
from tenants.registry.models import Person
from tenants.support import labels, rules
from tenants.support.models import OPEN_SUBSIDY_STATUSES, SubsidyApplication
from tenants.support.services.common import (
    apply_changes,
    filter_detail,
    in_village,
    matching_person,
    not_found,
    person,
    village_name,
    yuan,
)

APPLICATION_FIELDS = ("child_id", "applicant_id", "applicant_name", "applicant_phone", "subsidy_year", "received_on",
                      "note")


@dataclasses.dataclass
class SubsidyFilter:
    status: str | None = None
    overdue: bool = False
    year: int | None = None
    q: str = ""  # the child's name or full ID number
    village_id: int | None = None


SUBSIDY_SORTS = {
    "received_on": (SubsidyApplication.received_on.asc(),), "-received_on": (SubsidyApplication.received_on.desc(),),
    "due_on": (SubsidyApplication.due_on.asc(),), "-due_on": (SubsidyApplication.due_on.desc(),),
    "name": (Person.name.asc(),), "-name": (Person.name.desc(),),
}


def subsidies_statement(filters: SubsidyFilter, sort: str = "due_on") -> Select:
    """Applications matching ``filters``; an overdue one is still open (received or under review) after its
    due date."""
    statement = (select(SubsidyApplication).join(Person, SubsidyApplication.child_id == Person.id)
                 .order_by(*SUBSIDY_SORTS.get(sort, SUBSIDY_SORTS["due_on"]), SubsidyApplication.id.desc()))
    if filters.status:
        statement = statement.where(SubsidyApplication.status == filters.status)
    if filters.overdue:
        statement = statement.where(SubsidyApplication.status.in_(OPEN_SUBSIDY_STATUSES),
                                    SubsidyApplication.due_on < rules.today())
    if filters.year:
        statement = statement.where(SubsidyApplication.subsidy_year == filters.year)
    return in_village(matching_person(statement, filters.q), filters.village_id)


def list_subsidies(filters: SubsidyFilter, sort: str = "due_on", page: int = 1, per_page: int = 50) -> Page:
    return paginate(db.session, subsidies_statement(filters, sort), page, per_page)


def export_subsidies(filters: SubsidyFilter, sort: str = "due_on") -> Sheet:
    """The applications the filters keep, for a spreadsheet: ID numbers and phones masked, audited."""
    audit.record("childcare_subsidy.export", record_type="childcare_subsidy",
                 detail={"filters": filter_detail(filters)})
    found = db.session.scalars(subsidies_statement(filters, sort).limit(EXPORT_LIMIT))
    today = rules.today()
    rows = ([a.child.name, ids.mask(a.child.resident_id), a.child.birth_date, village_name(a.child),
             a.applicant_display, mask_phone(a.applicant_phone), a.subsidy_year, a.months, yuan(a.amount_fen),
             a.received_on, a.due_on, str(labels.SUBSIDY_STATUS[a.status]), "是" if a.is_overdue(today) else "",
             a.return_reason or "", a.paid_on, a.payment_reference or ""] for a in found)
    headers = ["儿童姓名", "儿童身份证号码", "出生日期", "村/社区", "申请人", "联系电话", "补贴年度", "补贴月数",
               "补贴金额（元）", "受理日期", "审核期限", "状态", "逾期", "退回原因", "发放日期", "发放凭证号"]
    return Sheet(headers, rows, "育儿补贴")


def get_subsidy(application_id: int) -> SubsidyApplication:
    application = db.session.get(SubsidyApplication, application_id)
    if application is None:
        raise not_found(_l("No such childcare subsidy application."))
    return application


def read_subsidy(application_id: int) -> SubsidyApplication:
    application = get_subsidy(application_id)
    audit.record("childcare_subsidy.read", record_type="childcare_subsidy", record_id=application.id)
    return application


def create_subsidy(data: dict) -> SubsidyApplication:
    """Take an application (status received), due the configured working days after its receipt."""
    values = {field: data.get(field) for field in APPLICATION_FIELDS}
    values["received_on"] = values["received_on"] or rules.today()
    values["subsidy_year"] = values["subsidy_year"] or values["received_on"].year
    values = _validated(values, None)
    application = SubsidyApplication(**values, status="received", due_on=rules.review_due(values["received_on"]))
    db.session.add(application)
    db.session.flush()
    audit.record("childcare_subsidy.create", record_type="childcare_subsidy", record_id=application.id,
                 detail={"fields": sorted(k for k, v in values.items() if v not in (None, ""))})
    return application


def update_subsidy(application: SubsidyApplication, changes: dict) -> SubsidyApplication:
    """Correct an application that is not yet decided; a new receipt date moves its due date."""
    if application.status not in OPEN_SUBSIDY_STATUSES:
        raise ServiceError(str(_l("Only an application that is received or under review can be changed.")))
    merged = {field: getattr(application, field) for field in APPLICATION_FIELDS}
    merged.update({k: v for k, v in changes.items() if k in APPLICATION_FIELDS})
    values = _validated(merged, application)
    changed = apply_changes(application, values, (*APPLICATION_FIELDS, "months", "amount_fen"))
    if "received_on" in changed:
        application.due_on = rules.review_due(application.received_on)
        changed.append("due_on")
    db.session.flush()
    if {"child_id", "applicant_id"} & set(changed):
        db.session.expire(application, ["child", "applicant"])
    audit.record("childcare_subsidy.update", record_type="childcare_subsidy", record_id=application.id,
                 detail={"fields": changed})
    return application


def _validated(values: dict, existing: SubsidyApplication | None) -> dict:
    """Check an application's fields together and work out its months and amount."""
    errors: dict[str, list[str]] = {}
    child = None
    try:
        child = person(values.get("child_id"), "child_id")
    except ServiceError as error:
        errors.update(error.errors)
    if values.get("applicant_id"):
        try:
            applicant = person(values["applicant_id"], "applicant_id")
        except ServiceError as error:
            errors.update(error.errors)
        else:
            if applicant.id == values.get("child_id"):
                errors["applicant_id"] = [str(_l("The applicant and the child are the same person."))]
        values["applicant_name"] = None  # the register has the name
    elif not (values.get("applicant_name") or "").strip():
        errors["applicant_name"] = [str(_l("Choose the applicant on the register or type their name."))]
    values["applicant_phone"] = values.get("applicant_phone") or None
    values["note"] = (values.get("note") or "").strip()
    received = values["received_on"]
    if received > rules.today():
        errors["received_on"] = [str(_l("The date is in the future."))]
    if child is not None and "received_on" not in errors:
        _check_child(child, received, values["subsidy_year"], errors)
    if errors:
        raise ServiceError(errors)
    values["months"] = len(rules.covered_months(child.birth_date, values["subsidy_year"]))
    values["amount_fen"] = rules.subsidy_fen(child.birth_date, values["subsidy_year"])
    _check_duplicate(child.id, values["subsidy_year"], existing)
    return values


def _check_child(child: Person, received: date, year: int, errors: dict) -> None:
    plan = rules.subsidy_scheme(received)
    if plan is None:
        errors["received_on"] = [str(_l("The childcare subsidy starts on %(date)s.",
                                        date=rules.SUBSIDY_SCHEMES[0][0].isoformat()))]
    elif not rules.under_age_on(child.birth_date, received):
        errors["child_id"] = [str(_l("The child was not under %(age)s on the day the application was received "
                                     "(born %(date)s).", age=plan.under_age, date=child.birth_date.isoformat()))]
    elif child.status == "deceased":
        errors["child_id"] = [str(_l("The register records this child's death."))]
    elif not rules.covered_months(child.birth_date, year):
        errors["subsidy_year"] = [str(_l("The subsidy covers no month of %(year)s for this child.", year=year))]


def _check_duplicate(child_id: int, year: int, existing: SubsidyApplication | None) -> None:
    statement = select(SubsidyApplication.id).where(SubsidyApplication.child_id == child_id,
                                                    SubsidyApplication.subsidy_year == year)
    if existing is not None:
        statement = statement.where(SubsidyApplication.id != existing.id)
    other = db.session.scalar(statement.limit(1))
    if other is not None:
        raise ConflictError.on("child_id", str(_l("This child already has an application for %(year)s (no. %(id)s).",
                                                  year=year, id=other)))


TRANSITIONS = {
    # action: (statuses it may start from, status it leads to, message when it may not)
    "review": (("received",), "under_review", _l("Only a received application can be taken into review.")),
    "approve": (("received", "under_review"), "approved", _l("Only an application that is received or under "
                                                             "review can be approved.")),
    "return": (("received", "under_review"), "returned", _l("Only an application that is received or under "
                                                            "review can be returned.")),
    "pay": (("approved",), "paid", _l("Only an approved application can be paid.")),
    "refile": (("returned",), "received", _l("Only a returned application can be filed again.")),
}


def transition(application: SubsidyApplication, action: str, reason: str | None = None,
               paid_on: date | None = None, payment_reference: str | None = None) -> SubsidyApplication:
    """Take into review, approve, return (a reason is required), pay (the date and reference of the
    payment) or file again a returned application (received today, due anew)."""
    if action not in TRANSITIONS:
        raise ServiceError.on("action", str(_l("Choose one of the listed values.")))
    sources, target, refusal = TRANSITIONS[action]
    if application.status not in sources:
        raise ServiceError.on("action", str(refusal))
    changed = ["status"]
    now = utcnow()
    if action == "review":
        application.review_started_at = now
        changed.append("review_started_at")
    elif action in ("approve", "return"):
        if action == "return":
            if not (reason or "").strip():
                raise ServiceError.on("reason", str(_l("Say why the application is returned.")))
            application.return_reason = reason.strip()
            changed.append("return_reason")
        application.decided_at = now
        changed.append("decided_at")
    elif action == "pay":
        _pay(application, paid_on, payment_reference)
        changed += ["paid_on", "payment_reference"]
    else:  # refile: a new receipt, a new due date
        application.received_on = rules.today()
        application.due_on = rules.review_due(application.received_on)
        application.return_reason, application.decided_at, application.review_started_at = None, None, None
        changed += ["received_on", "due_on"]
    application.status = target
    db.session.flush()
    audit.record(f"childcare_subsidy.{action}", record_type="childcare_subsidy", record_id=application.id,
                 detail={"fields": changed})
    return application


def _pay(application: SubsidyApplication, paid_on: date | None, reference: str | None) -> None:
    paid_on = paid_on or rules.today()
    if paid_on > rules.today():
        raise ServiceError.on("paid_on", str(_l("The date is in the future.")))
    if paid_on < application.received_on:
        raise ServiceError.on("paid_on", str(_l("The payment date is before the application was received.")))
    if not (reference or "").strip():
        raise ServiceError.on("payment_reference", str(_l("Give the payment's voucher or bank reference.")))
    application.paid_on, application.payment_reference = paid_on, reference.strip()


def subsidy_years() -> list[int]:
    return list(db.session.scalars(select(SubsidyApplication.subsidy_year).distinct()
                                   .order_by(SubsidyApplication.subsidy_year.desc())))


def child_choices(q: str = "", chosen: int | str | None = None, limit: int = 500) -> list[Person]:
    """Children under the subsidy's age today (or anyone found by ``q``), to choose from; the child already
    chosen stays in the list."""
    from tenants.registry import services as registry

    if q:
        filters = registry.PeopleFilter(q=q)
    else:
        plan = rules.subsidy_scheme(rules.today()) or rules.SUBSIDY_SCHEMES[0][1]
        filters = registry.PeopleFilter(age_max=plan.under_age - 1, as_of=rules.today(), status="resident")
    people = registry.list_people(filters, "-birth_date", 1, limit).items
    return _keep_chosen(people, chosen)


def applicant_choices(children: list[Person], chosen: int | str | None = None) -> list[Person]:
    """The grown-ups (16 and over) of the children's households, to choose the applicant (a parent or
    guardian) from; anyone else is typed in by name."""
    today = rules.today()
    household_ids = {child.household_id for child in children if child.household_id}
    people = [] if not household_ids else list(db.session.scalars(
        select(Person).where(Person.household_id.in_(household_ids), Person.status == "resident")
        .order_by(Person.name, Person.id)))
    return _keep_chosen([someone for someone in people if someone.age_on(today) >= 16], chosen)


def _keep_chosen(people: list[Person], chosen: int | str | None) -> list[Person]:
    chosen_id = int(chosen) if str(chosen or "").isdigit() else None
    if chosen_id is None or any(someone.id == chosen_id for someone in people):
        return people
    found = db.session.get(Person, chosen_id)
    return [found, *people] if found is not None else people
