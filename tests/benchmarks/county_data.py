"""Synthetic registers of one town at real size, written by bulk Core inserts (benchmarks only).

The per-row services (validation, audit, a flush per row) write about 300 rows a second: a county of
600,000 people would take hours. Here each table gets multi-row INSERTs of a few thousand rows inside
the caller's town session (renkou.tenancy.context.town_session), holding what the services would store:
resident ID numbers valid under GB 11643, encrypted by the column type (EncryptedString) with the town's
data key, and their blind index made by the registry's own function (tenants.registry.services).

Core inserts do not pass through the ORM's flush, so the freshness hooks (renkou.indicators.freshness)
see none of these rows: they mark no period dirty and queue no job. The villages are made through the
network service (15 rows a town) and do mark and queue; the benchmark clears that before measuring.

Rates are round figures of a rural Chinese county (per 1,000 people a year): 10 births, 7 deaths,
6 moves out, 4 moves in. Dates run from ``since`` (the start of the recomputation window) to today.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert, text

from renkou.db import bound_town, town_schema
from renkou.extensions import db
from renkou.timezone import county_tz
from tenants.births import rules as birth_rules
from tenants.births.models import Birth, BirthNotice, BirthRegistration, FollowUpTask, RegistrationCounter
from tenants.births.services.births import is_on_time
from tenants.clinics.models import Inspection, InspectionItem, MedicalUnit
from tenants.clinics.rules import CHECKLIST_CODES
from tenants.contraception.models import CounsellingVisit, FollowUpVisit
from tenants.funding.models import FUNDING_CATEGORIES, FundingEntry
from tenants.governance.models import (
    Agreement,
    AgreementItem,
    CadreAssignment,
    LeadershipMember,
    duty_households,
    duty_villages,
)
from tenants.movements.models import Movement
from tenants.network.models import VillageStaff
from tenants.network.services import create_village
from tenants.outreach.models import MaterialDelivery, OutreachMaterial, delivery_households
from tenants.registry import resident_id as ids
from tenants.registry.models import Household, Person
from tenants.registry.services import resident_id_index

BATCH = 4000  # rows per multi-row INSERT round
VILLAGES = 15
PEOPLE_PER_HOUSEHOLD = 4
BIRTHS_PER_1000 = 10
MALE_BIRTH_SHARE = 0.512  # a sex ratio at birth of about 105
DEATHS_PER_1000 = 7
MOVES_OUT_PER_1000 = 6
MOVES_IN_PER_1000 = 4
BIRTH_ORDERS = ((1, 2, 3), (0.52, 0.41, 0.07))
REGISTERED_SHARE = 0.85  # births whose mother filed a registration for that child
NOTICED_SHARE = 0.97  # births the health centre sent a notice for
NOTICE_ON_TIME_SHARE = 0.88
USING_METHOD_SHARE = 0.85  # married women 15–49 whose latest decision was an ongoing method
SWITCHED_SHARE = 0.15  # of them, those who changed method inside the window
HOUSEHOLDS_WITH_CADRE = 0.88
METHODS = (("iud", "female_sterilisation", "condom", "implant", "pill", "injection", "male_sterilisation",
            "natural"), (0.45, 0.15, 0.2, 0.05, 0.05, 0.03, 0.02, 0.05))
# Share of women married by age (15–21 none): about 45% of women 15–49 overall.
WOMEN_MARRIED = ((22, 24, 0.25), (25, 29, 0.55), (30, 49, 0.62), (50, 64, 0.85), (65, 200, 0.6))
MEN_MARRIED = ((22, 26, 0.3), (27, 34, 0.6), (35, 64, 0.82), (65, 200, 0.7))
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧建国平红梅兰玉俊峰霞燕鹏飞"


class IdNumbers:
    """Valid 18-character resident ID numbers, unique over the whole run (sequence per birth day and sex)."""

    def __init__(self, area: str):
        self.area = area
        self.used: Counter = Counter()

    def make(self, birth_date: date, sex: str) -> str:
        taken = self.used[(birth_date, sex)]
        self.used[(birth_date, sex)] += 1
        sequence = 2 * taken + (1 if sex == "M" else 2)  # odd for men, even (never 000) for women
        if sequence > 999:
            raise ValueError(f"more than 500 people of one sex born on {birth_date}")
        first = f"{self.area}{birth_date:%Y%m%d}{sequence:03d}"
        return first + ids.check_character(first)


def insert_rows(table, rows: list[dict], returning: bool = False) -> list[int]:
    """Write ``rows`` by executemany rounds of ``BATCH`` rows; with ``returning``, the new ids in order.

    The ids are taken from the table's own sequence first (one round trip), because INSERT … RETURNING
    goes through SQLAlchemy's multi-VALUES statements, which cost three times as much per row here."""
    new_ids = next_ids(table, len(rows)) if returning else []
    if returning:
        rows = [{**row, "id": new_id} for row, new_id in zip(rows, new_ids, strict=True)]
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(table), rows[start:start + BATCH])
    return new_ids


def next_ids(table, count: int) -> list[int]:
    """``count`` values of the sequence behind ``table``.id in the bound town's schema (PostgreSQL)."""
    if not count:
        return []
    qualified = f"{town_schema(bound_town(db.session))}.{table.name}"
    sequence = db.session.scalar(text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": qualified})
    return sorted(db.session.scalars(text("SELECT nextval(:sequence) FROM generate_series(1, :count)"),
                                     {"sequence": sequence, "count": count}))


class TownFiller:
    """Writes one town's registers; ``counts`` says how many rows went into each table, ``facts`` what the
    registers hold (women of childbearing age, married or not)."""

    def __init__(self, town_code: str, people: int, today: date, since: date, rng: random.Random,
                 id_numbers: IdNumbers):
        self.code, self.size, self.today, self.since = town_code, people, today, since
        self.rng, self.id_numbers = rng, id_numbers
        self.years = (today - since).days / 365.25
        self.tz = county_tz()
        self.now = datetime.now(UTC)
        self.counts: Counter = Counter()  # rows written, by table
        self.facts: Counter = Counter()  # what the generated registers hold, for the sanity check

    # -----------------------------------------------------------------------------------------------------
    def fill(self) -> Counter:
        self.network()
        self.registry()
        self.plan_births()
        self.movers()
        self.person_ids = self.write(Person.__table__, self.people, returning=True)
        self.births()
        self.movements()
        self.counselling()
        self.funding()
        self.outreach()
        self.clinics()
        self.governance()
        return self.counts

    def write(self, table, rows: list[dict], returning: bool = False) -> list[int]:
        self.counts[table.name] += len(rows)
        return insert_rows(table, rows, returning)

    # -----------------------------------------------------------------------------------------------------
    # Helpers

    def name(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2))))

    def phone(self) -> str:
        return "1" + self.rng.choice("3589") + f"{self.rng.randrange(10**9):09d}"

    def day_between(self, first: date, last: date) -> date:
        return date.fromordinal(self.rng.randint(first.toordinal(), max(first, last).toordinal()))

    def instant(self, day: date, hour: float | None = None) -> datetime:
        hour = self.rng.uniform(0, 24) if hour is None else hour
        local = datetime.combine(day, time(0), tzinfo=self.tz) + timedelta(hours=hour)
        return min(local.astimezone(UTC), self.now - timedelta(minutes=5))

    def age_on(self, birth_date: date, day: date) -> int:
        return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))

    def married(self, sex: str, age: int) -> str:
        for low, high, share in WOMEN_MARRIED if sex == "F" else MEN_MARRIED:
            if low <= age <= high:
                if self.rng.random() < share:
                    return "married"
                if age >= 65 and self.rng.random() < 0.6:
                    return "widowed"
                return "divorced" if age >= 30 and self.rng.random() < 0.06 else "unmarried"
        return "unmarried"

    def quarters(self):
        """(first day, last day) of each three-month stretch from ``since`` to today."""
        start = self.since
        while start <= self.today:
            end = min(start + timedelta(days=90), self.today)
            yield start, end
            start = end + timedelta(days=1)

    # -----------------------------------------------------------------------------------------------------
    # Villages and their staff

    def network(self) -> None:
        made = [create_village(f"{self.code}{200 + n:03d}", f"第{n}村") for n in range(1, VILLAGES + 1)]
        self.villages = [village.id for village in made]
        self.village_names = {village.id: village.name for village in made}
        self.counts["villages"] += len(self.villages)
        staff = [{"village_id": village, "name": self.name(), "position": position, "duties": "",
                  "phone": self.phone(), "active": True}
                 for village in self.villages for position in ("村计生专干", "网格员")]
        staff_ids = self.write(VillageStaff.__table__, staff, returning=True)
        self.staff_of = defaultdict(list)
        for row, staff_id in zip(staff, staff_ids, strict=True):
            self.staff_of[row["village_id"]].append((staff_id, row["name"]))
        members = [{"name": self.name(), "position": post, "group_role": role, "phone": self.phone(),
                    "sort_order": n, "active": True}
                   for n, (post, role) in enumerate((("党委书记", "leader"), ("镇长", "deputy"), ("副镇长", "member"),
                                                     ("计生办主任", "member"), ("卫生院院长", "member")))]
        self.members = list(zip(self.write(LeadershipMember.__table__, members, returning=True),
                                [m["name"] for m in members], strict=True))

    # -----------------------------------------------------------------------------------------------------
    # Households and people

    def person(self, birth_date: date, sex: str, marital: str, household: int | None, relation: str) -> dict:
        resident_id = self.id_numbers.make(birth_date, sex)
        adult = 18 <= self.age_on(birth_date, self.today) <= 75
        return {"name": self.name(), "sex": sex, "birth_date": birth_date, "resident_id": resident_id,
                "resident_id_index": resident_id_index(resident_id), "resident_id_legacy": False,
                "household_id": household, "relation": relation, "marital_status": marital,
                "phone": self.phone() if adult and self.rng.random() < 0.65 else None, "status": "resident"}

    def registry(self) -> None:
        self.birth_count = round(self.size * BIRTHS_PER_1000 / 1000 * self.years)
        base = self.size - self.birth_count
        ages = self.rng.choices(range(2, 91), weights=[_age_weight(age) for age in range(2, 91)], k=base)
        today = self.today.toordinal()
        self.people: list[dict] = []
        for age in ages:
            sex = "M" if self.rng.random() < 0.51 else "F"
            born = date.fromordinal(today - int(age * 365.2425) - self.rng.randrange(365))
            self.people.append(self.person(born, sex, self.married(sex, self.age_on(born, self.today)), None, "other"))
        self.households(base)

    def households(self, base: int) -> None:
        adults = [i for i, p in enumerate(self.people) if self.age_on(p["birth_date"], self.today) >= 22]
        self.rng.shuffle(adults)
        heads = adults[:max(1, base // PEOPLE_PER_HOUSEHOLD)]
        members: dict[int, list[int]] = {h: [h] for h in range(len(heads))}
        head_set = set(heads)
        for index in range(base):
            if index not in head_set:
                members[self.rng.randrange(len(heads))].append(index)
        village_weights = [self.rng.uniform(0.6, 1.4) for _ in self.villages]
        rows = []
        self.household_village: list[int] = []
        for number in range(len(heads)):
            village = self.rng.choices(self.villages, weights=village_weights)[0]
            self.household_village.append(village)
            rows.append({"number": f"H{number + 1:06d}", "village_id": village, "group_id": None,
                         "address": f"{self.village_names[village]}{self.rng.randint(1, 12)}组{number + 1}号"})
        household_ids = self.write(Household.__table__, rows, returning=True)
        self.village_households: dict[int, list[int]] = defaultdict(list)
        for household_id, village in zip(household_ids, self.household_village, strict=True):
            self.village_households[village].append(household_id)
        self.household_ids = household_ids
        for number, head in enumerate(heads):
            self.relate(self.people[head], [self.people[i] for i in members[number][1:]], household_ids[number])

    def relate(self, head: dict, others: list[dict], household_id: int) -> None:
        head.update(household_id=household_id, relation="head")
        spouse_free = head["marital_status"] == "married"
        for person in others:
            person["household_id"] = household_id
            gap = (person["birth_date"] - head["birth_date"]).days / 365.25
            if spouse_free and person["marital_status"] == "married" and person["sex"] != head["sex"] \
                    and abs(gap) <= 12:
                person["relation"], spouse_free = "spouse", False
            elif gap >= 40:
                person["relation"] = "grandchild"
            elif gap >= 16:
                person["relation"] = "child"
            elif gap <= -16:
                person["relation"] = "parent"
            else:
                person["relation"] = "sibling" if self.rng.random() < 0.5 else "other"

    # -----------------------------------------------------------------------------------------------------
    # Births, their children on the register, notices, registrations and follow-up

    def plan_births(self) -> None:
        """Births at random times since ``since``, each to a different married woman aged 20–44 then; each
        child goes on the register in the mother's household."""
        candidates = [i for i, p in enumerate(self.people) if p["sex"] == "F" and p["marital_status"] == "married"
                      and 21 <= self.age_on(p["birth_date"], self.today) <= 46]
        self.rng.shuffle(candidates)
        self.mothers: set[int] = set()
        self.planned_births = []
        since = self.instant(self.since, 0)
        span = (self.now - timedelta(hours=1) - since).total_seconds()
        for _ in range(self.birth_count):
            born_at = since + timedelta(seconds=self.rng.uniform(0, span))
            born_on = born_at.astimezone(self.tz).date()
            mother = next((i for i in candidates if i not in self.mothers
                           and 20 <= self.age_on(self.people[i]["birth_date"], born_on) <= 44), None)
            if mother is None:
                break  # a tiny town ran out of mothers: fewer births
            self.mothers.add(mother)
            sex = "M" if self.rng.random() < MALE_BIRTH_SHARE else "F"
            self.people.append(self.person(born_on, sex, "unmarried", self.people[mother]["household_id"], "child"))
            self.planned_births.append((mother, len(self.people) - 1, born_at, sex))

    def births(self) -> None:
        rows = [{"mother_id": self.person_ids[mother], "child_name": self.people[child]["name"], "born_at": born_at,
                 "sex": sex, "weight_grams": self.rng.randint(2500, 4200),
                 "place_type": "hospital" if self.rng.random() < 0.97 else "home", "place_name": "县人民医院",
                 "birth_order": self.rng.choices(*BIRTH_ORDERS)[0]}
                for mother, child, born_at, sex in self.planned_births]
        birth_ids = self.write(Birth.__table__, rows, returning=True)
        births = [{**row, "id": birth_id} for row, birth_id in zip(rows, birth_ids, strict=True)]
        registered = self.registrations(births)
        self.notices(births, registered)

    def registrations(self, births: list[dict]) -> set[int]:
        """Registrations for most births, before or after the birth; the ids of the births they cover."""
        rows, numbers, registered = [], Counter(), set()
        for birth in births:
            if self.rng.random() >= REGISTERED_SHARE:
                continue
            born_on = birth["born_at"].astimezone(self.tz).date()
            before = self.rng.random() < 0.6
            applied = born_on - timedelta(days=self.rng.randint(90, 210)) if before else \
                min(born_on + timedelta(days=self.rng.randint(1, 60)), self.today)
            numbers[applied.year] += 1
            due = birth_rules.registration_due(applied)
            done = due < self.today or self.rng.random() < 0.5
            rows.append({
                "number": f"{self.code}-{applied.year}-{numbers[applied.year]:05d}", "mother_id": birth["mother_id"],
                "father_id": None, "father_name": self.name(), "timing": "before_birth" if before else "after_birth",
                "expected_date": born_on + timedelta(days=self.rng.randint(-10, 10)) if before else None,
                "child_birth_date": None if before else born_on, "child_order": birth["birth_order"],
                "self_declared": True, "applied_on": applied, "submitted_on": applied, "due_on": due,
                "status": "registered" if done else "submitted",
                "registered_at": self.instant(applied + timedelta(days=self.rng.randint(0, 6)), 10) if done else None})
            registered.add(birth["id"])
        self.write(BirthRegistration.__table__, rows)
        # The services number the next registration from these counters.
        self.write(RegistrationCounter.__table__, [{"year": y, "last_number": n} for y, n in sorted(numbers.items())])
        return registered

    def notices(self, births: list[dict], registered: set[int]) -> None:
        """Notices from the hospital (most within 24 hours), the tasks they open, the postnatal visits."""
        notices = []
        for birth in births:
            if self.rng.random() >= NOTICED_SHARE:
                continue
            hours = self.rng.uniform(0.5, 23.5) if self.rng.random() < NOTICE_ON_TIME_SHARE else \
                self.rng.uniform(25, 200)
            received = min(birth["born_at"] + timedelta(hours=hours), self.now - timedelta(minutes=1))
            notices.append({"birth_id": birth["id"], "born_at": birth["born_at"], "received_at": received,
                            "source": "县人民医院", "on_time": is_on_time(birth["born_at"], received)})
        notice_ids = self.write(BirthNotice.__table__, notices, returning=True)
        by_id = {birth["id"]: birth for birth in births}
        village_of = dict(zip(self.household_ids, self.household_village, strict=True))
        mother_village = {self.person_ids[i]: village_of[self.people[i]["household_id"]] for i in self.mothers}
        tasks, visits = [], []
        for notice, notice_id in zip(notices, notice_ids, strict=True):
            birth = by_id[notice["birth_id"]]
            received_on = notice["received_at"].astimezone(self.tz).date()
            staff_id, staff_name = self.rng.choice(self.staff_of[mother_village[birth["mother_id"]]])
            for kind in ("registration", "subsidy_intake", "postnatal_visit"):
                if kind == "registration" and birth["id"] in registered:
                    continue
                due = birth_rules.follow_up_due(kind, received_on)
                done = due < self.today and self.rng.random() < 0.9
                tasks.append({"birth_id": birth["id"], "notice_id": notice_id, "kind": kind, "due_on": due,
                              "assignee_staff_id": staff_id, "assignee_name": None,
                              "status": "done" if done else "open",
                              "done_at": self.instant(due - timedelta(days=1), 15) if done else None,
                              "done_note": None})
            visit_day = received_on + timedelta(days=self.rng.randint(3, 7))
            if visit_day <= self.today:
                visits.append({"person_id": birth["mother_id"], "kind": "after_birth", "visit_date": visit_day,
                               "visitor": staff_name, "content": "产后访视", "outcome": None})
        self.write(FollowUpTask.__table__, tasks)
        self.write(FollowUpVisit.__table__, visits)

    # -----------------------------------------------------------------------------------------------------
    # Deaths and moves

    def movers(self) -> None:
        """Choose who died, moved out or moved in (before the people are written: status follows)."""
        today = self.today
        elderly = [i for i, p in enumerate(self.people) if i not in self.mothers
                   and self.age_on(p["birth_date"], today) >= 55]
        young = [i for i, p in enumerate(self.people) if i not in self.mothers and p["relation"] != "head"
                 and 18 <= self.age_on(p["birth_date"], today) <= 40 and p["marital_status"] == "unmarried"]
        self.rng.shuffle(young)
        count = lambda rate: round(self.size * rate / 1000 * self.years)  # noqa: E731
        weights = [(self.age_on(self.people[i]["birth_date"], today) - 50) ** 2 for i in elderly]
        dead = set()
        while elderly and len(dead) < min(count(DEATHS_PER_1000), len(elderly)):
            dead.add(self.rng.choices(elderly, weights=weights)[0])
        out = young[:count(MOVES_OUT_PER_1000)]
        came = young[len(out):len(out) + count(MOVES_IN_PER_1000)]
        self.events = []
        for indexes, kind, status, place in ((dead, "death", "deceased", None), (out, "move_out", "moved_out",
                                                                                  "广东省深圳市"),
                                             (came, "move_in", "resident", "河南省信阳市")):
            for index in indexes:
                self.people[index]["status"] = status
                self.events.append((index, kind, self.day_between(self.since, today), place))

    def movements(self) -> None:
        rows = [{"person_id": self.person_ids[index], "kind": kind, "event_date": day, "place": place, "note": None,
                 "created_person": kind == "move_in", "cancelled_at": None, "cancel_reason": None}
                for index, kind, day, place in self.events]
        self.write(Movement.__table__, rows)

    # -----------------------------------------------------------------------------------------------------
    # Counselling (the current method is derived from the latest deciding visit)

    def counselling(self) -> None:
        """Most married women 15–49 chose a method years ago; some change it inside the window. A few of
        those changes came from records kept elsewhere, without the counselling noted (informed choice
        a little under 100 %)."""
        rows = []
        women = [i for i, p in enumerate(self.people) if p["sex"] == "F" and p["marital_status"] == "married"
                 and p["status"] == "resident" and 15 <= self.age_on(p["birth_date"], self.today) <= 49]
        self.facts["married women 15-49 living in the town"] += len(women)
        self.facts["women 15-49"] += sum(
            1 for p in self.people if p["sex"] == "F" and 15 <= self.age_on(p["birth_date"], self.today) <= 49)
        for index in women:
            if self.rng.random() >= USING_METHOD_SHARE:
                continue
            person = self.people[index]
            earliest = max(self.today - timedelta(days=10 * 365), _years_after(person["birth_date"], 20))
            first = self.day_between(earliest, self.since - timedelta(days=1)) if earliest < self.since else \
                self.day_between(self.since, self.today)
            method = self.rng.choices(*METHODS)[0]
            rows.append(self.visit(self.person_ids[index], first, method, counselled=True))
            if first >= self.since or self.rng.random() >= SWITCHED_SHARE:
                continue
            other = self.rng.choice([code for code in METHODS[0] if code != method])
            rows.append(self.visit(self.person_ids[index], self.day_between(self.since, self.today), other,
                                   counselled=self.rng.random() >= 0.03))
        self.write(CounsellingVisit.__table__, rows)

    def visit(self, person_id: int, day: date, method: str, counselled: bool) -> dict:
        discussed = sorted({method, *self.rng.sample(METHODS[0], 2)}) if counselled else []
        return {"person_id": person_id, "visit_date": day, "counsellor": "计生服务站", "methods_discussed": discussed,
                "method_chosen": method, "stopped": False, "consent": True, "notes": None}

    # -----------------------------------------------------------------------------------------------------
    # Funding, outreach, clinics, governance

    def funding(self) -> None:
        rows, month = [], date(self.since.year, self.since.month, 1)
        per_month = max(2, round(11 * self.size / 20_000))
        while month <= self.today:
            last = min(date(month.year + month.month // 12, month.month % 12 + 1, 1) - timedelta(days=1), self.today)
            for number in range(1, per_month + 1):
                rows.append({"entry_date": self.day_between(month, last),
                             "amount_fen": self.rng.randint(30_000, 900_000),
                             "category": self.rng.choice(FUNDING_CATEGORIES), "description": "",
                             "voucher_number": f"记{month:%Y%m}-{number:03d}"})
            month = last + timedelta(days=1)
        self.write(FundingEntry.__table__, rows)

    def outreach(self) -> None:
        materials = [{"name": name, "kind": kind} for name, kind in (
            ("婚育新风宣传单", "leaflet"), ("优生优育手册", "booklet"), ("育儿补贴政策挂图", "poster"),
            ("新年挂历", "calendar"), ("健康知识光盘", "audio_video"), ("宣传围裙", "daily_item"),
            ("出生缺陷防治宣传单", "leaflet"), ("生育登记服务指南", "booklet"))]
        material_ids = self.write(OutreachMaterial.__table__, materials, returning=True)
        deliveries, reached = [], []
        for first, last in self.quarters():
            for village in self.villages:
                if self.rng.random() < 0.8:
                    households = self.village_households[village]
                    deliveries.append({"material_id": self.rng.choice(material_ids), "village_id": village,
                                       "delivery_date": self.day_between(first, last), "note": ""})
                    reached.append(self.rng.sample(households, round(len(households) * self.rng.uniform(0.3, 0.8))))
        delivery_ids = self.write(MaterialDelivery.__table__, deliveries, returning=True)
        self.write(delivery_households, [{"delivery_id": delivery, "household_id": household}
                                         for delivery, households in zip(delivery_ids, reached, strict=True)
                                         for household in households])

    def clinics(self) -> None:
        units = [{"kind": "health_centre", "name": "乡镇卫生院", "village_id": None}]
        units += [{"kind": "village_clinic", "name": f"第{n}村卫生室", "village_id": village}
                  for n, village in enumerate(self.villages, 1)]
        units += [{"kind": "private", "name": f"个体诊所{n}", "village_id": self.rng.choice(self.villages)}
                  for n in range(1, max(1, len(self.villages) // 5) + 1)]
        for unit in units:
            unit.update(address="", contact_name=self.name(), contact_phone=self.phone(),
                        active=self.rng.random() < 0.95)
        unit_ids = self.write(MedicalUnit.__table__, units, returning=True)
        inspections = [{"unit_id": unit, "inspection_date": self.day_between(first, last), "inspectors": "卫健执法队",
                        "notes": None}
                       for first, last in self.quarters() for unit in unit_ids if self.rng.random() < 0.75]
        inspection_ids = self.write(Inspection.__table__, inspections, returning=True)
        self.write(InspectionItem.__table__, [
            {"inspection_id": inspection, "code": code, "note": None,
             "result": self.rng.choices(("pass", "fail", "na"), (0.95, 0.03, 0.02))[0]}
            for inspection in inspection_ids for code in CHECKLIST_CODES])

    def governance(self) -> None:
        agreements = [{"year": year, "party_kind": "village", "village_id": village, "agency_name": None,
                       "signed_on": date(year, 2, 1) + timedelta(days=self.rng.randrange(50))
                       if self.rng.random() < 0.92 else None}
                      for year in range(self.since.year, self.today.year + 1) for village in self.villages]
        agreement_ids = self.write(Agreement.__table__, agreements, returning=True)
        self.write(AgreementItem.__table__, [
            {"agreement_id": agreement, "position": position, "description": text, "weight": weight, "target": "",
             "veto": False, "veto_kind": None, "score_tenths": None, "veto_triggered": False}
            for agreement in agreement_ids
            for position, (text, weight) in enumerate((("生育登记及时办理", 40), ("出生信息及时报送", 30),
                                                       ("宣传品入户", 30)), 1)])
        duties, covers = [], []
        for village in self.villages:
            member_id, member_name = self.rng.choice(self.members)
            duties.append({"kind": "village", "cadre_name": member_name, "member_id": member_id, "staff_id": None,
                           "area_name": None, "note": "", "active": True})
            covers.append(("village", [village]))
            households = self.village_households[village]
            size = self.rng.randint(20, 40)
            for start in range(0, len(households), size):
                if self.rng.random() < HOUSEHOLDS_WITH_CADRE:
                    staff_id, staff_name = self.rng.choice(self.staff_of[village])
                    duties.append({"kind": "household", "cadre_name": staff_name, "member_id": None,
                                   "staff_id": staff_id, "area_name": None, "note": "", "active": True})
                    covers.append(("household", households[start:start + size]))
        duty_ids = self.write(CadreAssignment.__table__, duties, returning=True)
        self.write(duty_villages, [{"assignment_id": duty, "village_id": village}
                                   for duty, (kind, targets) in zip(duty_ids, covers, strict=True) if kind == "village"
                                   for village in targets])
        self.write(duty_households, [{"assignment_id": duty, "household_id": household}
                                     for duty, (kind, targets) in zip(duty_ids, covers, strict=True)
                                     if kind == "household" for household in targets])


def _years_after(day: date, years: int) -> date:
    return day.replace(year=day.year + years, day=28) if (day.month, day.day) == (2, 29) else \
        day.replace(year=day.year + years)


def _age_weight(age: int) -> float:
    """A rural age pyramid, roughly: fewer children than working ages, thinning out after 75."""
    if age < 20:
        return 1.0
    if age < 60:
        return 1.25
    if age < 75:
        return 1.1
    return 1.1 * (91 - age) / 16
