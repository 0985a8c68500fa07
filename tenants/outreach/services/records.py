"""Outreach activities, slogans and population-school sessions: kept, listed and read back."""

from __future__ import annotations

import dataclasses

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from renkou.audit import services as audit
from renkou.errors import NotFoundError, ServiceError
from renkou.extensions import db
from renkou.pagination import Page, paginate
from tenants.outreach.models import ACTIVITY_KINDS, OutreachActivity, SchoolSession, Slogan
from tenants.outreach.services.common import DatedFilter, check_common, filled, filtered

ACTIVITY_FIELDS = ("kind", "activity_date", "village_id", "participants", "description")
SLOGAN_FIELDS = ("village_id", "place", "content", "slogan_date")
SESSION_FIELDS = ("topic", "session_date", "village_id", "attendance")


def _get(model, record_id: int, message):
    record = db.session.get(model, record_id)
    if record is None:
        raise NotFoundError(str(message))
    return record


def _create(model, fields: tuple[str, ...], data: dict, date_field: str, action: str, errors: dict):
    values = {field: data.get(field) for field in fields if data.get(field) is not None}
    check_common(values, date_field, errors)
    if errors:
        raise ServiceError(errors)
    record = model(**values)
    db.session.add(record)
    db.session.flush()
    audit.record(action, record_type=model.__tablename__, record_id=record.id, detail={"fields": filled(values)})
    return record


# ---------------------------------------------------------------------------------------------------------
# Activities


@dataclasses.dataclass
class ActivityFilter(DatedFilter):
    kind: str | None = None


def list_activities(filters: ActivityFilter, page: int = 1, per_page: int = 50) -> Page:
    statement = filtered(select(OutreachActivity), OutreachActivity, OutreachActivity.activity_date, filters)
    if filters.kind:
        statement = statement.where(OutreachActivity.kind == filters.kind)
    return paginate(db.session, statement, page, per_page)


def get_activity(activity_id: int) -> OutreachActivity:
    return _get(OutreachActivity, activity_id, _l("No such activity."))


def create_activity(data: dict) -> OutreachActivity:
    """Record an activity: ``kind``, ``activity_date``, ``village_id`` (none: town-wide), ``participants``,
    ``description``."""
    errors: dict[str, list[str]] = {}
    if data.get("kind") not in ACTIVITY_KINDS:
        errors["kind"] = [str(_l("Choose one of the listed values."))]
    if (data.get("participants") or 0) < 0:
        errors["participants"] = [str(_l("Must be zero or more."))]
    return _create(OutreachActivity, ACTIVITY_FIELDS, data, "activity_date", "outreach_activity.create", errors)


# ---------------------------------------------------------------------------------------------------------
# Slogans


@dataclasses.dataclass
class SloganFilter(DatedFilter):
    q: str = ""


def list_slogans(filters: SloganFilter, page: int = 1, per_page: int = 50) -> Page:
    statement = filtered(select(Slogan), Slogan, Slogan.slogan_date, filters)
    if filters.q:
        statement = statement.where(or_(Slogan.content.contains(filters.q, autoescape=True),
                                        Slogan.place.contains(filters.q, autoescape=True)))
    return paginate(db.session, statement, page, per_page)


def get_slogan(slogan_id: int) -> Slogan:
    return _get(Slogan, slogan_id, _l("No such slogan."))


def create_slogan(data: dict) -> Slogan:
    """Record a slogan: ``place``, ``content``, ``slogan_date`` (put up on), ``village_id`` (none: town-wide)."""
    errors = {field: [str(_l("This field is required."))] for field in ("place", "content") if not data.get(field)}
    return _create(Slogan, SLOGAN_FIELDS, data, "slogan_date", "outreach_slogan.create", errors)


# ---------------------------------------------------------------------------------------------------------
# Population-school sessions


def list_sessions(filters: DatedFilter, page: int = 1, per_page: int = 50) -> Page:
    statement = filtered(select(SchoolSession), SchoolSession, SchoolSession.session_date, filters)
    return paginate(db.session, statement, page, per_page)


def get_session(session_id: int) -> SchoolSession:
    return _get(SchoolSession, session_id, _l("No such session."))


def create_session(data: dict) -> SchoolSession:
    """Record a population-school session: ``topic``, ``session_date``, ``village_id`` (none: the town
    school), ``attendance``."""
    errors = {"topic": [str(_l("This field is required."))]} if not data.get("topic") else {}
    if (data.get("attendance") or 0) < 0:
        errors["attendance"] = [str(_l("Must be zero or more."))]
    return _create(SchoolSession, SESSION_FIELDS, data, "session_date", "school_session.create", errors)
