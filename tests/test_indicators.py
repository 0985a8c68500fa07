"""Indicator formulas on hand-made registers with known answers, and the recomputation job that stores them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from renkou.extensions import db
from renkou.indicators import catalog, periods
from renkou.indicators.models import IndicatorValue, TownPeriod, ValidationFlag
from tests.conftest import in_town

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def seed_january_2026(app, town) -> dict:
    """Two villages, four households, ten people, five births, a death and the services of January 2026."""
    from tenants.births.services import births, registrations
    from tenants.clinics import rules as clinic_rules
    from tenants.clinics.services import inspections, units
    from tenants.contraception.models import CounsellingVisit
    from tenants.contraception.services import create_visit
    from tenants.funding.services import create_entry
    from tenants.governance.services import agreements, duties, members
    from tenants.movements.services import record_movement
    from tenants.network.services import create_village
    from tenants.outreach.services import materials
    from tenants.registry.services import create_household, create_person

    def work():
        v1, v2 = create_village(town.code + "201", "一村"), create_village(town.code + "202", "二村")
        homes = [create_household(f"H{n}", village.id, "测试路").id for n, village in enumerate((v1, v1, v2, v2))]
        women = [create_person({"name": f"女{n}", "sex": "F", "birth_date": date(1995, 1, n + 1),
                                "marital_status": "married" if n < 4 else "unmarried",
                                "household_id": homes[n % 4]}).id for n in range(6)]
        men = [create_person({"name": f"男{n}", "sex": "M", "birth_date": date(1960, 1, n + 1),
                              "household_id": homes[n % 4]}).id for n in range(4)]
        for n, sex in enumerate("MMMFF"):
            born = at(date(2026, 1, 10 + n))
            late = n == 4
            births.receive_notice(source="卫生院", received_at=born + timedelta(hours=30 if late else 3),
                                  birth={"mother_id": women[n], "born_at": born, "sex": sex, "birth_order": 1})
        # Three applications: one registered, one accepted, one submitted. Only the first is a registration.
        applied = [registrations.create_registration({"mother_id": mother, "timing": "after_birth",
                                                      "child_order": 1, "child_birth_date": date(2026, 1, 10)})
                   for mother in women[:3]]
        for registration, steps in zip(applied, (("accept", "register"), ("accept",), ()), strict=True):
            for step in steps:
                registrations.transition(registration, step)
        record_movement(kind="death", event_date=date(2026, 1, 20), person_id=men[0])
        for woman in women[:2]:
            create_visit({"person_id": woman, "visit_date": date(2026, 1, 5), "counsellor": "咨询员",
                          "methods_discussed": ["condom"], "method_chosen": "condom", "consent": True})
        # A record from elsewhere without counselling or consent: a new user, not an informed choice.
        db.session.add(CounsellingVisit(person_id=women[2], visit_date=date(2026, 1, 6), counsellor="外来记录",
                                        methods_discussed=[], method_chosen="condom", consent=False))
        material = materials.create_material("宣传册", "booklet")
        materials.deliver(material_id=material.id, village_id=v1.id, delivery_date=date(2026, 1, 15),
                          household_ids=homes[:2])
        materials.deliver(material_id=material.id, village_id=v2.id, delivery_date=date(2026, 1, 16),
                          household_ids=homes[2:3])
        agreements.create_agreement({"year": 2026, "village_id": v1.id, "signed_on": date(2026, 2, 1),
                                     "items": [{"description": "宣传品入户", "weight": 10, "target": "≥95%"}]})
        member = members.create_member({"name": "书记", "position": "党委书记", "group_role": "leader"})
        duties.create_assignment({"kind": "household", "member_id": member.id, "household_ids": [homes[0]]})
        inspected = units.create_unit({"kind": "village_clinic", "name": "一村卫生室", "village_id": v1.id})
        units.create_unit({"kind": "village_clinic", "name": "二村卫生室", "village_id": v2.id})
        checklist = [{"code": code, "result": "pass"} for code in clinic_rules.checklist_on(date(2026, 1, 18))]
        inspections.create_inspection({"unit_id": inspected.id, "inspectors": "检查员",
                                       "inspection_date": date(2026, 1, 18), "items": checklist})
        create_entry({"voucher_number": "2026-001", "entry_date": date(2026, 1, 8), "amount": Decimal("950.00"),
                      "category": "publicity"})
        return {"homes": homes, "women": women, "men": men}

    return in_town(app, town, work)


def compute(app, town, period_id: str) -> dict:
    from renkou import jobs
    from workers.aggregation.compute import compute_town_period

    jobs.bind_app(app)
    return compute_town_period(town.code, period_id)


def stored(app, town_id: int, period_id: str) -> dict[str, tuple]:
    with app.app_context():
        rows = db.session.scalars(select(IndicatorValue).where(IndicatorValue.town_id == town_id,
                                                               IndicatorValue.period == period_id))
        return {row.indicator: (row.numerator, row.denominator, row.value) for row in rows}


def test_every_catalog_indicator_has_a_formula():
    from workers.indicators.formulas import FORMULAS

    assert set(FORMULAS) == set(catalog.BY_CODE)
    assert [i.code for i in catalog.INDICATORS if not i.targetable] == ["birth_rate", "natural_increase"]


def test_each_formula_on_hand_made_registers(app, town):
    seed_january_2026(app, town)
    compute(app, town, "202601")
    values = stored(app, town.id, "202601")
    expected = {
        "srb": (3, 2, "150.00"),
        # Population 10 on 31 Dec, 9 on 31 Jan after a death; a month's rate is annualised (× 12).
        "birth_rate": (5, Decimal("9.5"), "6315.79"),
        "natural_increase": (4, Decimal("9.5"), "5052.63"),
        "registration_rate": (1, 5, "20.00"),  # 5 births, 1 registered; submitted or accepted are not
        "notice_timeliness": (4, 5, "80.00"),
        "contraceptive_prevalence": (3, 4, "75.00"),
        "informed_choice": (2, 3, "66.67"),
        "material_coverage": (3, 4, "75.00"),
        "household_coverage": (1, 4, "25.00"),
        "clinic_inspection": (1, 2, "50.00"),
        "funding_per_capita": (Decimal("950"), 9, "105.56"),
        "report_timeliness": (0, 0, None),  # the town was onboarded today: no report was due in January
    }
    assert "agreement_coverage" not in values  # a yearly matter, not computed for months
    for code, (numerator, denominator, value) in expected.items():
        got = values[code]
        assert (got[0], got[1]) == (Decimal(numerator), Decimal(denominator)), code
        assert got[2] == (Decimal(value) if value else None), code
    compute(app, town, "2026")
    assert stored(app, town.id, "2026")["agreement_coverage"][:2] == (1, 2)


def test_a_town_with_nothing_recorded_has_no_values_not_zeros(app, town):
    result = compute(app, town, "2026Q1")
    values = stored(app, town.id, "2026Q1")
    assert set(values) == {i.code for i in catalog.applying_to(periods.QUARTER)}
    assert all(value is None and denominator == 0 for _n, denominator, value in values.values())
    assert result["srb"] == "None"


def test_recomputing_stores_the_same_values_without_duplicates(app, town):
    seed_january_2026(app, town)
    first = compute(app, town, "202601")
    assert compute(app, town, "202601") == first
    with app.app_context():
        rows = db.session.scalars(select(IndicatorValue).where(IndicatorValue.period == "202601")).all()
        assert len(rows) == len(catalog.applying_to(periods.MONTH))


def test_report_timeliness_counts_due_months_and_first_submissions(app, town):
    from renkou.reporting.models import TownReport
    from renkou.tenancy.models import Town

    with app.app_context():
        record = db.session.get(Town, town.id)
        record.created_at = at(date(2025, 6, 1))
        db.session.add(TownReport(town_id=town.id, period="202512", due_on=date(2026, 1, 5), status="approved",
                                  first_submitted_at=at(date(2026, 1, 5), 23)))
        db.session.add(TownReport(town_id=town.id, period="202601", due_on=date(2026, 2, 5), status="approved",
                                  first_submitted_at=at(date(2026, 2, 6))))
        db.session.commit()
    compute(app, town, "2026Q1")
    # Due in Q1 2026: December's report (5 Jan), January's (5 Feb), February's (5 Mar); one on time.
    assert stored(app, town.id, "2026Q1")["report_timeliness"] == (1, 3, Decimal("33.33"))


def test_implausible_sex_ratio_is_flagged_and_withdrawn_when_it_no_longer_holds(app, town):
    from tenants.births.services import births
    from tenants.registry.services import create_person

    def record_births(boys: int, girls: int):
        def work():
            mother = create_person({"name": "母亲", "sex": "F", "birth_date": date(1990, 5, 5)}).id
            for n in range(boys + girls):
                births.create_birth({"mother_id": mother, "born_at": at(date(2026, 3, 1)) + timedelta(minutes=n),
                                     "sex": "M" if n < boys else "F"})
        in_town(app, town, work)

    record_births(16, 8)  # 24 births, ratio 200
    compute(app, town, "202603")
    with app.app_context():
        flag = db.session.scalar(select(ValidationFlag).where(ValidationFlag.period == "202603"))
        assert (flag.indicator, flag.rule, flag.details["value"]) == ("srb", "srb_implausible", "200.00")
    record_births(0, 8)  # now 16 : 16
    compute(app, town, "202603")
    with app.app_context():
        assert db.session.scalar(select(ValidationFlag).where(ValidationFlag.period == "202603")) is None


def test_the_job_refuses_a_bad_period_id(app, town):
    with pytest.raises(periods.PeriodError):
        compute(app, town, "2026-13")


@pytest.fixture
def in_november_2026():
    """The clock of the tests whose records must fall in the recompute window (it moves with the day)."""
    import time_machine

    with time_machine.travel(datetime(2026, 11, 28, 2, tzinfo=UTC), tick=True):
        yield


def test_computing_clears_the_dirty_mark_it_read(in_november_2026, app, town):
    seed_january_2026(app, town)
    with app.app_context():
        mark = db.session.scalar(select(TownPeriod).where(TownPeriod.town_id == town.id,
                                                          TownPeriod.period == "202601"))
        assert mark.dirty_since is not None and mark.change_count >= 1
    compute(app, town, "202601")
    with app.app_context():
        mark = db.session.scalar(select(TownPeriod).where(TownPeriod.town_id == town.id,
                                                          TownPeriod.period == "202601"))
        assert mark.dirty_since is None and mark.computed_at is not None


def test_registration_rate_counts_births_whose_registration_is_completed(app, town):
    """The issue's example: 5 births in 2026, one registered and two still submitted or accepted: 20 %."""
    from tenants.births.services import births, registrations
    from tenants.registry.services import create_person

    def work():
        mothers = [create_person({"name": f"母{n}", "sex": "F", "birth_date": date(1993, 2, n + 1)}).id
                   for n in range(5)]
        for n, mother in enumerate(mothers):
            births.create_birth({"mother_id": mother, "born_at": at(date(2026, 3, n + 1)), "sex": "MF"[n % 2],
                                 "birth_order": 1})
        applied = [registrations.create_registration({"mother_id": mother, "timing": "after_birth",
                                                      "child_order": 1, "child_birth_date": date(2026, 3, 1)})
                   for mother in mothers[:3]]
        for step in ("accept", "register"):
            registrations.transition(applied[0], step)
        registrations.transition(applied[1], "accept")
    in_town(app, town, work)
    compute(app, town, "2026")
    assert stored(app, town.id, "2026")["registration_rate"] == (Decimal(1), Decimal(5), Decimal("20.00"))


def test_notice_timeliness_counts_births_by_their_date_and_their_first_notice(app, town):
    from tenants.births.services import births
    from tenants.registry.services import create_person

    def work():
        mother = create_person({"name": "母亲", "sex": "F", "birth_date": date(1991, 4, 4)}).id

        def birth(born: datetime):
            return births.create_birth({"mother_id": mother, "born_at": born, "sex": "F"})

        # Born late on 31 Dec, noticed 3 hours later on 1 Jan: December's birth, on time.
        new_year = birth(at(date(2025, 12, 31), 23))
        births.receive_notice(source="卫生院", birth_id=new_year.id, received_at=new_year.born_at + timedelta(hours=3))
        birth(at(date(2026, 1, 5)))  # no notice at all: late
        twice = birth(at(date(2026, 1, 6)))  # on time, then a second, late notice: still on time, counted once
        births.receive_notice(source="卫生院", birth_id=twice.id, received_at=twice.born_at + timedelta(hours=2))
        births.receive_notice(source="县医院", birth_id=twice.id, received_at=twice.born_at + timedelta(hours=50))
        late = birth(at(date(2026, 1, 7)))  # only a late notice
        births.receive_notice(source="卫生院", birth_id=late.id, received_at=late.born_at + timedelta(hours=30))
    in_town(app, town, work)
    compute(app, town, "202512")
    compute(app, town, "202601")
    assert stored(app, town.id, "202512")["notice_timeliness"] == (1, 1, Decimal("100.00"))
    assert stored(app, town.id, "202601")["notice_timeliness"] == (1, 3, Decimal("33.33"))


def test_the_readme_indicator_table_matches_the_catalog(app):
    """The README's table names every indicator with the numerator and denominator the code uses."""
    from pathlib import Path

    from flask_babel import force_locale

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(" `"): [cell.strip() for cell in line.split("|")[1:-1]]
            for line in readme.splitlines() if line.startswith("| `") and line.split("|")[1].strip(" `")
            in catalog.BY_CODE}
    assert list(rows) == [indicator.code for indicator in catalog.INDICATORS]
    with app.test_request_context(), force_locale("en"):
        for indicator in catalog.INDICATORS:
            _code, name, numerator, denominator, unit, _reading = rows[indicator.code]
            assert indicator.name_zh in name and indicator.name_en in name
            assert (numerator, denominator) == (str(indicator.numerator), str(indicator.denominator))
            assert ("a year" in unit) == indicator.annualised and indicator.unit in unit
