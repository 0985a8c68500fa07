"""The yearly roll (年度名册) of reward and special support: candidates with their reasons, and the people
staff confirmed onto it (one entry per person, kind and year), each with the year's amount.

Candidates are worked out from the register whenever the list is asked for (eligibility.check_many); only
the confirmation is stored, with the reasons and declarations as they stood. Listing candidates or the
roll, reading an entry and exporting are audited: they name people.
"""

from __future__ import annotations

import dataclasses

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import selectinload

from renkou.audit import services as audit
from renkou.errors import ConflictError, ServiceError
from renkou.extensions import db
from renkou.imports.exports import EXPORT_LIMIT, Sheet
from renkou.pagination import MAX_PER_PAGE, Page, paginate
from tenants.registry import labels as registry_labels
from tenants.registry import resident_id as ids
from tenants.registry import services as registry
from tenants.registry.models import Person
from tenants.support import rules
from tenants.support.models import SUPPORT_KINDS, RollEntry, SupportPayment
from tenants.support.services import eligibility
from tenants.support.services.common import (
    filter_detail,
    in_village,
    matching_person,
    not_found,
    person,
    signed_in_name,
    village_name,
    yuan,
)

YEARS = (2004, 2100)

# ---------------------------------------------------------------------------------------------------------
# Candidates


@dataclasses.dataclass
class CandidateFilter:
    kind: str = "reward"
    year: int = 0
    q: str = ""
    village_id: int | None = None
    # possible (eligible or to be checked, not yet on the roll), eligible, to_declare, not_eligible,
    # on_roll, or all
    state: str = "possible"


@dataclasses.dataclass
class Candidate:
    eligibility: eligibility.Eligibility
    entry: RollEntry | None

    @property
    def person(self) -> Person:
        return self.eligibility.person

    @property
    def state(self) -> str:
        return "on_roll" if self.entry is not None else self.eligibility.state


CANDIDATE_SORTS = {
    "name": lambda c: (c.person.name, c.person.id),
    "birth_date": lambda c: (c.person.birth_date, c.person.id),
    "village": lambda c: (village_name(c.person), c.person.name, c.person.id),
}


def candidates_statement(filters: CandidateFilter) -> Select:
    """The people worth judging: anyone found by ``q``; otherwise those at most CANDIDATE_LOOKAHEAD_YEARS
    short of the scheme's age (their own, or for the woman's-age schemes their own too: a husband much
    younger than his wife is found by searching)."""
    if filters.q:
        people = registry.PeopleFilter(q=filters.q, village_id=filters.village_id)
    else:
        scheme = rules.scheme(filters.kind, filters.year)
        people = registry.PeopleFilter(village_id=filters.village_id, as_of=rules.age_day(filters.year),
                                       age_min=scheme.min_age - rules.CANDIDATE_LOOKAHEAD_YEARS)
    return registry.people_statement(people, "id").with_only_columns(Person.id)


def list_candidates(filters: CandidateFilter, sort: str = "name", page: int = 1, per_page: int = 50) -> Page:
    """One page of candidates for the roll of ``filters.kind`` and ``filters.year``, each judged with its
    reasons. Every candidate is judged before the page is cut, so the state filter and the count are exact."""
    _check_kind_year(filters.kind, filters.year)
    person_ids = list(db.session.scalars(candidates_statement(filters).limit(EXPORT_LIMIT)))
    people = eligibility.load_people(person_ids)
    entries = _entries_of(filters.kind, filters.year, person_ids)
    found = [Candidate(judged, entries.get(judged.person.id))
             for judged in eligibility.check_many(people, filters.kind, filters.year)]
    found = [candidate for candidate in found if _keeps(filters.state, candidate)]
    key = CANDIDATE_SORTS.get(sort.lstrip("-"), CANDIDATE_SORTS["name"])
    found.sort(key=key, reverse=sort.startswith("-"))
    page, per_page = max(1, page), min(max(1, per_page), MAX_PER_PAGE)
    result = Page(items=found[(page - 1) * per_page:page * per_page], page=page, per_page=per_page,
                  total=len(found))
    return result


def _keeps(state: str, candidate: Candidate) -> bool:
    if state == "all":
        return True
    if state == "possible":
        return candidate.state in ("eligible", "to_declare")
    return candidate.state == state


def _entries_of(kind: str, year: int, person_ids: list[int]) -> dict[int, RollEntry]:
    entries = {}
    for start in range(0, len(person_ids), 900):
        statement = select(RollEntry).where(RollEntry.kind == kind, RollEntry.year == year,
                                            RollEntry.person_id.in_(person_ids[start:start + 900]))
        entries.update({entry.person_id: entry for entry in db.session.scalars(statement)})
    return entries


def check_person(person_id: int, kind: str, year: int) -> eligibility.Eligibility:
    """One person's eligibility for ``kind`` in ``year`` with every reason; the read is audited."""
    someone = db.session.get(Person, person_id)
    if someone is None:
        raise not_found(_l("No such person."))
    _check_kind_year(kind, year)
    audit.record("support_eligibility.read", record_type="person", record_id=someone.id,
                 detail={"kind": kind, "year": year})
    return eligibility.check(someone, kind, year)


def _check_kind_year(kind: str, year: int) -> None:
    errors = {}
    if kind not in SUPPORT_KINDS:
        errors["kind"] = [str(_l("Choose one of the listed values."))]
    if not isinstance(year, int) or not YEARS[0] <= year <= YEARS[1]:
        errors["year"] = [str(_l("Must be between %(min)s and %(max)s.", min=YEARS[0], max=YEARS[1]))]
    if errors:
        raise ServiceError(errors)


# ---------------------------------------------------------------------------------------------------------
# The roll


@dataclasses.dataclass
class RollFilter:
    year: int | None = None
    kind: str | None = None
    q: str = ""
    village_id: int | None = None
    payment: str | None = None  # unpaid, part_paid, paid


def paid_fen_column():
    """The fen paid (not returned) against each roll entry, as a correlated subquery."""
    return (select(func.coalesce(func.sum(SupportPayment.amount_fen), 0))
            .where(SupportPayment.roll_entry_id == RollEntry.id, SupportPayment.status == "paid")
            .correlate(RollEntry).scalar_subquery())


ROLL_SORTS = {"name": (Person.name.asc(),), "-name": (Person.name.desc(),),
              "amount": (RollEntry.amount_fen.asc(),), "-amount": (RollEntry.amount_fen.desc(),),
              "confirmed": (RollEntry.created_at.asc(),), "-confirmed": (RollEntry.created_at.desc(),)}


def roll_statement(filters: RollFilter, sort: str = "name") -> Select:
    statement = (select(RollEntry).join(Person, RollEntry.person_id == Person.id)
                 .options(selectinload(RollEntry.payments))
                 .order_by(*ROLL_SORTS.get(sort, ROLL_SORTS["name"]), RollEntry.id))
    if filters.year:
        statement = statement.where(RollEntry.year == filters.year)
    if filters.kind:
        statement = statement.where(RollEntry.kind == filters.kind)
    paid = paid_fen_column()
    if filters.payment == "unpaid":
        statement = statement.where(paid == 0)
    elif filters.payment == "part_paid":
        statement = statement.where(and_(paid > 0, paid < RollEntry.amount_fen))
    elif filters.payment == "paid":
        statement = statement.where(paid >= RollEntry.amount_fen)
    return in_village(matching_person(statement, filters.q), filters.village_id)


def list_roll(filters: RollFilter, sort: str = "name", page: int = 1, per_page: int = 50) -> Page:
    """One page of roll entries."""
    return paginate(db.session, roll_statement(filters, sort), page, per_page)


def roll_totals(filters: RollFilter) -> dict:
    """{"entries", "due", "paid"} (yuan) of every entry the filters keep, all pages."""
    inner = roll_statement(filters).with_only_columns(RollEntry.amount_fen.label("due"),
                                                      paid_fen_column().label("paid")).order_by(None).subquery()
    count, due, paid = db.session.execute(select(func.count(), func.coalesce(func.sum(inner.c.due), 0),
                                                 func.coalesce(func.sum(inner.c.paid), 0))).one()
    return {"entries": count, "due": yuan(due), "paid": yuan(paid), "outstanding": yuan(due - paid)}


def export_roll(filters: RollFilter, sort: str = "name") -> Sheet:
    """The roll entries the filters keep, for a spreadsheet: ID numbers masked, the export audited."""
    audit.record("support_roll.export", record_type="support_roll_entry", detail={"filters": filter_detail(filters)})
    entries = db.session.scalars(roll_statement(filters, sort).limit(EXPORT_LIMIT))
    rows = ([entry.year, rules.KINDS[entry.kind], entry.person.name, ids.mask(entry.person.resident_id),
             str(registry_labels.SEX[entry.person.sex]), entry.person.birth_date, village_name(entry.person),
             yuan(entry.amount_fen), yuan(entry.paid_fen), yuan(entry.outstanding_fen),
             "；".join(declared_summary(entry)), entry.confirmed_by] for entry in entries)
    headers = ["年度", "扶助类别", "姓名", "身份证号码", "性别", "出生日期", "村/社区", "年度应发（元）", "已发（元）",
               "未发（元）", "申报核实事项", "确认人"]
    return Sheet(headers, rows, "年度名册")


def declared_summary(entry: RollEntry) -> list[str]:
    """The entry's declared conditions as they read on the roll (the reasons' texts)."""
    return [reason["text"] for reason in entry.reasons if reason.get("status") == "declared"]


def roll_years() -> list[int]:
    """The years with a roll, latest first."""
    return list(db.session.scalars(select(RollEntry.year).distinct().order_by(RollEntry.year.desc())))


def get_entry(entry_id: int) -> RollEntry:
    entry = db.session.get(RollEntry, entry_id)
    if entry is None:
        raise not_found(_l("No such roll entry."))
    return entry


def read_entry(entry_id: int) -> RollEntry:
    entry = get_entry(entry_id)
    audit.record("support_roll.read", record_type="support_roll_entry", record_id=entry.id)
    return entry


def find_entry(person_id: int, kind: str, year: int) -> RollEntry | None:
    return db.session.scalar(select(RollEntry).where(RollEntry.person_id == person_id, RollEntry.kind == kind,
                                                     RollEntry.year == year))


def confirm(data: dict) -> RollEntry:
    """Put a person on a year's roll: ``person_id``, ``kind``, ``year``, ``declarations`` (a list of
    {"code", "checked_by", "checked_on", "note"} for conditions the register cannot show) and ``note``.

    The person must be eligible once the declarations are counted; otherwise the error lists every reason
    that stands in the way. The amount is the scheme's for that year.
    """
    kind, year = data.get("kind"), data.get("year")
    _check_kind_year(kind, year)
    someone = person(data.get("person_id"))
    declarations = _declarations(data.get("declarations") or [])
    if find_entry(someone.id, kind, year) is not None:
        raise ConflictError.on("person_id", str(_l("%(name)s is already on the %(year)s roll of this kind.",
                                                   name=someone.name, year=year)))
    judged = eligibility.check(someone, kind, year, declarations)
    if not judged.eligible:
        raise ServiceError({"eligibility": [reason.text for reason in judged.reasons
                                             if reason.status in ("unmet", "to_declare")]})
    used = [{"code": code, **values} for code, values in declarations.items()
            if any(reason.condition == code and reason.status == "declared" for reason in judged.reasons)]
    entry = RollEntry(person_id=someone.id, kind=kind, year=year, amount_fen=judged.amount_fen,
                      reasons=[reason.as_dict() for reason in judged.reasons], declarations=used,
                      confirmed_by=signed_in_name(), note=(data.get("note") or "").strip())
    db.session.add(entry)
    db.session.flush()
    audit.record("support_roll.confirm", record_type="support_roll_entry", record_id=entry.id,
                 detail={"fields": ["person_id", "kind", "year", "amount"], "declared": [d["code"] for d in used]})
    return entry


def _declarations(items: list[dict]) -> dict[str, dict]:
    """{condition: {"checked_by", "checked_on", "note"}}: each declaration names who checked it."""
    declared, errors = {}, {}
    for item in items:
        code = item.get("code")
        if code not in eligibility.DECLARABLE:
            errors["declarations"] = [str(_l("Choose one of the listed values."))]
            continue
        if not (item.get("checked_by") or "").strip():
            errors["checked_by"] = [str(_l("Say who checked the declared facts."))]
            continue
        checked_on = item.get("checked_on") or rules.today()
        if checked_on > rules.today():
            errors["checked_on"] = [str(_l("The date is in the future."))]
            continue
        declared[code] = {"checked_by": item["checked_by"].strip(), "checked_on": checked_on.isoformat(),
                          "note": (item.get("note") or "").strip()}
    if errors:
        raise ServiceError(errors)
    return declared


def remove_entry(entry: RollEntry) -> None:
    """Take an entry off the roll (confirmed by mistake); one with payments stays."""
    if entry.payments:
        raise ConflictError(str(_l("Payments are recorded against this entry; it stays on the roll.")))
    audit.record("support_roll.remove", record_type="support_roll_entry", record_id=entry.id,
                 detail={"kind": entry.kind, "year": entry.year})
    db.session.delete(entry)
    db.session.flush()


def default_year() -> int:
    return rules.today().year
