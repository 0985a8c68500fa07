"""Outreach activities, slogans and population-school sessions: kept, listed and read back."""

from __future__ import annotations

import dataclasses

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from renkou.audit import services as audit
from renkou.errors import NotFoundError, ServiceError
from renkou.extensions import db
from renkou.pagination import Page, paginate
from renkou.search import text_matches
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


def _update(record, fields: tuple[str, ...], changes: dict, date_field: str, action: str, errors: dict):
    """Apply ``changes`` (None: keep) after the same checks as a new record; audited by changed field names."""
    values = {field: getattr(record, field) for field in fields}
    values.update({field: changes[field] for field in fields if changes.get(field) is not None})
    check_common(values, date_field, errors)
    if errors:
        raise ServiceError(errors)
    changed = [field for field in fields if getattr(record, field) != values[field]]
    for field in changed:
        setattr(record, field, values[field])
    db.session.flush()
    if changed:
        audit.record(action, record_type=type(record).__tablename__, record_id=record.id, detail={"fields": changed})
    return record


def _same(model, date_column, day, village_id: int | None, *conditions):
    """The record of ``model`` on ``day`` in the village (None: town-wide) meeting ``conditions``, or None."""
    village = model.village_id.is_(None) if village_id is None else model.village_id == village_id
    return db.session.scalar(select(model).where(date_column == day, village, *conditions)
                             .order_by(model.id).limit(1))


# ---------------------------------------------------------------------------------------------------------
# Activities


@dataclasses.dataclass
class ActivityFilter(DatedFilter):
    kind: str | None = None


def activities_statement(filters: ActivityFilter) -> Select:
    statement = filtered(select(OutreachActivity), OutreachActivity, OutreachActivity.activity_date, filters)
    if filters.kind:
        statement = statement.where(OutreachActivity.kind == filters.kind)
    return statement


def list_activities(filters: ActivityFilter, page: int = 1, per_page: int = 50) -> Page:
    return paginate(db.session, activities_statement(filters), page, per_page)


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


def find_activity(kind: str, activity_date, village_id: int | None) -> OutreachActivity | None:
    """The activity of ``kind`` on that day in the village (None: town-wide): how an import finds it again."""
    return _same(OutreachActivity, OutreachActivity.activity_date, activity_date, village_id,
                 OutreachActivity.kind == kind)


def update_activity(activity: OutreachActivity, changes: dict) -> OutreachActivity:
    """Change an activity (a None value keeps what is stored); the same checks as a new one."""
    errors: dict[str, list[str]] = {}
    if changes.get("kind") is not None and changes["kind"] not in ACTIVITY_KINDS:
        errors["kind"] = [str(_l("Choose one of the listed values."))]
    if (changes.get("participants") or 0) < 0:
        errors["participants"] = [str(_l("Must be zero or more."))]
    return _update(activity, ACTIVITY_FIELDS, changes, "activity_date", "outreach_activity.update", errors)


# ---------------------------------------------------------------------------------------------------------
# Slogans


@dataclasses.dataclass
class SloganFilter(DatedFilter):
    q: str = ""


def slogans_statement(filters: SloganFilter) -> Select:
    statement = filtered(select(Slogan), Slogan, Slogan.slogan_date, filters)
    if filters.q:
        statement = statement.where(text_matches(filters.q, Slogan.content, Slogan.place))
    return statement


def list_slogans(filters: SloganFilter, page: int = 1, per_page: int = 50) -> Page:
    return paginate(db.session, slogans_statement(filters), page, per_page)


def get_slogan(slogan_id: int) -> Slogan:
    return _get(Slogan, slogan_id, _l("No such slogan."))


def create_slogan(data: dict) -> Slogan:
    """Record a slogan: ``place``, ``content``, ``slogan_date`` (put up on), ``village_id`` (none: town-wide)."""
    errors = {field: [str(_l("This field is required."))] for field in ("place", "content") if not data.get(field)}
    return _create(Slogan, SLOGAN_FIELDS, data, "slogan_date", "outreach_slogan.create", errors)


# ---------------------------------------------------------------------------------------------------------
# Population-school sessions


def sessions_statement(filters: DatedFilter) -> Select:
    return filtered(select(SchoolSession), SchoolSession, SchoolSession.session_date, filters)


def list_sessions(filters: DatedFilter, page: int = 1, per_page: int = 50) -> Page:
    return paginate(db.session, sessions_statement(filters), page, per_page)


def get_session(session_id: int) -> SchoolSession:
    return _get(SchoolSession, session_id, _l("No such session."))


def create_session(data: dict) -> SchoolSession:
    """Record a population-school session: ``topic``, ``session_date``, ``village_id`` (none: the town
    school), ``attendance``."""
    errors = {"topic": [str(_l("This field is required."))]} if not data.get("topic") else {}
    if (data.get("attendance") or 0) < 0:
        errors["attendance"] = [str(_l("Must be zero or more."))]
    return _create(SchoolSession, SESSION_FIELDS, data, "session_date", "school_session.create", errors)


def find_session(topic: str, session_date, village_id: int | None) -> SchoolSession | None:
    """The session on ``topic`` that day in the village (None: the town school): how an import finds it again."""
    return _same(SchoolSession, SchoolSession.session_date, session_date, village_id, SchoolSession.topic == topic)


def update_session(session: SchoolSession, changes: dict) -> SchoolSession:
    """Change a session (a None value keeps what is stored); the same checks as a new one."""
    errors: dict[str, list[str]] = {}
    if "topic" in changes and changes["topic"] is not None and not changes["topic"].strip():
        errors["topic"] = [str(_l("This field is required."))]
    if (changes.get("attendance") or 0) < 0:
        errors["attendance"] = [str(_l("Must be zero or more."))]
    return _update(session, SESSION_FIELDS, changes, "session_date", "school_session.update", errors)
