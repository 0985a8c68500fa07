"""The set-based formulas over a town with varied data: every period of a window in one computation.

The data has the awkward cases: births either side of a local midnight at a month's end, people born
inside the window with a move in dated before their birth, moves out and back, a cancelled move, two
events on one day, visits that change, repeat or stop a method, emergency contraception, an inactive
clinic, unsigned agreements and funding in every month.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from renkou.extensions import db
from renkou.indicators import catalog, periods
from tests.conftest import in_town
from tests.test_indicators import at, seed_january_2026

WINDOW = periods.periods_between(date(2025, 1, 1), date(2026, 6, 30))
METHODS = ("condom", "iud", "pill", "emergency", "implant")
# numerator/denominator of each indicator, as the per-period formulas computed them on this data before
# the set-based ones replaced them (the two were compared on both backends, every period of the window).
EXPECTED = {
    "202501": {
        "srb": "2/2", "birth_rate": "4/51", "natural_increase": "4/51", "registration_rate": "1/4",
        "notice_timeliness": "1/4", "contraceptive_prevalence": "3/13", "informed_choice": "1/1",
        "material_coverage": "2/4", "household_coverage": "1/4", "clinic_inspection": "1/3",
        "funding_per_capita": "822.5/51", "report_timeliness": "0/0",
    },
    "202512": {
        "srb": "2/1", "birth_rate": "3/49.5", "natural_increase": "3/49.5", "registration_rate": "1/3",
        "notice_timeliness": "1/3", "contraceptive_prevalence": "7/13", "informed_choice": "1/3",
        "material_coverage": "0/4", "household_coverage": "1/4", "clinic_inspection": "0/3",
        "funding_per_capita": "1644.75/50", "report_timeliness": "0/0",
    },
    "2026Q1": {
        "srb": "8/4", "birth_rate": "12/50", "natural_increase": "11/50", "registration_rate": "2/12",
        "notice_timeliness": "9/12", "contraceptive_prevalence": "8/12", "informed_choice": "5/9",
        "material_coverage": "4/4", "agreement_coverage": "1/2", "household_coverage": "1/4",
        "clinic_inspection": "1/3", "funding_per_capita": "4033.75/50", "report_timeliness": "0/0",
    },
    "2025S2": {
        "srb": "8/11", "birth_rate": "19/49", "natural_increase": "16/49", "registration_rate": "6/19",
        "notice_timeliness": "12/19", "contraceptive_prevalence": "7/13", "informed_choice": "4/14",
        "material_coverage": "1/4", "agreement_coverage": "1/2", "household_coverage": "1/4",
        "clinic_inspection": "0/3", "funding_per_capita": "5482.75/50", "report_timeliness": "0/0",
    },
    "2025": {
        "srb": "16/16", "birth_rate": "32/50.5", "natural_increase": "27/50.5", "registration_rate": "9/32",
        "notice_timeliness": "20/32", "contraceptive_prevalence": "7/13", "informed_choice": "16/26",
        "material_coverage": "3/4", "agreement_coverage": "1/2", "household_coverage": "1/4",
        "clinic_inspection": "1/3", "funding_per_capita": "9937.75/50", "report_timeliness": "0/0",
    },
    "2025Oct": {
        "srb": "15/11", "birth_rate": "26/50.5", "natural_increase": "24/50.5", "registration_rate": "8/26",
        "notice_timeliness": "15/26", "contraceptive_prevalence": "7/12", "informed_choice": "7/19",
        "material_coverage": "4/4", "agreement_coverage": "1/2", "household_coverage": "1/4",
        "clinic_inspection": "1/3", "funding_per_capita": "9173.75/53", "report_timeliness": "0/0",
    },
    "2026S1": {
        "srb": "9/5", "birth_rate": "14/51.5", "natural_increase": "12/51.5", "registration_rate": "3/14",
        "notice_timeliness": "9/14", "contraceptive_prevalence": "7/12", "informed_choice": "6/13",
        "material_coverage": "4/4", "agreement_coverage": "1/2", "household_coverage": "1/4",
        "clinic_inspection": "1/3", "funding_per_capita": "5918.5/53", "report_timeliness": "0/0",
    },
}


def seed_varied(app, town) -> None:
    from sqlalchemy import select

    from tenants.births.models import Birth, BirthNotice, BirthRegistration
    from tenants.clinics import rules as clinic_rules
    from tenants.clinics.services import inspections, units
    from tenants.contraception.models import CounsellingVisit
    from tenants.funding.services import create_entry
    from tenants.governance.services import agreements
    from tenants.movements.models import Movement
    from tenants.network.models import Village
    from tenants.outreach.services import materials
    from tenants.registry.models import Household
    from tenants.registry.services import create_person

    seed_january_2026(app, town)
    rng = random.Random(12)

    def day_in(first: date, last: date) -> date:
        return first + timedelta(days=rng.randrange((last - first).days + 1))

    def work():
        villages = list(db.session.scalars(select(Village).order_by(Village.id)))
        homes = list(db.session.scalars(select(Household).order_by(Household.id)))
        people = []
        for n in range(60):
            born = day_in(date(1950, 1, 1), date(2012, 12, 31)) if n < 50 else day_in(date(2025, 1, 1),
                                                                                       date(2026, 5, 31))
            if n == 7:
                born = date(1976, 2, 29)  # turns 50 on a 28 February
            people.append(create_person({
                "name": f"人{n}", "sex": "F" if n % 3 else "M", "birth_date": born,
                "marital_status": rng.choice(("married", "married", "unmarried", "divorced")),
                "household_id": homes[n % len(homes)].id}))
        db.session.flush()
        for n, person in enumerate(people):
            shape = n % 8
            first = day_in(date(2024, 10, 1), date(2026, 6, 30))
            if shape == 0:
                db.session.add(Movement(person_id=person.id, kind="move_out", event_date=first))
            elif shape == 1:
                db.session.add(Movement(person_id=person.id, kind="move_in", event_date=first))
            elif shape == 2:
                db.session.add_all([Movement(person_id=person.id, kind="move_out", event_date=first),
                                    Movement(person_id=person.id, kind="move_in", event_date=first + timedelta(40))])
            elif shape == 3:
                db.session.add(Movement(person_id=person.id, kind="death", event_date=first))
            elif shape == 4:
                db.session.add(Movement(person_id=person.id, kind="move_out", event_date=first,
                                        cancelled_at=datetime(2026, 7, 1, tzinfo=UTC)))
            elif shape == 5:  # out and back on one day
                db.session.add(Movement(person_id=person.id, kind="move_out", event_date=first))
                db.session.flush()
                db.session.add(Movement(person_id=person.id, kind="move_in", event_date=first))
            elif shape == 6:  # a move in dated before the birth (a record from elsewhere)
                db.session.add(Movement(person_id=person.id, kind="move_in",
                                        event_date=person.birth_date - timedelta(days=20)))
            db.session.flush()
        mothers = [person for person in people if person.sex == "F"]
        for n in range(45):
            mother = mothers[n % len(mothers)]
            if n % 9 == 0:  # either side of local midnight at the end of a month (16:00 UTC)
                month_end = periods.Period(date(2025, 1 + n % 12, 1), periods.MONTH).last_day
                born = datetime(month_end.year, month_end.month, month_end.day, 15, 59, tzinfo=UTC) + timedelta(
                    minutes=n % 2)
            else:
                born = at(day_in(date(2024, 12, 1), date(2026, 6, 30)), rng.randrange(24))
            order = None if n % 11 == 0 else 1 + n % 3
            birth = Birth(mother_id=mother.id, born_at=born, sex=rng.choice("MMF"), birth_order=order)
            db.session.add(birth)
            db.session.flush()
            for hours in ((), (3,), (30,), (2, 50), (30, 3))[n % 5]:
                received = born + timedelta(hours=hours)
                db.session.add(BirthNotice(birth_id=birth.id, born_at=born, received_at=received, source="卫生院",
                                           on_time=hours <= 24))
            if order is not None and n % 4:
                applied = born.date()
                db.session.add(BirthRegistration(
                    mother_id=mother.id, timing="after_birth", child_order=order, child_birth_date=applied,
                    applied_on=applied, submitted_on=applied, due_on=applied + timedelta(days=10),
                    status=("registered", "submitted", "registered", "accepted", "returned")[n % 5]))
        for n, person in enumerate(mothers):
            for visit in range(n % 5):
                chosen = None if visit == 3 else METHODS[(n + visit) % len(METHODS)]
                db.session.add(CounsellingVisit(
                    person_id=person.id, visit_date=day_in(date(2024, 6, 1), date(2026, 6, 30)), counsellor="员",
                    methods_discussed=[] if (n + visit) % 4 == 0 else ["condom"], method_chosen=chosen,
                    stopped=chosen is None, consent=(n + visit) % 3 != 0))
            if n % 6 == 0:  # a repeat of the same method on the same day
                db.session.add_all([CounsellingVisit(person_id=person.id, visit_date=date(2025, 5, 5),
                                                     counsellor="员", methods_discussed=["iud"], method_chosen="iud",
                                                     consent=True) for _ in range(2)])
        material = materials.create_material("折页", "leaflet")
        for n in range(14):
            village = villages[n % len(villages)]
            own = [home.id for home in homes if home.village_id == village.id]
            materials.deliver(material_id=material.id, village_id=village.id,
                              delivery_date=day_in(date(2025, 1, 1), date(2026, 6, 30)), household_ids=own[: 1 + n % 2])
        unit = units.create_unit({"kind": "village_clinic", "name": "三号卫生室", "village_id": villages[0].id})
        closed = units.create_unit({"kind": "village_clinic", "name": "已停业卫生室", "village_id": villages[1].id,
                                    "active": False})
        for n in range(10):
            on = day_in(date(2025, 1, 1), date(2026, 6, 30))
            checklist = [{"code": code, "result": "pass"} for code in clinic_rules.checklist_on(on)]
            inspections.create_inspection({"unit_id": (unit, closed)[n % 2].id, "inspectors": "检查员",
                                           "inspection_date": on, "items": checklist})
        for n in range(30):
            create_entry({"voucher_number": f"V-{n}", "entry_date": day_in(date(2025, 1, 1), date(2026, 6, 30)),
                          "amount": (n * 137 + 1) / 4, "category": ("training", "equipment", "other")[n % 3]})
        for year, village in ((2025, villages[0]), (2025, villages[1])):
            agreements.create_agreement({"year": year, "village_id": village.id,
                                         "signed_on": date(year, 3, 1) if village is villages[0] else None,
                                         "items": [{"description": "宣传品入户", "weight": 10, "target": "≥95%"}]})

    in_town(app, town, work)


def test_every_period_of_the_window_in_one_computation(app, town):
    from workers.indicators.formulas import figures

    seed_varied(app, town)
    got = in_town(app, town, lambda: figures(WINDOW))
    assert set(got) == {period.id for period in WINDOW}
    assert all(set(got[period.id]) == {i.code for i in catalog.applying_to(period.kind)} for period in WINDOW)
    assert {period_id: {code: f"{numerator.normalize():f}/{denominator.normalize():f}"
                        for code, (numerator, denominator) in got[period_id].items()}
            for period_id in EXPECTED} == EXPECTED


def test_one_period_alone_gives_the_figures_of_the_window(app, town):
    """A page showing a live figure computes one period; it must read what the worker stored."""
    from workers.indicators.formulas import figures

    seed_varied(app, town)
    alone = in_town(app, town, lambda: {period_id: figures([periods.parse(period_id)])[period_id]
                                        for period_id in EXPECTED})
    assert {period_id: {code: f"{numerator.normalize():f}/{denominator.normalize():f}"
                        for code, (numerator, denominator) in values.items()}
            for period_id, values in alone.items()} == EXPECTED
