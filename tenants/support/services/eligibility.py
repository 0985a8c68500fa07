"""Who the reward and special support schemes pay in a year, worked out from the register, with reasons.

What the register holds and this reads:
- the person's birth date (the age on the scheme's day, the 1933 limit);
- their deaths and moves (tenants.movements, events not cancelled): alive and living in the town on
  1 January of the year;
- their household: the children are the members recorded as "child" of a head or spouse (or, for a
  parent of the head, the head and the head's siblings), and the woman of a couple is the person herself
  or the head's or spouse's wife recorded in the household; the children's deaths come from the deaths
  register.

What it does not hold is never guessed: a rural hukou, a child's disability grade, or children and a
spouse the household does not list. Such a condition is "to be checked" until a staff member declares
it, and the declaration names who checked it and when (tenants.support.services.roll).

Every condition gives one reason: a code, its Chinese text (tenants.support.rules.REASON_TEXTS) and a
status: met, unmet, to_declare or declared. A person is eligible when no condition is unmet or still to
be checked. A condition the register shows as unmet cannot be declared away: the register is corrected.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from renkou.extensions import db
from tenants.movements.models import Movement
from tenants.registry.models import Household, Person
from tenants.support import rules
from tenants.support.services.common import yuan

# The conditions a declaration may fill in, and the words a declared one reads as.
DECLARED_TEXTS = {
    "rural_hukou": "rural_hukou",
    "child_disability": "child_disability",
    "woman_age": "女方年满{min_age}周岁",
    "children": "子女情况符合扶助条件",
}
DECLARABLE = tuple(DECLARED_TEXTS)


@dataclasses.dataclass(frozen=True)
class Reason:
    condition: str  # born, living, age, woman_age, children, rural_hukou, child_disability
    status: str     # met, unmet, to_declare, declared
    code: str       # what the outcome was, e.g. age_below
    text: str       # the reason in Chinese, e.g. 年龄未满60周岁（58岁）

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class Eligibility:
    person: Person
    kind: str
    year: int
    amount_fen: int
    reasons: list[Reason]

    @property
    def eligible(self) -> bool:
        return all(reason.status in ("met", "declared") for reason in self.reasons)

    @property
    def to_declare(self) -> list[str]:
        """The conditions still to be checked and declared (none of them unmet)."""
        return [reason.condition for reason in self.reasons if reason.status == "to_declare"]

    @property
    def unmet(self) -> list[Reason]:
        return [reason for reason in self.reasons if reason.status == "unmet"]

    @property
    def state(self) -> str:
        """eligible, to_declare (only checks outstanding) or not_eligible."""
        if self.eligible:
            return "eligible"
        return "not_eligible" if self.unmet else "to_declare"

    @property
    def amount(self) -> Decimal:
        return yuan(self.amount_fen)


class RegisterFacts:
    """The deaths and moves of a set of people, read in one query, so a whole candidate list is judged
    without a query per person."""

    def __init__(self, person_ids: Iterable[int]):
        self.events: dict[int, list[tuple[date, str]]] = {}
        wanted = sorted(set(person_ids))
        for start in range(0, len(wanted), 900):  # SQLite allows 999 parameters a statement
            rows = db.session.execute(
                select(Movement.person_id, Movement.event_date, Movement.kind)
                .where(Movement.person_id.in_(wanted[start:start + 900]), Movement.cancelled_at.is_(None))
                .order_by(Movement.person_id, Movement.event_date, Movement.id))
            for person_id, day, kind in rows:
                self.events.setdefault(person_id, []).append((day, kind))

    def death_date(self, someone: Person) -> date | None:
        deaths = [day for day, kind in self.events.get(someone.id, []) if kind == "death"]
        if deaths:
            return deaths[-1]
        return date.min if someone.status == "deceased" else None  # a death without a date counts always

    def alive_on(self, someone: Person, day: date) -> bool:
        died = self.death_date(someone)
        return died is None or died > day

    def living_here_on(self, someone: Person, day: date) -> bool:
        """Living in the town on ``day`` (the rule of tenants.movements.services.population)."""
        if someone.birth_date > day:
            return False
        history = self.events.get(someone.id, [])
        before = [kind for event_day, kind in history if event_day <= day]
        if before:
            return before[-1] == "move_in"
        return not history or history[0][1] != "move_in"


def children_of(someone: Person) -> list[Person] | None:
    """The person's children as the household records them; None when the household cannot say."""
    household = someone.household
    if household is None:
        return None
    if someone.relation in ("head", "spouse"):
        return [member for member in household.members if member.relation == "child"]
    if someone.relation == "parent":
        head = household.head
        if head is None:
            return None
        return [head, *(member for member in household.members if member.relation == "sibling")]
    return None


def woman_of_couple(someone: Person) -> Person | None:
    """The woman of the person's couple: herself, or the wife the household records; None when unknown."""
    if someone.sex == "F":
        return someone
    household = someone.household
    if household is None:
        return None
    partner_relations = {"head": ("spouse",), "spouse": ("head",), "parent": ("parent",)}.get(someone.relation, ())
    return next((member for member in household.members
                 if member.relation in partner_relations and member.sex == "F" and member.id != someone.id), None)


def related_ids(people: Iterable[Person]) -> set[int]:
    """The people, their children and partners: whose deaths and moves a judgement reads."""
    wanted = set()
    for someone in people:
        wanted.add(someone.id)
        if someone.household is not None:
            wanted.update(member.id for member in someone.household.members)
    return wanted


def check(someone: Person, kind: str, year: int, declarations: dict[str, dict] | None = None,
          facts: RegisterFacts | None = None) -> Eligibility:
    """Whether ``kind`` of support pays ``someone`` in ``year``, with a reason per condition.

    ``declarations`` maps a declarable condition (DECLARABLE) to {"checked_by", "checked_on", "note"}:
    it fills in a condition the register cannot show; it never overrides one the register shows unmet.
    """
    scheme = rules.scheme(kind, year)
    facts = facts or RegisterFacts(related_ids([someone]))
    reasons = [_born(someone, scheme), _living(someone, year, facts), _age(someone, scheme, year),
               _children(someone, scheme, year, facts)]
    reasons += [_to_declare(condition, rules.reason_text("to_declare", text=rules.reason_text(condition)))
                for condition in scheme.declared]
    reasons = [_declared(reason, scheme, (declarations or {}).get(reason.condition)) for reason in reasons]
    return Eligibility(person=someone, kind=kind, year=year, amount_fen=scheme.yearly_fen, reasons=reasons)


def check_many(people: list[Person], kind: str, year: int) -> list[Eligibility]:
    """``check`` for many people, reading their households and deaths in a few queries."""
    facts = RegisterFacts(related_ids(people))
    return [check(someone, kind, year, facts=facts) for someone in people]


def load_people(person_ids: list[int]) -> list[Person]:
    """People with their households' members loaded (what check_many reads), in the order given."""
    found = {}
    for start in range(0, len(person_ids), 900):
        statement = (select(Person).where(Person.id.in_(person_ids[start:start + 900]))
                     .options(selectinload(Person.household).selectinload(Household.members)))
        found.update({someone.id: someone for someone in db.session.scalars(statement)})
    return [found[person_id] for person_id in person_ids if person_id in found]


# ---------------------------------------------------------------------------------------------------------
# The conditions


def _reason(condition: str, status: str, code: str, **values) -> Reason:
    return Reason(condition, status, code, rules.reason_text(code, **values))


def _to_declare(condition: str, text: str) -> Reason:
    return Reason(condition, "to_declare", condition, text)


def _born(someone: Person, scheme: rules.Scheme) -> Reason:
    if someone.birth_date >= scheme.born_from:
        return _reason("born", "met", "born_in_range", born_from=scheme.born_from)
    return _reason("born", "unmet", "born_too_early", born_from=scheme.born_from, birth_date=someone.birth_date)


def _living(someone: Person, year: int, facts: RegisterFacts) -> Reason:
    day = rules.living_day(year)
    if not facts.alive_on(someone, day):
        died = facts.death_date(someone)
        if died == date.min:
            return _reason("living", "unmet", "deceased_undated")
        return _reason("living", "unmet", "deceased", date=died)
    if not facts.living_here_on(someone, day):
        return _reason("living", "unmet", "not_living", day=day)
    return _reason("living", "met", "living", day=day)


def _age(someone: Person, scheme: rules.Scheme, year: int) -> Reason:
    day = rules.age_day(year)
    if scheme.age_of == "self":
        age = someone.age_on(day)
        code = "age_reached" if age >= scheme.min_age else "age_below"
        return _reason("age", "met" if age >= scheme.min_age else "unmet", code, min_age=scheme.min_age, age=age)
    woman = woman_of_couple(someone)
    if woman is None:
        return _reason("woman_age", "to_declare", "woman_unknown", min_age=scheme.min_age)
    age = woman.age_on(day)
    code = "woman_age_reached" if age >= scheme.min_age else "woman_age_below"
    return _reason("woman_age", "met" if age >= scheme.min_age else "unmet", code, min_age=scheme.min_age, age=age)


def _children(someone: Person, scheme: rules.Scheme, year: int, facts: RegisterFacts) -> Reason:
    day = rules.age_day(year)
    children = children_of(someone)
    if children is None:
        return _reason("children", "to_declare", "children_unknown")
    children = [child for child in children if child.birth_date <= day]
    if not children:
        return _reason("children", "to_declare", "children_none_recorded")
    living = [child for child in children if facts.alive_on(child, day)]
    if scheme.children == "reward":
        return _reward_children(children, living)
    if len(children) > 1:
        return _reason("children", "unmet", "not_only_child", ever=len(children))
    if scheme.children == "only_child_died":
        if living:
            return _reason("children", "unmet", "only_child_living")
        return _reason("children", "met", "only_child_died", date=facts.death_date(children[0]))
    if living:  # only_child_disabled: the child lives; the disability itself is declared
        return _reason("children", "met", "only_child_alive")
    return _reason("children", "unmet", "only_child_deceased")


def _reward_children(children: list[Person], living: list[Person]) -> Reason:
    """现存一个子女或两个女孩，或子女死亡现无子女."""
    if not living:
        return _reason("children", "met", "children_died", ever=len(children))
    if len(living) == 1:
        return _reason("children", "met", "one_living_child")
    if len(living) == 2:
        if all(child.sex == "F" for child in living):
            return _reason("children", "met", "two_daughters")
        return _reason("children", "unmet", "two_children_not_daughters")
    return _reason("children", "unmet", "too_many_children", living=len(living))


def _declared(reason: Reason, scheme: rules.Scheme, declaration: dict | None) -> Reason:
    if reason.status != "to_declare" or not declaration:
        return reason
    wording = DECLARED_TEXTS[reason.condition]
    base = rules.reason_text(wording) if wording in rules.REASON_TEXTS else wording.format(min_age=scheme.min_age)
    text = rules.reason_text("declared_by", text=base, checked_by=declaration.get("checked_by") or "",
                             checked_on=declaration.get("checked_on") or "")
    return Reason(reason.condition, "declared", reason.code, text)
