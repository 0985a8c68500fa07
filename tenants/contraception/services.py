"""Informed-choice counselling (知情选择) and the "四前四后" service visits of the current town.

The method is the family's choice: a method is recorded as chosen only with the person's consent (they
chose it themselves after counselling). Nothing here sets targets or conditions any service on a method.

Every read of a visit and every change is audited; the audit detail names fields, never their values.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from flask import g, has_request_context
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select, func, or_, select

from renkou.audit import services as audit
from renkou.errors import NotFoundError, ServiceError
from renkou.extensions import db
from renkou.imports.exports import EXPORT_LIMIT, Sheet
from renkou.pagination import Page, paginate
from renkou.timezone import local
from renkou.types import utcnow
from tenants.contraception import labels
from tenants.contraception import methods as method_config
from tenants.contraception.models import FOLLOW_UP_KINDS, CounsellingVisit, FollowUpVisit
from tenants.registry import resident_id as ids
from tenants.registry import services as registry
from tenants.registry.models import Household, Person

VISIT_FIELDS = ("person_id", "visit_date", "counsellor", "methods_discussed", "method_chosen", "stopped", "consent",
                "notes")
FOLLOW_UP_FIELDS = ("person_id", "kind", "visit_date", "visitor", "content", "outcome")
# How many people the person picker lists; searching finds the others.
CHOICES = 500


def today() -> date:
    """Today in the county (Asia/Shanghai)."""
    return local(utcnow()).date()


# ---------------------------------------------------------------------------------------------------------
# Counselling visits


@dataclasses.dataclass
class VisitFilter:
    village_id: int | None = None
    person_id: int | None = None
    method_chosen: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def visits_statement(filters: VisitFilter) -> Select:
    statement = select(CounsellingVisit).order_by(CounsellingVisit.visit_date.desc(), CounsellingVisit.id.desc())
    statement = _filtered(statement, CounsellingVisit, filters)
    if filters.method_chosen:
        statement = statement.where(CounsellingVisit.method_chosen == filters.method_chosen)
    return statement


def list_visits(filters: VisitFilter, page: int = 1, per_page: int = 50) -> Page:
    """One page of counselling visits, latest first."""
    return paginate(db.session, visits_statement(filters), page, per_page)


def export_visits(filters: VisitFilter) -> Sheet:
    """The counselling visits matching ``filters``, for a spreadsheet: ID numbers masked, the export audited.
    The notes stay out: they are for the record page."""
    audit.record("counselling_visit.export", record_type="counselling_visit",
                 detail={"filters": _filter_detail(filters)})
    visits = db.session.scalars(visits_statement(filters).limit(EXPORT_LIMIT))
    rows = ([v.visit_date, v.person.name, ids.mask(v.person.resident_id), _village_name(v.person), v.counsellor,
             "、".join(str(labels.METHOD.get(code, code)) for code in v.methods_discussed), _decision(v),
             _l("Yes") if v.consent else _l("No")] for v in visits)
    headers = ["咨询日期", "姓名", "身份证号码", "村/社区", "咨询员", "咨询涉及的方法", "选择结果", "本人自主选择"]
    return Sheet(headers, rows, "知情选择咨询")


def _decision(visit: CounsellingVisit):
    if visit.method_chosen:
        return labels.METHOD.get(visit.method_chosen, visit.method_chosen)
    return labels.STOPPED if visit.stopped else ""


def get_visit(visit_id: int) -> CounsellingVisit:
    visit = db.session.get(CounsellingVisit, visit_id)
    if visit is None:
        raise NotFoundError(str(_l("No such counselling visit.")))
    return visit


def read_visit(visit_id: int) -> CounsellingVisit:
    visit = get_visit(visit_id)
    audit.record("counselling_visit.read", record_type="counselling_visit", record_id=visit.id)
    return visit


def create_visit(data: dict) -> CounsellingVisit:
    """Record a counselling visit.

    ``visit_date`` defaults to today and ``counsellor`` to the signed-in user's name. The methods must be
    in the list in force on the visit's date. A chosen method needs ``consent`` (the person chose it
    themselves after counselling) and must be one of the methods discussed; ``stopped`` (the person
    stopped using a method) and a chosen method exclude each other.
    """
    values = {field: data.get(field) for field in VISIT_FIELDS}
    values["visit_date"] = values["visit_date"] or today()
    values["counsellor"] = values["counsellor"] or _signed_in_name()
    values["methods_discussed"] = list(dict.fromkeys(values["methods_discussed"] or []))
    values["stopped"] = bool(values["stopped"])
    values["consent"] = bool(values["consent"])
    errors = _person_errors(values["person_id"], values["visit_date"])
    errors.update(_decision_errors(values))
    if not values["counsellor"]:
        errors["counsellor"] = [str(_l("This field is required."))]
    if errors:
        raise ServiceError(errors)
    visit = CounsellingVisit(**values)
    db.session.add(visit)
    db.session.flush()
    audit.record("counselling_visit.create", record_type="counselling_visit", record_id=visit.id,
                 detail={"fields": sorted(k for k, v in values.items() if v not in (None, "", [], False))})
    return visit


def _decision_errors(values: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    offered = method_config.methods_on(values["visit_date"])
    if any(code not in offered for code in values["methods_discussed"]):
        errors["methods_discussed"] = [str(_l("Choose methods from the list in force on the visit's date."))]
    chosen = values.get("method_chosen")
    if chosen:
        if chosen not in offered:
            errors["method_chosen"] = [str(_l("Choose methods from the list in force on the visit's date."))]
        elif chosen not in values["methods_discussed"]:
            errors["method_chosen"] = [str(_l("The chosen method must be one of the methods discussed."))]
        if values["stopped"]:
            errors["stopped"] = [str(_l("A visit records either a chosen method or that the person stopped, "
                                        "not both."))]
        if not values["consent"]:
            errors["consent"] = [str(_l("A method is recorded only when the person chose it themselves after "
                                        "counselling."))]
    return errors


def current_methods(as_of: date, person_ids: list[int] | None = None) -> dict[int, str]:
    """{person id: method code} of everyone who uses a method on ``as_of``.

    A person's current method is the one chosen at their latest visit on or before ``as_of`` that
    recorded a decision: a chosen method, or that they stopped (then they have none and are left out).
    Visits that record neither change nothing. Of two visits on the same day, the one entered later wins.
    ``person_ids`` limits the answer to those people.
    """
    current = _current_method_subquery(as_of, person_ids)
    rows = db.session.execute(select(current.c.person_id, current.c.method_chosen)
                              .where(current.c.method_chosen.is_not(None)))
    return {person_id: method for person_id, method in rows}


def _current_method_subquery(as_of: date, person_ids: list[int] | None = None):
    """(person_id, method_chosen) of each person's latest deciding visit on or before ``as_of``;
    method_chosen is NULL when that visit recorded that they stopped."""
    rank = func.row_number().over(partition_by=CounsellingVisit.person_id,
                                  order_by=(CounsellingVisit.visit_date.desc(), CounsellingVisit.id.desc()))
    ranked = (select(CounsellingVisit.person_id, CounsellingVisit.method_chosen, rank.label("rank"))
              .where(CounsellingVisit.visit_date <= as_of,
                     or_(CounsellingVisit.method_chosen.is_not(None), CounsellingVisit.stopped.is_(True))))
    if person_ids is not None:
        ranked = ranked.where(CounsellingVisit.person_id.in_(person_ids))
    ranked = ranked.subquery()
    return select(ranked.c.person_id, ranked.c.method_chosen).where(ranked.c.rank == 1).subquery()


@dataclasses.dataclass(frozen=True)
class Ratio:
    """An indicator as numerator and denominator (the county sums both; it never averages rates)."""

    numerator: int
    denominator: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.numerator / self.denominator, 2) if self.denominator else None


def prevalence(as_of: date, village_id: int | None = None) -> Ratio:
    """Contraceptive prevalence (综合避孕率, DESIGN.md §7 contraceptive_prevalence) on ``as_of``.

        numerator   = married women aged 15–49 living in the town who use an ongoing method
        denominator = married women aged 15–49 living in the town
        rate        = numerator / denominator × 100 %

    The women are tenants.registry.services.childbearing_age_filter(as_of, married_only=True); a woman
    uses a method when current_methods(as_of) gives her one that is ongoing (every configured method
    except emergency contraception). The method may be the couple's (her partner's vasectomy counts).
    """
    women = (registry.people_statement(registry.childbearing_age_filter(as_of, village_id, married_only=True))
             .with_only_columns(Person.id).order_by(None).subquery())
    denominator = db.session.scalar(select(func.count()).select_from(women)) or 0
    current = _current_method_subquery(as_of)
    ongoing = [code for code, method in method_config.METHODS.items() if method.ongoing]
    numerator = db.session.scalar(
        select(func.count()).select_from(women).join(current, current.c.person_id == women.c.id)
        .where(current.c.method_chosen.in_(ongoing))) or 0
    return Ratio(numerator, denominator)


def informed_choice(start: date, end: date) -> tuple[int, int]:
    """Informed choice (知情选择率, DESIGN.md §7 informed_choice) from ``start`` to ``end`` inclusive.

        denominator = new method users: people whose deciding visit in the period chose a method other
                      than the one they used before (or they used none)
        numerator   = of them, those whose visit recorded counselling (methods discussed) and their own
                      choice (consent)
        rate        = numerator / denominator × 100 %

    A person counts once, by their first new method in the period. Visits entered here need consent for
    a chosen method, so a rate below 100 % points at records from elsewhere worth a look.
    """
    deciding = or_(CounsellingVisit.method_chosen.is_not(None), CounsellingVisit.stopped.is_(True))
    order = (CounsellingVisit.visit_date, CounsellingVisit.id)
    history = select(
        CounsellingVisit.person_id, CounsellingVisit.visit_date, CounsellingVisit.method_chosen,
        CounsellingVisit.consent, CounsellingVisit.methods_discussed,
        func.lag(CounsellingVisit.method_chosen).over(partition_by=CounsellingVisit.person_id, order_by=order)
        .label("previous_method"),
    ).where(deciding, CounsellingVisit.visit_date <= end).subquery()
    starts = (select(history.c.person_id, history.c.consent, history.c.methods_discussed,
                     func.row_number().over(partition_by=history.c.person_id, order_by=history.c.visit_date)
                     .label("rank"))
              .where(history.c.visit_date >= start, history.c.method_chosen.is_not(None),
                     or_(history.c.previous_method.is_(None), history.c.previous_method != history.c.method_chosen))
              .subquery())
    denominator = numerator = 0
    for consent, discussed in db.session.execute(select(starts.c.consent, starts.c.methods_discussed)
                                                 .where(starts.c.rank == 1)):
        denominator += 1
        numerator += bool(consent and discussed)
    return numerator, denominator


def married_women(as_of: date, village_id: int | None = None, q: str = "", page: int = 1,
                  per_page: int = 50) -> tuple[Page, dict[int, str]]:
    """One page of married women 15–49 on ``as_of`` and {person id: current method} for them.

    Showing their methods is audited here."""
    filters = registry.childbearing_age_filter(as_of, village_id, married_only=True)
    filters.q = q
    result = registry.list_people(filters, "name", page, per_page)
    methods = current_methods(as_of, [person.id for person in result.items])
    audit.record("counselling_visit.current_methods", record_type="person",
                 detail={"filters": {k: str(v) for k, v in (("as_of", as_of), ("village_id", village_id)) if v},
                         "page": result.page, "shown": len(result.items)})
    return result, methods


# ---------------------------------------------------------------------------------------------------------
# Follow-up service visits (四前四后)


@dataclasses.dataclass
class FollowUpFilter:
    kind: str | None = None
    village_id: int | None = None
    person_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def follow_ups_statement(filters: FollowUpFilter) -> Select:
    statement = select(FollowUpVisit).order_by(FollowUpVisit.visit_date.desc(), FollowUpVisit.id.desc())
    statement = _filtered(statement, FollowUpVisit, filters)
    if filters.kind:
        statement = statement.where(FollowUpVisit.kind == filters.kind)
    return statement


def export_follow_ups(filters: FollowUpFilter) -> Sheet:
    """The follow-up visits matching ``filters``, for a spreadsheet: ID numbers masked, the export audited."""
    audit.record("follow_up_visit.export", record_type="follow_up_visit", detail={"filters": _filter_detail(filters)})
    visits = db.session.scalars(follow_ups_statement(filters).limit(EXPORT_LIMIT))
    rows = ([v.visit_date, labels.FOLLOW_UP_KIND[v.kind], v.person.name, ids.mask(v.person.resident_id),
             _village_name(v.person), v.visitor, v.content, v.outcome] for v in visits)
    headers = ["随访日期", "类别", "姓名", "身份证号码", "村/社区", "随访人", "随访内容", "结果"]
    return Sheet(headers, rows, "四前四后随访")


def list_follow_ups(filters: FollowUpFilter, page: int = 1, per_page: int = 50) -> Page:
    """One page of follow-up visits, latest first."""
    return paginate(db.session, follow_ups_statement(filters), page, per_page)


def create_follow_up(data: dict) -> FollowUpVisit:
    """Record a "四前四后" visit; ``visit_date`` defaults to today, ``visitor`` to the signed-in user."""
    values = {field: data.get(field) for field in FOLLOW_UP_FIELDS}
    values["visit_date"] = values["visit_date"] or today()
    values["visitor"] = values["visitor"] or _signed_in_name()
    errors = _person_errors(values["person_id"], values["visit_date"])
    if values.get("kind") not in FOLLOW_UP_KINDS:
        errors["kind"] = [str(_l("Choose one of the listed values."))]
    for field in ("content", "visitor"):
        if not values.get(field):
            errors[field] = [str(_l("This field is required."))]
    if errors:
        raise ServiceError(errors)
    visit = FollowUpVisit(**values)
    db.session.add(visit)
    db.session.flush()
    audit.record("follow_up_visit.create", record_type="follow_up_visit", record_id=visit.id,
                 detail={"fields": sorted(k for k, v in values.items() if v not in (None, ""))})
    return visit


# ---------------------------------------------------------------------------------------------------------
# Helpers


def person_choices(q: str = "", chosen: int | str | None = None) -> list[Person]:
    """People to pick from: residents from 15 by name, or anyone matching a name or full ID number.
    The person already chosen stays in the list."""
    filters = registry.PeopleFilter(q=q) if q else registry.PeopleFilter(status="resident", age_min=15)
    people = registry.list_people(filters, "name", 1, CHOICES).items
    chosen_id = int(chosen) if str(chosen or "").isdigit() else None
    if chosen_id is None or any(person.id == chosen_id for person in people):
        return people
    person = db.session.get(Person, chosen_id)
    return [person, *people] if person is not None else people


def _person_errors(person_id: int | None, visit_date: date) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    person = db.session.get(Person, person_id) if person_id else None
    if person is None:
        errors["person_id"] = [str(_l("No such person.")) if person_id else str(_l("This field is required."))]
    elif visit_date < person.birth_date:
        errors["visit_date"] = [str(_l("The date is before the person's birth."))]
    if visit_date > today():
        errors["visit_date"] = [str(_l("The date is in the future."))]
    return errors


def _filtered(statement: Select, model, filters) -> Select:
    if filters.person_id:
        statement = statement.where(model.person_id == filters.person_id)
    if filters.village_id:
        statement = (statement.join(Person, model.person_id == Person.id)
                     .join(Household, Person.household_id == Household.id)
                     .where(Household.village_id == filters.village_id))
    if filters.date_from:
        statement = statement.where(model.visit_date >= filters.date_from)
    if filters.date_to:
        statement = statement.where(model.visit_date <= filters.date_to)
    return statement


def _village_name(person: Person) -> str:
    return person.household.village.name if person.household else ""


def _signed_in_name() -> str:
    if has_request_context() and current_user and current_user.is_authenticated:
        return (current_user.display_name or current_user.username)[:64]
    actor = g.get("job_actor")
    return actor[1][:64] if actor else ""


def _filter_detail(filters) -> dict:
    return {k: str(v) for k, v in dataclasses.asdict(filters).items() if v not in (None, "")}
