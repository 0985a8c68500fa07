"""What the family support services share: amounts in fen, changed field names, who is signed in."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from flask import g, has_request_context
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select

from renkou.errors import NotFoundError, ServiceError
from renkou.extensions import db
from renkou.search import text_matches
from tenants.registry import resident_id as ids
from tenants.registry import services as registry
from tenants.registry.models import Household, Person


def yuan(fen: int | None) -> Decimal:
    """Fen as yuan: 123450 → Decimal("1234.50")."""
    return Decimal(int(fen or 0)).scaleb(-2)


def to_fen(amount: Decimal) -> int:
    """Yuan as fen: Decimal("1234.5") → 123450 (the schemas allow at most two decimals)."""
    return int((Decimal(amount) * 100).to_integral_exact())


def apply_changes(record, values: dict, fields: tuple[str, ...]) -> list[str]:
    """Set ``fields`` of ``record`` from ``values``; the names of those that changed (never their values)."""
    changed = []
    for field in fields:
        if field in values and getattr(record, field) != values[field]:
            setattr(record, field, values[field])
            changed.append(field)
    return changed


def filter_detail(filters) -> dict:
    """A filter dataclass as it goes into the audit trail; a full ID number searched for is not written."""
    detail = {k: str(v) for k, v in dataclasses.asdict(filters).items() if v not in (None, "", False)}
    if "q" in detail and ids.looks_like_resident_id(detail["q"]):
        detail["q"] = "<ID number>"
    return detail


def signed_in_name() -> str:
    """The user doing the work (the request's, or the job's), for records that name who confirmed them."""
    if has_request_context() and current_user and current_user.is_authenticated:
        return (current_user.display_name or current_user.username)[:64]
    actor = g.get("job_actor")
    return actor[1][:64] if actor else ""


def person(person_id: int | None, field: str = "person_id") -> Person:
    if not person_id:
        raise ServiceError.on(field, str(_l("This field is required.")))
    found = db.session.get(Person, person_id)
    if found is None:
        raise ServiceError.on(field, str(_l("No such person.")))
    return found


def matching_person(statement: Select, q: str) -> Select:
    """Keep rows whose person (already joined) has ``q`` in their name, or this full ID number."""
    if not q:
        return statement
    if ids.looks_like_resident_id(q):
        return statement.where(Person.resident_id_index == registry.resident_id_index(q))
    return statement.where(text_matches(q, Person.name))


def in_village(statement: Select, village_id: int | None) -> Select:
    """Keep rows whose person (already joined) lives, by their household, in ``village_id``."""
    if not village_id:
        return statement
    return statement.join(Household, Person.household_id == Household.id).where(Household.village_id == village_id)


def village_name(someone: Person) -> str:
    return someone.household.village.name if someone.household else ""


def not_found(message) -> NotFoundError:
    return NotFoundError(str(message))
