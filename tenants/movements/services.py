"""Deaths and moves of the current town's people, and the population they give.

Each person's events (not cancelled) are kept in an order that makes sense: someone moves out or dies
only while living in the town, moves in only while living elsewhere, and nothing follows a death.
A person's status on the register is what their latest event leaves (tenants.registry.services.set_status,
audited); without events they are resident. Every read and change is audited by field name only.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from renkou.audit import services as audit
from renkou.errors import ConflictError, NotFoundError, ServiceError
from renkou.extensions import db
from renkou.imports.exports import EXPORT_LIMIT, Sheet
from renkou.pagination import Page, paginate
from renkou.timezone import local
from renkou.types import utcnow
from tenants.movements import labels
from tenants.movements.models import MOVEMENT_KINDS, Movement
from tenants.registry import resident_id as ids
from tenants.registry import services as registry
from tenants.registry.models import Household, Person

MOVEMENT_FIELDS = ("person_id", "kind", "event_date", "place", "note")
# A person's state while walking through their events: living in the town, elsewhere, or deceased.
IN, OUT, DEAD = "in", "out", "dead"
STATUS_OF_STATE = {IN: "resident", OUT: "moved_out", DEAD: "deceased"}


def today() -> date:
    """Today in the county (Asia/Shanghai)."""
    return local(utcnow()).date()


# ---------------------------------------------------------------------------------------------------------
# The register of events


@dataclasses.dataclass
class MovementFilter:
    kind: str | None = None
    village_id: int | None = None
    person_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    state: str = "active"  # active, cancelled or all


def movements_statement(filters: MovementFilter) -> Select:
    """Events matching ``filters``, latest first."""
    statement = select(Movement).order_by(Movement.event_date.desc(), Movement.id.desc())
    for column, value in ((Movement.kind, filters.kind), (Movement.person_id, filters.person_id)):
        if value:
            statement = statement.where(column == value)
    if filters.date_from:
        statement = statement.where(Movement.event_date >= filters.date_from)
    if filters.date_to:
        statement = statement.where(Movement.event_date <= filters.date_to)
    if filters.state == "active":
        statement = statement.where(Movement.cancelled_at.is_(None))
    elif filters.state == "cancelled":
        statement = statement.where(Movement.cancelled_at.is_not(None))
    return _in_village(statement, filters.village_id)


def list_movements(filters: MovementFilter, page: int = 1, per_page: int = 50) -> Page:
    """One page of events, latest first."""
    return paginate(db.session, movements_statement(filters), page, per_page)


def export_movements(filters: MovementFilter) -> Sheet:
    """The events matching ``filters``, for a spreadsheet: ID numbers masked, the export audited."""
    audit.record("movement.export", record_type="movement", detail={"filters": _filter_detail(filters)})
    movements = db.session.scalars(movements_statement(filters).limit(EXPORT_LIMIT))
    rows = ([m.event_date, labels.KIND[m.kind], m.person.name, ids.mask(m.person.resident_id),
             m.person.household.village.name if m.person.household else "", m.place, m.note, _state(m),
             m.cancel_reason] for m in movements)
    headers = ["日期", "类别", "姓名", "身份证号码", "村/社区", "迁往地或迁出地", "备注", "状态", "撤销原因"]
    return Sheet(headers, rows, "死亡与迁移")


def _state(movement: Movement):
    if movement.cancelled:
        return _l("Cancelled on %(date)s", date=local(movement.cancelled_at).strftime("%Y-%m-%d"))
    return _l("In force")


def _filter_detail(filters: MovementFilter) -> dict:
    return {k: str(v) for k, v in dataclasses.asdict(filters).items() if v}


def get_movement(movement_id: int) -> Movement:
    movement = db.session.get(Movement, movement_id)
    if movement is None:
        raise NotFoundError(str(_l("No such entry.")))
    return movement


def record_movement(*, kind: str, event_date: date, person_id: int | None = None, person: dict | None = None,
                    place: str | None = None, note: str | None = None) -> Movement:
    """Record a death, a move out (``place`` is the destination) or a move in (``place`` is the origin).

    The event is about the person ``person_id``, or, for a move in, a new resident registered with it
    from ``person`` (the registry's person fields). The person's status follows the event.
    """
    errors = _event_errors(kind, event_date, person_id, person, place)
    record = db.session.get(Person, person_id) if person_id else None
    if person_id and record is None:
        errors["person_id"] = [str(_l("No such person."))]
    if errors:
        raise ServiceError(errors)
    if record is None:
        record = registry.create_person(person)
    if event_date < record.birth_date:
        raise ServiceError.on("event_date", str(_l("The date is before the person's birth.")))
    _lock(record.id)
    movement = Movement(person_id=record.id, kind=kind, event_date=event_date, place=place or None,
                        note=note or None, created_person=person_id is None)
    problem = _walk([*_sequence(_active_events(record.id)), (event_date, float("inf"), kind)])[1]
    if problem:
        raise ConflictError(problem)
    db.session.add(movement)
    db.session.flush()
    audit.record("movement.create", record_type="movement", record_id=movement.id,
                 detail={"fields": sorted(f for f in MOVEMENT_FIELDS if getattr(movement, f) not in (None, ""))})
    _follow_status(record)
    return movement


def cancel_movement(movement: Movement, reason: str | None = None) -> Movement:
    """Cancel an event entered by mistake: it stays on file, stops counting, and the person's status is
    what their other events leave (the status before it, when it was the latest)."""
    _lock(movement.person_id)
    db.session.refresh(movement)  # as it is now that no one else is changing the person's entries
    if movement.cancelled:
        raise ConflictError(str(_l("This entry is cancelled already.")))
    others = [event for event in _active_events(movement.person_id) if event.id != movement.id]
    if _walk(_sequence(others))[1]:
        raise ConflictError(str(_l("Without this entry the person's other entries would not fit together; "
                                   "cancel the later entries first.")))
    movement.cancelled_at = utcnow()
    movement.cancel_reason = reason or None
    db.session.flush()
    audit.record("movement.cancel", record_type="movement", record_id=movement.id,
                 detail={"fields": ["cancelled_at", *(["cancel_reason"] if reason else [])]})
    _follow_status(movement.person)
    return movement


def _event_errors(kind, event_date, person_id, person, place) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if kind not in MOVEMENT_KINDS:
        errors["kind"] = [str(_l("Choose one of the listed values."))]
    if event_date is None:
        errors["event_date"] = [str(_l("This field is required."))]
    elif event_date > today():
        errors["event_date"] = [str(_l("The date is in the future."))]
    if kind == "move_out" and not place:
        errors["place"] = [str(_l("Give the destination."))]
    if kind == "move_in" and not place:
        errors["place"] = [str(_l("Give the origin."))]
    if person_id and person:
        errors["person_id"] = [str(_l("Choose a person on the register or enter a new one, not both."))]
    elif person and kind != "move_in":
        errors["person_id"] = [str(_l("Only a person moving into the town can be registered with the entry; "
                                      "choose a person on the register."))]
    elif not person_id and not person:
        errors["person_id"] = [str(_l("This field is required."))]
    return errors


def _lock(person_id: int) -> None:
    """Hold the person's row until the transaction ends, so two entries for one person made at the same
    time are checked one after the other (PostgreSQL; SQLite has one writer anyway)."""
    db.session.execute(select(Person.id).where(Person.id == person_id).with_for_update())


def _active_events(person_id: int) -> list[Movement]:
    return list(db.session.scalars(select(Movement).where(Movement.person_id == person_id,
                                                          Movement.cancelled_at.is_(None))
                                   .order_by(Movement.event_date, Movement.id)))


def _sequence(events: list[Movement]) -> list[tuple[date, float, str]]:
    return [(event.event_date, event.id, event.kind) for event in events]


def _walk(sequence: list[tuple[date, float, str]]) -> tuple[str, str | None]:
    """(the state the events leave, the first problem or None). Someone whose first event is a move in
    lived elsewhere before it; everyone else lived in the town."""
    events = sorted(sequence)
    state = OUT if events and events[0][2] == "move_in" else IN
    for _day, _order, kind in events:
        if state == DEAD:
            return state, str(_l("The person's death is recorded on or before that date."))
        if kind == "move_in" and state != OUT:
            return state, str(_l("The person was living in the town on that date."))
        if kind != "move_in" and state != IN:
            return state, str(_l("The person was not living in the town on that date."))
        state = {"move_in": IN, "move_out": OUT, "death": DEAD}[kind]
    return state, None


def _follow_status(person: Person) -> None:
    registry.set_status(person, STATUS_OF_STATE[_walk(_sequence(_active_events(person.id)))[0]])


def _in_village(statement: Select, village_id: int | None) -> Select:
    """Keep rows whose person lives (by their household now) in ``village_id``."""
    if not village_id:
        return statement
    return (statement.join(Person, Movement.person_id == Person.id)
            .join(Household, Person.household_id == Household.id).where(Household.village_id == village_id))


def person_choices(q: str = "", chosen: int | str | None = None, limit: int = 500) -> list[Person]:
    """People to pick from: everyone by name, or those matching a name or full ID number; the person
    already chosen stays in the list."""
    people = registry.list_people(registry.PeopleFilter(q=q), "name", 1, limit).items
    chosen_id = int(chosen) if str(chosen or "").isdigit() else None
    if chosen_id is None or any(person.id == chosen_id for person in people):
        return people
    person = db.session.get(Person, chosen_id)
    return [person, *people] if person is not None else people


# ---------------------------------------------------------------------------------------------------------
# Population


def population(on: date, village_id: int | None = None) -> int:
    """The people living in the town on ``on`` (by the day's end).

    A person counts when born on or before ``on`` and, by their events not cancelled:
    - their latest event on or before ``on`` is a move in; or
    - they have no event on or before ``on`` and their first later event is not a move in (they were
      here before moving out or dying; someone who moves in later was not here yet).
    People without events count from their birth. ``village_id`` keeps the people whose household is in
    that village now.
    """
    people = select(Person.id).where(Person.birth_date <= on)
    if village_id:
        people = people.join(Household, Person.household_id == Household.id).where(
            Household.village_id == village_id)
    people = people.subquery()
    born = db.session.scalar(select(func.count()).select_from(people)) or 0
    events = db.session.execute(
        select(Movement.person_id, Movement.event_date, Movement.kind)
        .join(people, people.c.id == Movement.person_id)
        .where(Movement.cancelled_at.is_(None))
        .order_by(Movement.person_id, Movement.event_date, Movement.id))
    by_person: dict[int, list[tuple[date, str]]] = {}
    for person_id, day, kind in events:
        by_person.setdefault(person_id, []).append((day, kind))
    away = sum(1 for history in by_person.values() if not _living_here(history, on))
    return born - away


def _living_here(history: list[tuple[date, str]], on: date) -> bool:
    before = [kind for day, kind in history if day <= on]
    if before:
        return before[-1] == "move_in"
    return history[0][1] != "move_in"


def mean_population(start: date, end: date, village_id: int | None = None) -> float:
    """Mean population of a period, (population(start) + population(end)) / 2: the denominator of the
    birth rate and the natural increase rate (DESIGN.md §7), per 1,000."""
    if start > end:
        raise ServiceError.on("start", str(_l("The start is after the end.")))
    return (population(start, village_id) + population(end, village_id)) / 2


def deaths(start: date, end: date, village_id: int | None = None) -> int:
    """Deaths (not cancelled) dated from ``start`` to ``end`` inclusive: for the natural increase rate,
    (births − deaths) / mean population × 1000."""
    statement = select(func.count(Movement.id)).where(Movement.kind == "death", Movement.cancelled_at.is_(None),
                                                      Movement.event_date.between(start, end))
    return db.session.scalar(_in_village(statement, village_id)) or 0
