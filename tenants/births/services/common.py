"""What the births services share: who may be a mother, the village of a mother, changed field names."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select

from renkou.errors import NotFoundError, ServiceError
from renkou.extensions import db
from renkou.timezone import local
from tenants.births import rules
from tenants.registry import services as registry
from tenants.registry.models import Household, Person

# How many people a choice list holds; searching finds the others.
CHOICES = 500
# A clock a few minutes fast at the health centre is not an error.
CLOCK_SKEW = timedelta(minutes=10)


def in_village(statement: Select, mother_column, village_id: int | None) -> Select:
    """Keep the rows whose mother lives (by her household) in ``village_id``."""
    if not village_id:
        return statement
    return (statement.join(Person, mother_column == Person.id).join(Household, Person.household_id == Household.id)
            .where(Household.village_id == village_id))


def mother(person_id: int | None, field: str = "mother_id") -> Person:
    if not person_id:
        raise ServiceError.on(field, str(_l("This field is required.")))
    try:
        person = registry.get_person(person_id)
    except NotFoundError:
        person = None
    if person is None:
        raise ServiceError.on(field, str(_l("No such person.")))
    if person.sex != "F":
        raise ServiceError.on(field, str(_l("Choose a woman on the register as the mother.")))
    return person


def apply_changes(record, values: dict, fields: tuple[str, ...]) -> list[str]:
    """Set ``fields`` of ``record`` from ``values``; the names of those that changed (never their values)."""
    changed = []
    for field in fields:
        if field in values and getattr(record, field) != values[field]:
            setattr(record, field, values[field])
            changed.append(field)
    return changed


def filter_detail(filters) -> dict:
    """A filter dataclass as it goes into the audit trail (values of filters, never of records)."""
    return {k: str(v) for k, v in dataclasses.asdict(filters).items() if v not in (None, "", False)}


def village_name(person: Person) -> str:
    """The village a person lives in, by their household (blank without one), for exports."""
    return person.household.village.name if person.household else ""


def local_text(value: datetime | None) -> str:
    """A stored UTC time as the county's local time, for exports."""
    return local(value).strftime("%Y-%m-%d %H:%M") if value is not None else ""


def mother_choices(q: str = "", chosen: int | str | None = None) -> list[Person]:
    """The women to choose a mother from: women 15–49 today, or, when searching, any woman by name or
    full ID number. The age range only shortens the list: a mother of any age is found by searching.
    The woman already chosen stays in the list."""
    if q:
        filters = registry.PeopleFilter(q=q, sex="F")
    else:
        filters = registry.childbearing_age_filter(rules.today())
    return _keep_chosen(registry.list_people(filters, "name", 1, CHOICES).items, chosen)


def possible_fathers(chosen: int | str | None = None) -> list[Person]:
    """Men from 15 living in the town, to choose a father from (or his name is typed in)."""
    filters = registry.PeopleFilter(sex="M", age_min=15, status="resident")
    return _keep_chosen(registry.list_people(filters, "name", 1, CHOICES).items, chosen)


def _keep_chosen(people: list[Person], chosen: int | str | None) -> list[Person]:
    chosen_id = int(chosen) if str(chosen or "").isdigit() else None
    if chosen_id is None or any(person.id == chosen_id for person in people):
        return people
    person = db.session.get(Person, chosen_id)
    return [person, *people] if person is not None else people
