"""Sample registers for the demo towns, entered through the areas' own services.

The demo county should show real figures on /county/dashboard and on each town's home page, so every
demo town gets a small register: households and people with valid resident ID numbers, births with their
notices and registrations, a few deaths and moves, counselling, and (renkou.demo_work) outreach,
governance, clinics, funding, association and family-support records. Everything goes through the
services, so the rules, the encryption, the audit trail and the indicators' freshness hooks all apply as
they do to the office's own work.

Deterministic: a town's register comes from random.Random(its code). Idempotent: a town with households
already is left alone, so running the demo again adds nothing. Dates are never in the future. Nothing
here is a penalty, a quota or a judgement of a family's births (DESIGN.md §7, never build).
"""

from __future__ import annotations

import random
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

import click
from flask import current_app
from sqlalchemy import func, select

from renkou.extensions import db

# Who the audit trail (and records that name who confirmed them) names for the seeded records.
ACTOR = (None, "演示数据")
WINDOW_DAYS = 540  # births, moves and counselling over the past 18 months
NOTICE_ON_TIME_SHARE = 0.88  # the health centre mostly notifies within 24 hours; some notices come late
# Births come in pairs within one calendar month, a boy and a girl to different mothers, so every period
# (months nest in quarters, half-years and both kinds of year) holds as many boys as girls; the demo adds
# one unpaired boy to one town. With 9–10 pairs a town over the 18 months, a year's 15 or more pairs in
# the county and that boy give a sex ratio in the normal range (103–107). The sample register is small,
# so its birth rate runs high: the price of ratios that mean something.
PAIRS = (9, 10)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘余杜叶程魏吕丁沈姚卢"
GIVEN = {
    ("M", "old"): ("建国", "国强", "德明", "志华", "保国", "振华", "长林", "家富", "明山", "世杰"),
    ("F", "old"): ("秀英", "桂英", "玉兰", "秀兰", "凤英", "桂兰", "翠花", "素珍", "淑芬", "玉珍"),
    ("M", "mid"): ("伟", "军", "勇", "磊", "涛", "斌", "刚", "鹏", "超", "强", "海峰", "志刚"),
    ("F", "mid"): ("丽", "芳", "娟", "敏", "静", "艳", "霞", "婷", "雪梅", "丽华", "春燕", "红梅"),
    ("M", "young"): ("子豪", "浩然", "宇轩", "梓睿", "家乐", "文博", "晨阳", "一鸣", "俊熙", "沐宸"),
    ("F", "young"): ("佳怡", "欣怡", "梓涵", "诗雨", "雨桐", "可欣", "思琪", "若汐", "语嫣", "一诺"),
}
PLACES_OUT = ("广东省深圳市", "浙江省杭州市", "河南省郑州市", "江苏省苏州市", "信阳市浉河区")
PLACES_IN = ("湖北省麻城市", "安徽省金寨县", "河南省光山县")
METHOD_WEIGHTS = {"iud": 34, "condom": 24, "female_sterilisation": 12, "pill": 8, "implant": 8, "injection": 5,
                  "male_sterilisation": 4, "natural": 3, "other": 2}
COUNTY_TARGETS = {"registration_rate": Decimal(95), "notice_timeliness": Decimal(95),
                  "contraceptive_prevalence": Decimal(80), "material_coverage": Decimal(95),
                  "household_coverage": Decimal(90), "clinic_inspection": Decimal(100)}
SEAT_TARGETS = {"material_coverage": Decimal(98)}  # the county seat is held to the plan's 98 %


def seed_samples(slugs: list[str]) -> None:
    """Give every demo town without households its sample register (the first one the unpaired boy),
    add the county's targets that are missing, and queue a full recomputation once that is committed."""
    from renkou.tenancy import services as towns
    from renkou.tenancy.context import town_session
    from workers.aggregation.dispatch import full_recompute

    started = time.perf_counter()
    seeded = []
    for index, slug in enumerate(slugs):
        town = towns.get_town_by_slug(slug)
        with town_session(town, actor=ACTOR) as context:
            if seed_registers(context, random.Random(town.code), extra_boys=1 if index == 0 else 0):
                seeded.append(context.name)
    targets = seed_targets(towns.get_town_by_slug(slugs[0]).code if slugs else None)
    db.session.commit()
    if seeded or targets:
        full_recompute()  # besides the periods the seeded records' dates queued through the freshness hooks
        click.echo(f"Sample registers: {', '.join(seeded) or 'none new'}; {targets} targets; "
                   f"{time.perf_counter() - started:.1f} s. The worker fills the dashboards in a minute or two.")


def seed_targets(seat_code: str | None) -> int:
    """County targets for the current year and statistical year (and the seat's own), where none is set;
    how many were added. Only targetable indicators: births are never targeted."""
    from renkou.indicators.periods import STAT_YEAR, YEAR
    from renkou.targets import services as targets
    from renkou.targets.models import COUNTY_SCOPE
    from renkou.targets.period_input import current
    from renkou.tenancy.models import Town

    seat = db.session.scalar(select(Town).where(Town.code == seat_code)) if seat_code else None
    inputs = []
    for period in (current(YEAR).id, current(STAT_YEAR).id):
        wanted = [(code, None, COUNTY_SCOPE, value) for code, value in COUNTY_TARGETS.items()]
        if seat is not None:
            wanted += [(code, seat.id, seat.code, value) for code, value in SEAT_TARGETS.items()]
        inputs += [targets.TargetInput(code, period, town_id, value, note="演示目标", key=len(inputs) + n)
                   for n, (code, town_id, scope, value) in enumerate(wanted)
                   if targets.find(code, period, scope) is None]
    if inputs:
        targets.set_targets(inputs, "county", None)
    return len(inputs)


def seed_registers(town, rng: random.Random, extra_boys: int = 0) -> dict | None:
    """Seed the sample register of ``town`` (the session is bound to it) unless it has households;
    what was made, by kind, or None when the town was left alone."""
    from tenants.network.services import all_villages
    from tenants.registry.models import Household

    if db.session.scalar(select(func.count(Household.id))):
        return None
    villages = all_villages()
    if not villages:
        raise ValueError(f"town {town.code} has no villages to put sample households in")
    seeder = Seeder(town, rng, villages)
    seeder.registry()
    seeder.births(extra_boys)
    seeder.movements()
    seeder.counselling()
    from renkou import demo_work

    made = demo_work.seed_work(seeder)
    return {"households": len(seeder.households), "people": len(seeder.people), "births": len(seeder.born),
            "visits": seeder.visits, **made}


class Seeder:
    """One town's sample register, built step by step; later steps pick from what earlier ones made."""

    def __init__(self, town, rng: random.Random, villages: list):
        from renkou.timezone import local
        from renkou.types import utcnow

        self.town, self.rng, self.villages = town, rng, villages
        # The county's today, or the server's when it is behind: no service finds any date in the future.
        self.latest = min(local(utcnow()).date(), date.today())
        self.start = self.latest - timedelta(days=WINDOW_DAYS)
        self.county = current_app.config["RENKOU_SETTINGS"].county_code
        self.households, self.people, self.born = [], [], []  # born: (birth, mother, child or None)
        self.ids: set[str] = set()
        self.numbers: dict[int, int] = {}
        self.young_wives, self.elderly, self.roll_couples, self.leavers = [], [], [], []
        self.arrived: dict[int, date] = {}  # households that moved in, and when
        self.staff: dict[int, object] = {}  # village id → its family-planning officer
        self.counsellors = [self.name("F", 38), self.name("M", 45)]
        self.visits = 0

    # -- small helpers --------------------------------------------------------------------------------

    def day_between(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randint(0, max(0, (last - first).days)))

    def born_aged(self, age: int) -> date:
        """A birth date giving ``age`` full years today."""
        return self.latest - timedelta(days=int(age * 365.25) + self.rng.randrange(1, 360))

    def name(self, sex: str, age: int, surname: str | None = None) -> str:
        generation = "old" if age >= 55 else "mid" if age >= 20 else "young"
        return (surname or self.rng.choice(SURNAMES)) + self.rng.choice(GIVEN[(sex, generation)])

    def resident_id(self, birth: date, sex: str) -> str:
        """A valid GB 11643 number of the county: odd sequence for men, even for women, the check character."""
        from tenants.registry.resident_id import check_character

        while True:
            sequence = self.rng.randrange(0, 499) * 2 + (1 if sex == "M" else 2)
            first = f"{self.county}{birth:%Y%m%d}{sequence:03d}"
            value = first + check_character(first)
            if value not in self.ids:
                self.ids.add(value)
                return value

    def phone(self) -> str:
        return self.rng.choice(("138", "139", "150", "158", "187")) + f"{self.rng.randrange(10**8):08d}"

    def person(self, household, sex: str, age: int, relation: str, marital: str, surname: str | None = None,
               birth: date | None = None, with_id: bool = True, phone: bool = False):
        from tenants.registry import services as registry

        birth = birth or self.born_aged(age)
        data = {"name": self.name(sex, age, surname), "sex": sex, "birth_date": birth,
                "household_id": household.id, "relation": relation, "marital_status": marital,
                "resident_id": self.resident_id(birth, sex) if with_id else None,
                "phone": self.phone() if phone else None}
        created = registry.create_person(data)
        self.people.append(created)
        return created

    def household(self, village):
        from tenants.registry import services as registry

        number = self.numbers[village.id] = self.numbers.get(village.id, 0) + 1
        address = f"{village.name}{self.rng.randint(1, 8)}组{self.rng.randint(1, 60)}号"
        created = registry.create_household(f"{village.code[-3:]}-{number:03d}", village.id, address)
        self.households.append(created)
        return created

    # -- households and people ------------------------------------------------------------------------

    def registry(self) -> None:
        from tenants.network import staff_services

        for village in self.villages:
            self.staff[village.id] = staff_services.create_staff(
                village.id, self.name("F", 40), "村计生专干", "出生信息、生育登记、包户联系", self.phone())
        weights = [self.rng.uniform(0.7, 1.3) for _ in self.villages]
        for _ in range(self.rng.randint(44, 54)):
            household = self.household(self.rng.choices(self.villages, weights)[0])
            kind = self.rng.choices(("young", "middle", "elderly", "single"), (50, 25, 18, 7))[0]
            getattr(self, f"_{kind}")(household)

    def _young(self, household) -> None:
        surname, age = self.rng.choice(SURNAMES), self.rng.randint(24, 41)
        self.person(household, "M", age, "head", "married", surname, phone=True)
        wife_age = max(21, age - self.rng.randint(0, 4))
        wife = self.person(household, "F", wife_age, "spouse", "married", phone=self.rng.random() < 0.7)
        children = 0
        for _ in range(self.rng.choices((0, 1, 2), (3, 5, 2))[0]):
            if wife_age - 21 < 3:
                break
            # Children from 3 up only: every child of the last 18 months comes with its birth record, and
            # a sibling born since then is a plausible time later.
            child_age = self.rng.randint(3, min(wife_age - 21, 17))
            self.person(household, self.rng.choice("MF"), child_age, "child", "unmarried", surname)
            children += 1
        if self.rng.random() < 0.3:
            grandmother = self.person(household, "F", age + self.rng.randint(24, 30), "parent",
                                      self.rng.choice(("married", "widowed")), with_id=self.rng.random() < 0.8)
            self.elderly.append(grandmother)
        self.young_wives.append((wife, household, children, surname))

    def _middle(self, household) -> None:
        surname, age = self.rng.choice(SURNAMES), self.rng.randint(43, 58)
        self.person(household, "M", age, "head", "married", surname, phone=True)
        self.person(household, "F", max(40, age - self.rng.randint(0, 3)), "spouse", "married")
        for _ in range(self.rng.randint(1, 2)):
            child_age = self.rng.randint(12, 28)
            child = self.person(household, self.rng.choice("MF"), child_age, "child", "unmarried", surname,
                                phone=child_age >= 18)
            if child_age >= 18:
                self.leavers.append(child)

    def _elderly(self, household) -> None:
        surname, age = self.rng.choice(SURNAMES), self.rng.randint(62, 80)
        head = self.person(household, "M", age, "head", "married", surname)
        wife = self.person(household, "F", max(58, age - self.rng.randint(0, 4)), "spouse", "married")
        sex = self.rng.choice("MF")
        self.person(household, sex, self.rng.randint(32, 50), "child", "married", surname, phone=True)
        self.roll_couples.append((head, wife, household))

    def _single(self, household) -> None:
        if self.rng.random() < 0.5:
            self.person(household, "M", self.rng.randint(26, 50), "head", self.rng.choice(("unmarried", "divorced")),
                        phone=True)
        else:
            self.elderly.append(self.person(household, "F", self.rng.randint(60, 78), "head", "widowed"))

    # -- births ---------------------------------------------------------------------------------------

    def births(self, extra_boys: int) -> None:
        """Pairs of births (a boy and a girl in one calendar month) spread evenly over the 18 months, and
        ``extra_boys`` unpaired boys in the middle of this year so far."""
        last = self.latest - timedelta(days=5)  # a late notice of the latest birth is in the past too
        months = []
        month = self.start.replace(day=1)
        while month <= last:
            months.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        mothers = [entry for entry in self.young_wives if entry[2] < 3 and entry[0].age_on(self.latest) <= 40]
        pairs = min(self.rng.randint(*PAIRS), (len(mothers) - extra_boys) // 2)  # each mother gives birth once
        days = []
        for index in range(pairs):
            first = months[min(len(months) - 1, int((index + self.rng.random()) * len(months) / pairs))]
            end = min((first + timedelta(days=32)).replace(day=1) - timedelta(days=1), last)
            begin = max(first, self.start)
            days += [(self.day_between(begin, end), "M"), (self.day_between(begin, end), "F")]
        middle = date(last.year, 1, 1) + (last - date(last.year, 1, 1)) / 2
        days += [(middle, "M")] * extra_boys
        self.rng.shuffle(mothers)
        for (day, sex), (mother, household, children, surname) in zip(sorted(days), mothers, strict=False):
            self.birth(day, sex, mother, household, children + 1, surname)

    def birth(self, day: date, sex: str, mother, household, order: int, surname: str) -> None:
        from renkou.timezone import county_tz
        from tenants.births.services import births, registrations

        rng = self.rng
        born_at = datetime(day.year, day.month, day.day, rng.randint(0, 23), rng.randint(0, 59), tzinfo=county_tz())
        place = rng.choice(("县人民医院", "县妇幼保健院", f"{self.town.name}卫生院"))
        father = household.head
        timing = rng.choices(("before_birth", "after_birth", None), (30, 57, 13))[0]
        applied = None
        if timing == "before_birth":
            applied = registrations.create_registration({
                "mother_id": mother.id, "father_id": father.id, "timing": timing, "child_order": order,
                "expected_date": day + timedelta(days=rng.randint(-10, 10)), "self_declared": True,
                "applied_on": max(day - timedelta(days=rng.randint(90, 200)), date(2023, 1, 1))})
        hours = rng.uniform(1.5, 20) if rng.random() < NOTICE_ON_TIME_SHARE else rng.uniform(27, 80)
        child = self.person(household, sex, 0, "child", "unmarried", surname, birth=day, with_id=rng.random() < 0.9)
        notice = births.receive_notice(source=place, received_at=born_at + timedelta(hours=hours), birth={
            "mother_id": mother.id, "born_at": born_at, "sex": sex, "birth_order": order, "place_type": "hospital",
            "place_name": place, "weight_grams": rng.randint(2700, 4000), "child_name": child.name})
        if timing == "after_birth" and day + timedelta(days=45) <= self.latest:
            applied = registrations.create_registration({
                "mother_id": mother.id, "father_id": father.id, "timing": timing, "child_order": order,
                "child_birth_date": day, "self_declared": True,
                "applied_on": day + timedelta(days=rng.randint(2, 45))})
        if applied is not None and applied.applied_on <= self.latest - timedelta(days=10):
            registrations.transition(applied, "accept")
            registrations.transition(applied, "register")
        self.follow_up(notice, day, mother, child)
        self.born.append((notice.birth, mother, child))

    def follow_up(self, notice, day: date, mother, child) -> None:
        """The follow-up tasks of a birth as the office would have left them: the childcare subsidy taken
        in, the postnatal visit made, the family told about registration; recent births still open."""
        from tenants.births.services import tasks
        from tenants.support.services import subsidies

        received = day + timedelta(days=self.rng.randint(15, 50))
        for task in [task for task in notice.tasks if task.status == "open"]:
            if task.kind == "subsidy_intake" and received <= self.latest and self.rng.random() < 0.85:
                application = subsidies.create_subsidy({"child_id": child.id, "applicant_id": mother.id,
                                                        "received_on": received})
                if received <= self.latest - timedelta(days=35):
                    subsidies.transition(application, "approve")
                    subsidies.transition(application, "pay", paid_on=received + timedelta(days=25),
                                         payment_reference=f"YEBT-{received.year}-{application.id:04d}")
                tasks.complete_task(task, "已受理育儿补贴申请")
            elif task.kind == "postnatal_visit" and day <= self.latest - timedelta(days=10):
                tasks.complete_task(task, "已完成产后访视")
            elif task.kind == "registration" and day <= self.latest - timedelta(days=60):
                tasks.complete_task(task, "已告知生育登记服务，家庭暂未申请")

    # -- deaths and moves -----------------------------------------------------------------------------

    def movements(self) -> None:
        from tenants.movements.services import record_movement

        for person in self.rng.sample(self.elderly, min(len(self.elderly), self.rng.randint(2, 3))):
            record_movement(kind="death", event_date=self.day_between(self.start, self.latest), person_id=person.id)
        for person in self.rng.sample(self.leavers, min(len(self.leavers), 2)):
            record_movement(kind="move_out", event_date=self.day_between(self.start, self.latest),
                            person_id=person.id, place=self.rng.choice(PLACES_OUT), note="外出务工")
        household = self.household(self.rng.choice(self.villages))
        moved_on = self.day_between(self.start, self.latest - timedelta(days=30))
        surname, age = self.rng.choice(SURNAMES), self.rng.randint(27, 36)
        origin = self.rng.choice(PLACES_IN)
        for sex, relation, person_age in (("M", "head", age), ("F", "spouse", age - self.rng.randint(0, 3))):
            birth = self.born_aged(person_age)
            moved = record_movement(kind="move_in", event_date=moved_on, place=origin, note="随迁落户", person={
                "name": self.name(sex, person_age, surname if sex == "M" else None), "sex": sex,
                "birth_date": birth, "resident_id": self.resident_id(birth, sex), "household_id": household.id,
                "relation": relation, "marital_status": "married"})
            self.people.append(moved.person)
        self.arrived[household.id] = moved_on

    # -- counselling ----------------------------------------------------------------------------------

    def counselling(self) -> None:
        """Informed-choice counselling of the married women 15–49: most chose a method themselves, a few
        stopped to plan a pregnancy, mothers of the last six weeks are not counselled yet."""
        from tenants.contraception.services import create_visit

        last_birth = {mother.id: birth.born_at.date() for birth, mother, _child in self.born}
        methods, weights = list(METHOD_WEIGHTS), list(METHOD_WEIGHTS.values())
        for woman in self.people:
            if (woman.sex != "F" or woman.marital_status != "married" or woman.status != "resident"
                    or not 15 <= woman.age_on(self.latest) <= 49):
                continue
            earliest = max(self.start, last_birth[woman.id] + timedelta(days=42)) if woman.id in last_birth \
                else self.start
            choice = self.rng.random()
            if earliest > self.latest or choice >= 0.93:
                continue
            day = self.day_between(earliest, self.latest)
            if choice < 0.12 and (day - earliest).days > 60:  # an earlier method, changed at this visit
                before = self.rng.choice(("condom", "pill"))
                self.visit(create_visit, woman, self.day_between(earliest, day - timedelta(days=30)), before)
            if choice < 0.87 or woman.id in last_birth:
                chosen = self.rng.choices(methods, weights)[0]
                self.visit(create_visit, woman, day, chosen)
            else:
                self.visit(create_visit, woman, day, None, stopped=True)

    def visit(self, create_visit, woman, day: date, chosen: str | None, stopped: bool = False) -> None:
        others = [code for code in METHOD_WEIGHTS if code != chosen]
        discussed = ([chosen] if chosen else []) + self.rng.sample(others, 2)
        create_visit({"person_id": woman.id, "visit_date": day, "counsellor": self.rng.choice(self.counsellors),
                      "methods_discussed": discussed, "method_chosen": chosen, "consent": chosen is not None,
                      "stopped": stopped, "notes": "计划怀孕，暂停避孕" if stopped else None})
        self.visits += 1
