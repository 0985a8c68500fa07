"""Setting targets: one at a time (``set_target``, also for the bureau's inbound targets) or many at once,
all or nothing (``set_targets``: the grid, the spreadsheet import and the API).

Every change is audited with the old and the new value; the audit trail is the targets' history. A
target whose value is resubmitted unchanged is left alone and not audited again. Services flush, never
commit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Iterable
from decimal import Decimal

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from renkou.audit import services as audit
from renkou.audit.models import AuditEvent
from renkou.errors import ServiceError
from renkou.extensions import db
from renkou.indicators import catalog
from renkou.pagination import Page, paginate
from renkou.targets import rules
from renkou.targets.models import COUNTY_SCOPE, SOURCES, Target
from renkou.targets.period_input import BadPeriod, resolve
from renkou.tenancy.models import TOWN_ACTIVE, Town
from renkou.types import utcnow

RECORD_TYPE = "target"


@dataclasses.dataclass(frozen=True)
class TargetInput:
    """One requested change. ``value`` None removes the target; ``key`` names the input in errors
    (a list index, a grid cell, a spreadsheet row and column)."""

    indicator: str
    period: str
    town_id: int | None
    value: Decimal | None
    note: str | None = None  # None keeps the note there is
    key: Hashable = None
    town_code: str | None = None  # instead of town_id, as the API and spreadsheets name towns

    @property
    def for_county(self) -> bool:
        return self.town_id is None and self.town_code is None


@dataclasses.dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    targets: list[Target | None] = dataclasses.field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.removed


class TargetsInvalid(ServiceError):
    """Some inputs of a batch are wrong; nothing was written. ``by_key`` maps each input's key to
    {field: [messages]}; ``errors`` (the API's body) nests them under "targets" by key."""

    def __init__(self, by_key: dict[Hashable, dict[str, list[str]]]):
        self.by_key = by_key
        Exception.__init__(self, by_key)
        self.errors = {"targets": {str(key): fields for key, fields in by_key.items()}}


# ---------------------------------------------------------------------------------------------------------
# Writing


def set_target(indicator: str, period: str, town_id: int | None, value: Decimal | None, source: str, actor,
               note: str | None = None) -> Target | None:
    """Create, change or (``value`` None) remove the target of ``indicator`` for ``period``, for the county
    (``town_id`` None) or one town. ``source`` is "county" or "bureau"; ``actor`` the user (None for a job).
    ``note`` None keeps the note there is. Raises ServiceError with messages by field; returns the target
    (None once removed)."""
    try:
        outcome = set_targets([TargetInput(indicator, period, town_id, value, note, key=0)], source, actor)
    except TargetsInvalid as error:
        raise ServiceError(error.by_key[0]) from None
    return outcome.targets[0]


def set_targets(inputs: Iterable[TargetInput], source: str, actor) -> Outcome:
    """Apply every input or none: all are checked first, and any error raises TargetsInvalid."""
    if source not in SOURCES:
        raise ValueError(f"unknown target source {source!r}")
    inputs = list(inputs)
    towns = validate(inputs)
    outcome = Outcome()
    for item in inputs:
        outcome.targets.append(_apply(item, towns.get(_town_key(item)), source, actor, outcome))
    db.session.flush()
    return outcome


def preview(inputs: Iterable[TargetInput]) -> Outcome:
    """What ``set_targets`` would do, counted and written nowhere (a dry run); TargetsInvalid as it would."""
    inputs = list(inputs)
    towns = validate(inputs)
    outcome = Outcome()
    for item in inputs:
        town = towns.get(_town_key(item))
        target = find(item.indicator, resolve(item.period).id, town.code if town is not None else COUNTY_SCOPE)
        change = _change(item, target)
        setattr(outcome, change, getattr(outcome, change) + 1)
    return outcome


def validate(inputs: list[TargetInput]) -> dict[tuple, Town]:
    """Check every input (a target named twice is an error too); TargetsInvalid with them all, else the
    towns the inputs name."""
    towns = _towns_of(inputs)
    errors, seen = {}, set()
    for item in inputs:
        town = towns.get(_town_key(item))
        problems = input_errors(item, town)
        slot = (item.indicator, (item.period or "").strip(), town.id if town is not None else _town_key(item))
        if slot in seen and not problems:
            problems = {"_schema": [str(_l("The same target is given more than once."))]}
        seen.add(slot)
        if problems:
            errors[item.key] = problems
    if errors:
        raise TargetsInvalid(errors)
    return towns


def input_errors(item: TargetInput, town: Town | None) -> dict[str, list[str]]:
    """What is wrong with one input, by field (empty when nothing is); ``town`` is the one it names."""
    errors: dict[str, list[str]] = {}
    indicator = catalog.BY_CODE.get(item.indicator)
    if indicator is None:
        errors["indicator"] = [str(_l("Unknown indicator %(code)s.", code=item.indicator))]
    elif not indicator.targetable:
        errors["indicator"] = [not_targetable_message(indicator)]
    try:
        period = resolve(item.period)
    except BadPeriod as error:
        errors.update(error.errors)
        period = None
    if indicator is not None and period is not None and period.kind not in indicator.periods:
        errors.setdefault("period", []).append(str(_l("%(indicator)s is not measured by this kind of period.",
                                                       indicator=indicator_name(indicator))))
    if not item.for_county:
        if town is None:
            errors["town"] = [str(_l("No such town."))]
        elif town.status != TOWN_ACTIVE:
            errors["town"] = [str(_l("%(town)s is archived; its targets cannot change.", town=town.name))]
    if item.value is not None and indicator is not None and indicator.targetable:
        if problems := rules.value_errors(indicator, item.value):
            errors["value"] = problems
    if len(item.note or "") > 500:
        errors["note"] = [str(_l("Length must be between {min} and {max} characters.")).format(min=0, max=500)]
    return errors


def not_targetable_message(indicator: catalog.Indicator) -> str:
    return str(_l("%(indicator)s is monitored, never targeted: a target on it would be a birth quota.",
                  indicator=indicator_name(indicator)))


def indicator_name(indicator: catalog.Indicator) -> str:
    """The indicator's name in the language of the request (Chinese outside one)."""
    return indicator.name(get_locale() or "zh")


def _town_key(item: TargetInput):
    """How ``item`` names its town: ("id", 3), ("code", "411524101") or None for the county."""
    if item.town_id is not None:
        return ("id", item.town_id)
    if item.town_code is not None:
        return ("code", item.town_code)
    return None


def _towns_of(inputs: list[TargetInput]) -> dict[tuple, Town]:
    """The towns the inputs name, by _town_key (unknown ones are absent)."""
    ids = {item.town_id for item in inputs if item.town_id is not None}
    codes = {item.town_code for item in inputs if item.town_id is None and item.town_code is not None}
    found = {}
    if ids or codes:
        for town in db.session.scalars(select(Town).where(or_(Town.id.in_(ids), Town.code.in_(codes)))):
            found[("id", town.id)] = town
            found[("code", town.code)] = town
    return found


def _change(item: TargetInput, target: Target | None) -> str:
    """What the input does to the target there is: created, updated, removed or unchanged. Resubmitting a
    target's value (a grid saved again) changes nothing, whoever set it; a note of None keeps the note."""
    if item.value is None:
        return "removed" if target is not None else "unchanged"
    if target is None:
        return "created"
    if target.value == item.value and (item.note is None or item.note == target.note):
        return "unchanged"
    return "updated"


def _apply(item: TargetInput, town: Town | None, source: str, actor, outcome: Outcome) -> Target | None:
    period = resolve(item.period)
    scope = town.code if town is not None else COUNTY_SCOPE
    target = find(item.indicator, period.id, scope)
    change = _change(item, target)
    setattr(outcome, change, getattr(outcome, change) + 1)
    if change == "unchanged":
        return target
    note = item.note if item.note is not None else (target.note if target is not None else "")
    detail = {"indicator": item.indicator, "period": period.id, "scope": scope, "source": source,
              "old": _text(target.value) if target is not None else None, "new": _text(item.value), "note": note}
    if change == "removed":
        db.session.delete(target)
        target = None
    elif change == "created":
        target = Target(indicator=item.indicator, period=period.id, period_kind=period.kind, scope=scope,
                        town=town)
        db.session.add(target)
    if target is not None:
        target.value, target.note, target.source = item.value, note, source
        target.set_by = actor
        target.set_at = utcnow()
    action = {"created": "target.create", "updated": "target.update", "removed": "target.delete"}[change]
    audit.record(action, actor=actor, town_code=town.code if town is not None else None,
                 record_type=RECORD_TYPE, record_id=history_key(item.indicator, period.id, scope), detail=detail)
    return target


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def history_key(indicator: str, period_id: str, scope: str) -> str:
    """The audit trail's record id of one target slot: it outlives the row (removed, set again)."""
    return f"{indicator}:{period_id}:{scope}"


# ---------------------------------------------------------------------------------------------------------
# Reading


def find(indicator: str, period_id: str, scope: str) -> Target | None:
    return db.session.scalar(select(Target).where(Target.indicator == indicator, Target.period == period_id,
                                                  Target.scope == scope))


def of_period(period_id: str) -> dict[tuple[str, str], Target]:
    """Every target of the period by (scope, indicator); scope is "county" or a town code."""
    targets = db.session.scalars(select(Target).where(Target.period == period_id))
    return {(target.scope, target.indicator): target for target in targets}


@dataclasses.dataclass
class TargetFilter:
    period: str | None = None
    scope: str | None = None  # "county" or a town code
    indicator: str | None = None


def list_targets(filters: TargetFilter, page: int = 1, per_page: int = 50) -> Page:
    """One page of targets, newest period first, then county before towns, then by indicator."""
    statement = select(Target)
    if filters.period:
        statement = statement.where(Target.period == filters.period)
    if filters.scope:
        statement = statement.where(Target.scope == filters.scope)
    if filters.indicator:
        statement = statement.where(Target.indicator == filters.indicator)
    statement = statement.order_by(Target.period.desc(), (Target.scope != COUNTY_SCOPE), Target.scope,
                                   Target.indicator)
    return paginate(db.session, statement, page, per_page)


def history(period_id: str, limit: int = 50) -> list[AuditEvent]:
    """The latest changes to the period's targets, newest first (from the audit trail)."""
    statement = (
        select(AuditEvent)
        .where(AuditEvent.record_type == RECORD_TYPE,
               AuditEvent.record_id.like(f"%:{period_id}:%"))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(statement))


def active_towns() -> list[Town]:
    return list(db.session.scalars(select(Town).where(Town.status == TOWN_ACTIVE).order_by(Town.code)))


def town_by_code(code: str) -> Town | None:
    return db.session.scalar(select(Town).where(Town.code == code))


def town_by_slug(slug: str) -> Town | None:
    return db.session.scalar(select(Town).where(Town.slug == slug))


def targetable_indicators(kind: str) -> list[catalog.Indicator]:
    """The indicators a target can be set on for periods of ``kind``, in catalog order."""
    return [indicator for indicator in catalog.applying_to(kind) if indicator.targetable]
