"""The demo's sample registers (renkou.demo_data): made through the services, plausible, and only once."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sqlalchemy import func, select

from renkou.extensions import db
from renkou.tenancy.context import town_session
from renkou.tenancy.services import get_town_by_slug
from renkou.timezone import local
from tests.conftest import in_town


def seed(app, town):
    from renkou.demo_data import ACTOR, seed_registers

    with app.app_context():
        with town_session(get_town_by_slug(town.slug), actor=ACTOR) as context:
            return seed_registers(context, random.Random(town.code))


def register_counts() -> dict[str, int]:
    from tenants.births.models import Birth, BirthNotice, BirthRegistration
    from tenants.contraception.models import CounsellingVisit
    from tenants.movements.models import Movement
    from tenants.registry.models import Household, Person

    return {model.__tablename__: db.session.scalar(select(func.count(model.id)))
            for model in (Household, Person, Birth, BirthNotice, BirthRegistration, CounsellingVisit, Movement)}


def with_villages(factory, town):
    for suffix, name in (("201", "一村"), ("202", "二村"), ("001", "街道社区")):
        factory.village(town, suffix, name)
    return town


def test_sample_register_is_plausible_and_made_once(app, factory, town):
    from renkou.audit.models import AuditEvent
    from tenants.births.models import Birth, BirthNotice
    from tenants.registry import resident_id as ids
    from tenants.registry.models import Person

    with_villages(factory, town)
    made = seed(app, town)
    assert 40 <= made["households"] <= 60
    assert 150 <= made["people"] <= 200
    assert 18 <= made["births"] <= 20 and made["births"] % 2 == 0  # pairs: a boy and a girl a month
    assert made["visits"] >= 20 and made["deliveries"] >= 6 and made["agreements"] >= 5
    assert made["clinics"] >= 2 and made["funding_entries"] >= 12 and made["association_members"] >= 5
    assert made["support_roll"] >= 2

    def check():
        counts = register_counts()
        people = list(db.session.scalars(select(Person)))
        with_ids = [p for p in people if p.resident_id]
        assert len(with_ids) > 0.9 * len(people)
        for person in with_ids:
            parsed = ids.parse(person.resident_id)  # a valid check character, the date and sex agree
            assert parsed.area == "411524" and parsed.birth_date == person.birth_date and parsed.sex == person.sex
        assert {p.marital_status for p in people} >= {"unmarried", "married", "widowed"}
        now = datetime.now(UTC)
        births = list(db.session.scalars(select(Birth)))
        notices = list(db.session.scalars(select(BirthNotice)))
        assert all(b.born_at <= now for b in births) and all(n.received_at <= now for n in notices)
        assert 0.7 <= sum(n.on_time for n in notices) / len(notices) < 1
        boys, girls = sum(b.sex == "M" for b in births), sum(b.sex == "F" for b in births)
        assert 90 <= 100 * boys / girls <= 120
        seeded = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.actor_name == "演示数据"))
        assert seeded > counts["people"]  # every record went through an audited service
        return counts

    before = in_town(app, town, check)
    assert before["birth_registrations"] > before["births"] / 2
    assert before["movements"] >= 4  # deaths, moves out and the couple that moved in
    assert seed(app, town) is None  # a town with households is left alone
    assert in_town(app, town, register_counts) == before


def test_figures_computed_from_the_sample_register(app, factory, town):
    from renkou import jobs
    from workers.aggregation.compute import compute_town_period

    with_villages(factory, town)
    seed(app, town)
    with app.app_context():
        today = local(datetime.now(UTC)).date()
    year = str(today.year if today.month >= 4 else today.year - 1)  # a year with months of births in it
    jobs.bind_app(app)
    values = {code: float(value) if value != "None" else None  # the job gives values as text
              for code, value in compute_town_period(town.code, year).items()}
    assert values["registration_rate"] > 50
    assert 90 <= values["srb"] <= 120
    assert values["notice_timeliness"] > 60
    assert 60 <= values["contraceptive_prevalence"] <= 98
    assert values["informed_choice"] == 100
    assert values["material_coverage"] > 50 and values["household_coverage"] > 50
    assert values["agreement_coverage"] > 50 and values["clinic_inspection"] > 50
    assert values["funding_per_capita"] > 0 and values["birth_rate"] > 0


def test_demo_seed_adds_registers_and_targets_once(app):
    from renkou import demo
    from renkou.indicators.periods import STAT_YEAR, YEAR
    from renkou.targets.models import Target
    from renkou.targets.period_input import current

    with app.app_context():
        demo.seed()
        targets = db.session.scalar(select(func.count(Target.id)))
        year = current(YEAR).id
        stat_year = current(STAT_YEAR).id
        assert targets == db.session.scalar(select(func.count(Target.id)).where(Target.period.in_([year, stat_year])))
        assert db.session.scalar(select(func.count(Target.id)).where(Target.scope != "county")) == 2
        assert not db.session.scalar(select(func.count(Target.id)).where(
            Target.indicator.in_(["birth_rate", "natural_increase"])))
        seeded = {}
        for _code, _name, slug, _admin, _villages in demo.TOWNS:
            with town_session(get_town_by_slug(slug)):
                seeded[slug] = register_counts()
        assert all(counts["households"] >= 40 for counts in seeded.values())
        demo.seed()
        assert db.session.scalar(select(func.count(Target.id))) == targets
        for _code, _name, slug, _admin, _villages in demo.TOWNS:
            with town_session(get_town_by_slug(slug)):
                assert register_counts() == seeded[slug]
