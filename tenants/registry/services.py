"""Households and people of the current town.

Every read of a person's record and every change is audited. The resident ID is stored encrypted;
``resident_id_index`` (a keyed hash) is what finds a person by a full ID, and nothing else matches.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from renkou.audit import services as audit
from renkou.crypto.keys import blind_index
from renkou.errors import ConflictError, NotFoundError, PermissionDenied, ServiceError
from renkou.extensions import db
from renkou.imports.exports import EXPORT_LIMIT, Sheet
from renkou.pagination import Page, paginate
from renkou.schemas import mask_phone
from renkou.search import text_matches
from renkou.tenancy.context import current_town
from tenants.network.models import Village, VillageGroup
from tenants.registry import resident_id as ids
from tenants.registry.models import PERSON_STATUSES, Household, Person

ID_PURPOSE = "people.resident_id"
PERSON_FIELDS = ("name", "sex", "birth_date", "resident_id", "household_id", "relation", "marital_status", "phone")
CHILDBEARING_AGES = (15, 49)


def resident_id_index(value: str) -> str:
    return blind_index(current_town().code, ID_PURPOSE, ids.normalize(value))


# ---------------------------------------------------------------------------------------------------------
# Households


HOUSEHOLD_SORTS = {"number": Household.number.asc(), "-number": Household.number.desc(),
                   "address": Household.address.asc(), "-address": Household.address.desc()}


def households_statement(q: str = "", village_id: int | None = None, sort: str = "number") -> Select:
    statement = (select(Household).options(selectinload(Household.members))
                 .order_by(HOUSEHOLD_SORTS.get(sort, HOUSEHOLD_SORTS["number"]), Household.id))
    if q:
        statement = statement.where(text_matches(q, Household.number, Household.address))
    if village_id:
        statement = statement.where(Household.village_id == village_id)
    return statement


def list_households(q: str = "", village_id: int | None = None, sort: str = "number", page: int = 1,
                    per_page: int = 50) -> Page:
    return paginate(db.session, households_statement(q, village_id, sort), page, per_page)


def export_households(q: str = "", village_id: int | None = None, sort: str = "number") -> Sheet:
    """The households matching the filters, for a spreadsheet (heads' names only; no ID numbers)."""
    audit.record("household.export", record_type="household", detail={"q": bool(q), "village_id": village_id})
    households = db.session.scalars(households_statement(q, village_id, sort).limit(EXPORT_LIMIT))
    rows = ([h.number, h.village.code, h.village.name, h.group.code if h.group else "", h.address,
             h.head.name if h.head else "", len(h.members)] for h in households)
    headers = ["户编号", "村/社区代码", "村/社区", "村民小组代码", "地址", "户主", "人数"]
    return Sheet(headers, rows, "户")


def find_household(number: str) -> Household | None:
    """The household with this number (numbers are unique in the town), or None."""
    return db.session.scalar(select(Household).where(Household.number == number.strip()))


def get_household(household_id: int) -> Household:
    household = db.session.get(Household, household_id)
    if household is None:
        raise NotFoundError(str(_l("No such household.")))
    return household


def read_household(household_id: int) -> Household:
    """A household's record page: its members are people, so the read is audited."""
    household = get_household(household_id)
    audit.record("household.read", record_type="household", record_id=household.id)
    return household


def create_household(number: str, village_id: int, address: str, group_id: int | None = None) -> Household:
    _check_household_place(village_id, group_id)
    _check_household_number(number)
    household = Household(number=number, village_id=village_id, group_id=group_id, address=address)
    db.session.add(household)
    db.session.flush()
    audit.record("household.create", record_type="household", record_id=household.id, detail={"number": number})
    return household


def update_household(household: Household, changes: dict) -> Household:
    if "number" in changes and changes["number"] != household.number:
        _check_household_number(changes["number"])
    village_id = changes.get("village_id", household.village_id)
    group_id = changes.get("group_id", household.group_id if "village_id" not in changes else None)
    _check_household_place(village_id, group_id)
    changed = _apply(household, changes, ("number", "village_id", "group_id", "address"))
    household.group_id = group_id
    db.session.flush()
    audit.record("household.update", record_type="household", record_id=household.id, detail={"fields": changed})
    return household


def delete_household(household: Household) -> None:
    if household.members:
        raise ConflictError(str(_l("The household still has members; move or remove them first.")))
    audit.record("household.delete", record_type="household", record_id=household.id,
                 detail={"number": household.number})
    db.session.delete(household)
    db.session.flush()


def _check_household_number(number: str) -> None:
    if db.session.scalar(select(Household.id).where(Household.number == number)) is not None:
        raise ConflictError.on("number", str(_l("A household with this number already exists.")))


def _check_household_place(village_id: int, group_id: int | None) -> None:
    if db.session.get(Village, village_id) is None:
        raise ServiceError.on("village_id", str(_l("No such village.")))
    if group_id is not None:
        group = db.session.get(VillageGroup, group_id)
        if group is None or group.village_id != village_id:
            raise ServiceError.on("group_id", str(_l("The group does not belong to this village.")))


def household_count_in_group(group_id: int) -> int:
    """How many households are in a village group (the network area asks before it deletes or moves one)."""
    return db.session.scalar(select(func.count(Household.id)).where(Household.group_id == group_id)) or 0


def household_count_in_village(village_id: int) -> int:
    """How many households are in a village (the network area asks before it deletes one)."""
    return db.session.scalar(select(func.count(Household.id)).where(Household.village_id == village_id)) or 0


def household_counts_by_group(group_ids: list[int]) -> dict[int, int]:
    """{group id: number of households} for the given groups (groups without households are left out)."""
    if not group_ids:
        return {}
    rows = db.session.execute(select(Household.group_id, func.count(Household.id))
                              .where(Household.group_id.in_(group_ids)).group_by(Household.group_id))
    return {group_id: count for group_id, count in rows}


def household_counts_by_village() -> dict[int, int]:
    """{village id: number of households} (villages without households are left out)."""
    rows = db.session.execute(select(Household.village_id, func.count(Household.id)).group_by(Household.village_id))
    return {village_id: count for village_id, count in rows}


def village_households(village_id: int) -> list[Household]:
    """Every household of a village by number (for choosing some of them; no member is read)."""
    return list(db.session.scalars(select(Household).where(Household.village_id == village_id)
                                   .order_by(Household.number, Household.id)))


# ---------------------------------------------------------------------------------------------------------
# People


@dataclasses.dataclass
class PeopleFilter:
    q: str = ""
    village_id: int | None = None
    household_id: int | None = None
    sex: str | None = None
    marital_status: str | None = None
    status: str | None = None
    age_min: int | None = None
    age_max: int | None = None
    as_of: date | None = None


PEOPLE_SORTS = {"name": Person.name.asc(), "-name": Person.name.desc(), "birth_date": Person.birth_date.asc(),
                "-birth_date": Person.birth_date.desc(), "id": Person.id.asc(), "-id": Person.id.desc()}


def people_statement(filters: PeopleFilter, sort: str = "name") -> Select:
    statement = select(Person).order_by(PEOPLE_SORTS.get(sort, PEOPLE_SORTS["name"]), Person.id)
    if filters.q:
        if ids.looks_like_resident_id(filters.q):
            statement = statement.where(Person.resident_id_index == resident_id_index(filters.q))
        else:
            statement = statement.where(text_matches(filters.q, Person.name))
    if filters.village_id:
        statement = statement.join(Household, Person.household_id == Household.id).where(
            Household.village_id == filters.village_id)
    for column, value in ((Person.household_id, filters.household_id), (Person.sex, filters.sex),
                          (Person.marital_status, filters.marital_status), (Person.status, filters.status)):
        if value:
            statement = statement.where(column == value)
    as_of = filters.as_of or date.today()
    if filters.age_min is not None:
        statement = statement.where(Person.birth_date <= _years_before(as_of, filters.age_min))
    if filters.age_max is not None:
        statement = statement.where(Person.birth_date > _years_before(as_of, filters.age_max + 1))
    return statement


def list_people(filters: PeopleFilter, sort: str = "name", page: int = 1, per_page: int = 50) -> Page:
    """One page of people."""
    return paginate(db.session, people_statement(filters, sort), page, per_page)


def export_people(filters: PeopleFilter, sort: str = "name") -> Sheet:
    """The people matching ``filters``, for a spreadsheet: ID numbers and phones masked, the export audited."""
    from tenants.registry import labels

    audit.record("person.export", record_type="person", detail={"filters": _filter_detail(filters)})
    people = db.session.scalars(people_statement(filters, sort).limit(EXPORT_LIMIT))
    rows = ([p.name, ids.mask(p.resident_id), labels.SEX[p.sex], p.birth_date.isoformat(),
             p.household.number if p.household else "", labels.RELATION[p.relation],
             labels.MARITAL_STATUS[p.marital_status], mask_phone(p.phone), labels.PERSON_STATUS[p.status], p.id]
            for p in people)
    # 编号 (the record number) lets the exported list be imported again: a row updates that person.
    headers = ["姓名", "身份证号码", "性别", "出生日期", "户编号", "与户主关系", "婚姻状况", "联系电话", "状态", "编号"]
    return Sheet(headers, rows, "人员")


def childbearing_age_filter(as_of: date, village_id: int | None = None, married_only: bool = False) -> PeopleFilter:
    """Women of childbearing age (15–49) on ``as_of``, living in the town: a derived list, never stored."""
    return PeopleFilter(sex="F", age_min=CHILDBEARING_AGES[0], age_max=CHILDBEARING_AGES[1], as_of=as_of,
                        status="resident", village_id=village_id, marital_status="married" if married_only else None)


def get_person(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFoundError(str(_l("No such person.")))
    return person


def read_person(person_id: int) -> Person:
    person = get_person(person_id)
    audit.record("person.read", record_type="person", record_id=person.id)
    return person


def reveal_resident_id(person: Person) -> str | None:
    """The full ID number, for a role allowed to see it; every reveal is audited."""
    if not current_town().can_edit:
        raise PermissionDenied(str(_l("Your role may not see full ID numbers.")))
    audit.record("person.reveal_id", record_type="person", record_id=person.id)
    return person.resident_id


def find_by_resident_id(value: str) -> Person | None:
    return db.session.scalar(select(Person).where(Person.resident_id_index == resident_id_index(value)))


def create_person(data: dict) -> Person:
    values = _validated_person_values({field: data.get(field) for field in PERSON_FIELDS}, existing=None)
    person = Person(**values)
    db.session.add(person)
    db.session.flush()
    audit.record("person.create", record_type="person", record_id=person.id,
                 detail={"fields": sorted(k for k, v in values.items() if v not in (None, ""))})
    return person


def update_person(person: Person, changes: dict) -> Person:
    merged = {field: getattr(person, field) for field in PERSON_FIELDS}
    merged.update({k: v for k, v in changes.items() if k in PERSON_FIELDS})
    values = _validated_person_values(merged, existing=person)
    changed = _apply(person, values, tuple(values))
    db.session.flush()
    audit.record("person.update", record_type="person", record_id=person.id, detail={"fields": changed})
    return person


def delete_person(person: Person) -> None:
    """Remove a person entered by mistake (people who leave or die stay, with their status)."""
    try:
        with db.session.begin_nested():  # a refused delete leaves the session usable
            db.session.delete(person)
            db.session.flush()
    except IntegrityError as error:
        raise ConflictError(str(_l("Other records (births, counselling, deaths and moves) refer to this person, "
                                   "who cannot be deleted."))) from error
    audit.record("person.delete", record_type="person", record_id=person.id)


def set_status(person: Person, status: str) -> Person:
    """Set a person's status (resident, moved out, deceased); the deaths and moves register calls this.

    Audited when it changes; the detail names the field, never the value.
    """
    if status not in PERSON_STATUSES:
        raise ServiceError.on("status", str(_l("Choose one of the listed values.")))
    if person.status != status:
        person.status = status
        db.session.flush()
        audit.record("person.status", record_type="person", record_id=person.id, detail={"fields": ["status"]})
    return person


def _validated_person_values(values: dict, existing: Person | None) -> dict:
    """Check a person's fields together; the ID number, when given, vouches for birth date and sex."""
    errors: dict[str, list[str]] = {}
    values = dict(values)
    raw_id = values.get("resident_id")
    values["resident_id_legacy"] = False
    values["resident_id_index"] = None
    if raw_id:
        try:
            parsed = ids.parse(raw_id)
        except ids.InvalidResidentId as invalid:
            errors["resident_id"] = [str(invalid)]
        else:
            _match_id(parsed, values, errors)
            values.update(resident_id=parsed.value, resident_id_legacy=parsed.legacy,
                          resident_id_index=resident_id_index(parsed.value))
    else:
        values["resident_id"] = None
    for field in ("sex", "birth_date"):
        # A wrong ID number is the one thing to fix; do not also ask for what it would have given.
        if not values.get(field) and field not in errors and "resident_id" not in errors:
            errors[field] = [str(_l("This field is required (or give an ID number)."))]
    if values.get("birth_date") and values["birth_date"] > date.today():
        errors["birth_date"] = [str(_l("The birth date is in the future."))]
    if values.get("household_id") and db.session.get(Household, values["household_id"]) is None:
        errors["household_id"] = [str(_l("No such household."))]
    if errors:
        raise ServiceError(errors)
    _check_duplicate_id(values["resident_id_index"], existing)
    return values


def _match_id(parsed: ids.ResidentId, values: dict, errors: dict) -> None:
    if values.get("birth_date") and values["birth_date"] != parsed.birth_date:
        errors["birth_date"] = [str(_l("The birth date does not match the ID number (%(date)s).",
                                       date=parsed.birth_date.isoformat()))]
    if values.get("sex") and values["sex"] != parsed.sex:
        errors["sex"] = [str(_l("The sex does not match the ID number."))]
    values["birth_date"] = values.get("birth_date") or parsed.birth_date
    values["sex"] = values.get("sex") or parsed.sex


def _check_duplicate_id(index: str | None, existing: Person | None) -> None:
    if index is None:
        return
    holder = db.session.scalar(select(Person.id).where(Person.resident_id_index == index))
    if holder is not None and (existing is None or holder != existing.id):
        raise ConflictError.on("resident_id", str(_l("A person with this ID number is already registered "
                                                     "in this town.")))


# ---------------------------------------------------------------------------------------------------------
# Helpers


def _apply(record, values: dict, fields: tuple[str, ...]) -> list[str]:
    """Set ``fields`` of ``record`` from ``values``; the names of those that changed (never their values)."""
    changed = []
    for field in fields:
        if field in values and getattr(record, field) != values[field]:
            setattr(record, field, values[field])
            changed.append(field)
    return changed


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _filter_detail(filters: PeopleFilter) -> dict:
    detail = {k: str(v) for k, v in dataclasses.asdict(filters).items() if v not in (None, "")}
    if "q" in detail and ids.looks_like_resident_id(detail["q"]):
        detail["q"] = "<ID number>"  # the audit trail must not become a list of ID numbers
    return detail
