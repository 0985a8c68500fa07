"""Licences of the town's medical units (执业许可证 …): number, issuer and validity.

Whether a licence is expired or expiring is worked out against today (the county's day) and the warning
period in force (tenants.clinics.rules.EXPIRY_WARNING_DAYS), never stored.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select

from renkou.audit import services as audit
from renkou.errors import ConflictError, NotFoundError, ServiceError
from renkou.extensions import db
from renkou.pagination import Page, paginate
from tenants.clinics import rules
from tenants.clinics.models import Licence, MedicalUnit
from tenants.clinics.services.common import apply_changes

LICENCE_FIELDS = ("unit_id", "kind", "number", "issuer", "valid_from", "valid_to")


@dataclasses.dataclass
class LicenceFilter:
    unit_id: int | None = None
    kind: str | None = None
    state: str | None = None  # valid, expiring or expired (on today)


def licences_statement(filters: LicenceFilter) -> Select:
    """Licences of every unit, soonest end of validity first (those without an end last)."""
    statement = (select(Licence).order_by(Licence.valid_to.is_(None), Licence.valid_to.asc(), Licence.id.asc()))
    if filters.unit_id:
        statement = statement.where(Licence.unit_id == filters.unit_id)
    if filters.kind:
        statement = statement.where(Licence.kind == filters.kind)
    if filters.state:
        statement = statement.where(state_condition(filters.state))
    return statement


def list_licences(filters: LicenceFilter, page: int = 1, per_page: int = 50) -> Page:
    """One page of licences (see licences_statement)."""
    return paginate(db.session, licences_statement(filters), page, per_page)


def state_condition(state: str):
    """The SQL condition of ``state`` on today (the same rule as Licence.state_on)."""
    today = rules.today()
    warn_until = today + timedelta(days=rules.expiry_warning_days(today))
    if state == "expired":
        return Licence.valid_to < today
    if state == "expiring":
        return Licence.valid_to.between(today, warn_until)
    return or_(Licence.valid_to.is_(None), Licence.valid_to > warn_until)


def get_licence(licence_id: int) -> Licence:
    licence = db.session.get(Licence, licence_id)
    if licence is None:
        raise NotFoundError(str(_l("No such licence.")))
    return licence


def find_licence(kind: str, number: str) -> Licence | None:
    """The licence of this kind with this number (unique together), or None."""
    return db.session.scalar(select(Licence).where(Licence.kind == kind, Licence.number == number))


def create_licence(data: dict) -> Licence:
    values = _validated({field: data.get(field) for field in LICENCE_FIELDS}, None)
    licence = Licence(**values)
    db.session.add(licence)
    db.session.flush()
    audit.record("clinic_licence.create", record_type="clinic_licence", record_id=licence.id,
                 detail={"fields": sorted(k for k, v in values.items() if v not in (None, ""))})
    return licence


def update_licence(licence: Licence, changes: dict) -> Licence:
    merged = {field: getattr(licence, field) for field in LICENCE_FIELDS}
    merged.update({k: v for k, v in changes.items() if k in LICENCE_FIELDS})
    values = _validated(merged, licence)
    changed = apply_changes(licence, values, LICENCE_FIELDS)
    db.session.flush()
    if "unit_id" in changed:
        db.session.expire(licence, ["unit"])
    audit.record("clinic_licence.update", record_type="clinic_licence", record_id=licence.id,
                 detail={"fields": changed})
    return licence


def delete_licence(licence: Licence) -> None:
    """Remove a licence entered by mistake (an old licence that was renewed may simply stay)."""
    audit.record("clinic_licence.delete", record_type="clinic_licence", record_id=licence.id,
                 detail={"unit_id": licence.unit_id})
    db.session.delete(licence)
    db.session.flush()


def _validated(values: dict, existing: Licence | None) -> dict:
    errors: dict[str, list[str]] = {}
    for field in ("unit_id", "kind", "number", "issuer"):
        if values.get(field) in (None, ""):
            errors[field] = [str(_l("This field is required."))]
    if values.get("unit_id") and db.session.get(MedicalUnit, values["unit_id"]) is None:
        errors["unit_id"] = [str(_l("No such medical unit."))]
    if values.get("valid_from") and values.get("valid_to") and values["valid_to"] < values["valid_from"]:
        errors["valid_to"] = [str(_l("The licence ends before it starts."))]
    if errors:
        raise ServiceError(errors)
    statement = select(Licence.id).where(Licence.kind == values["kind"], Licence.number == values["number"])
    if existing is not None:
        statement = statement.where(Licence.id != existing.id)
    if db.session.scalar(statement.limit(1)) is not None:
        raise ConflictError.on("number", str(_l("A licence of this kind with this number is already recorded.")))
    return values
