"""Which periods a change moves (renkou.indicators.freshness): a stock change moves every period from its
date to today, onboarding and the first change in a window compute the whole window, and a month whose
figures wait for a recomputation is neither submitted nor approved.

The clock is set (time_machine) to a fixed day, so these tests pass whatever day they run on.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import select, update

from renkou.errors import ConflictError
from renkou.extensions import db
from renkou.indicators import freshness, periods
from renkou.indicators.models import TownPeriod
from tests.conftest import in_town, login
from tests.test_indicators import compute, stored

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)  # 10:00 on 28 Nov 2026 in the county
TODAY = date(2026, 11, 28)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=True):
        yield


def marks(app, town) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(TownPeriod.period).where(TownPeriod.town_id == town.id,
                                                                      TownPeriod.dirty_since.is_not(None))))


def clear_marks(app, town) -> None:
    """As if every period had been recomputed."""
    with app.app_context():
        db.session.execute(update(TownPeriod).where(TownPeriod.town_id == town.id).values(dirty_since=None))
        db.session.commit()


def test_a_stock_moves_every_period_from_its_date_to_today():
    moved = {p.id for p in freshness.periods_moved_by(set(), TODAY, 10, stock_since=date(2026, 4, 20))}
    months = {f"2026{month:02d}" for month in range(4, 12)}
    assert moved == months | {"2026Q2", "2026Q3", "2026Q4", "2026S1", "2026S2", "2026", "2025Oct", "2026Oct"}
    # An event moves only the periods containing its date (and today's).
    event = {p.id for p in freshness.periods_moved_by({date(2026, 4, 20)}, TODAY, 10)}
    assert event == {"202604", "2026Q2", "2026S1", "2026", "2025Oct", "202611", "2026Q4", "2026S2", "2026Oct"}
    # A stock without a date, or older than the window, moves the whole window.
    window = {p.id for p in periods.recompute_window(TODAY, 10)}
    assert {p.id for p in freshness.periods_moved_by(set(), TODAY, 10, stock_since=date.min)} == window
    assert "202501" in window and "2024Oct" in window and "202412" not in window


def test_a_past_dated_move_out_refreshes_every_later_period(app, factory, clock):
    from tenants.movements.services import record_movement
    from tenants.registry.services import create_person

    town = factory.town()
    people = in_town(app, town, lambda: [create_person({"name": f"居民{n}", "sex": "F",
                                                          "birth_date": date(1980, 1, n + 1)}).id for n in range(3)])
    compute(app, town, "202605")
    before = stored(app, town.id, "202605")["birth_rate"][1]
    clear_marks(app, town)
    in_town(app, town, lambda: record_movement(kind="move_out", event_date=date(2026, 4, 20), person_id=people[0],
                                              place="外县"))
    dirty = marks(app, town)
    assert {"202604", "202605", "202607", "202611", "2026Q2", "2026Q3", "2026S2", "2026", "2025Oct"} <= dirty
    compute(app, town, "202605")
    assert stored(app, town.id, "202605")["birth_rate"][1] == before - 1  # mean population one lower


def test_onboarding_marks_and_queues_the_whole_window(app, factory, clock):
    from rq.job import Job

    from renkou import jobs

    town = factory.town()
    window = {p.id for p in periods.recompute_window(TODAY, 10)}
    assert marks(app, town) == window
    with app.app_context():
        queue = jobs.get_queue("aggregation")
        queued = set(queue.get_job_ids()) | set(queue.scheduled_job_registry.get_job_ids())
        prefix = app.config["RENKOU_SETTINGS"].redis_prefix
        assert queued == {f"{prefix}-aggregate-{town.code}"}  # one job computes the town's whole window
        assert set(Job.fetch(queued.pop(), connection=queue.connection).args[1]) == window


def test_the_first_change_in_a_window_computes_the_periods_without_figures(app, factory, clock):
    from tenants.funding.services import create_entry
    from tenants.registry.services import create_person

    town = factory.town()
    with app.app_context():  # a town onboarded before this rule: only some periods were ever computed
        db.session.execute(TownPeriod.__table__.delete().where(TownPeriod.town_id == town.id,
                                                              TownPeriod.period.not_in(["202611", "2026"])))
        db.session.commit()
    clear_marks(app, town)
    in_town(app, town, lambda: create_entry({"voucher_number": "V-1", "entry_date": TODAY,
                                             "amount": Decimal("10.00"), "category": "publicity"}))
    assert marks(app, town) == {p.id for p in periods.recompute_window(TODAY, 10)}
    # A town with no births has figures, not "no data": its birth rate is 0 over its population.
    in_town(app, town, lambda: create_person({"name": "居民", "sex": "M", "birth_date": date(1970, 1, 1)}))
    compute(app, town, "202603")
    assert stored(app, town.id, "202603")["birth_rate"] == (Decimal(0), Decimal(1), Decimal("0.00"))


def test_a_month_waiting_for_its_recomputation_is_neither_submitted_nor_approved(app, factory, clock):
    from renkou.accounts.models import User
    from renkou.reporting import workflow
    from renkou.reporting.services import report_detail
    from renkou.tenancy.models import Town
    from tenants.movements.services import record_movement
    from tenants.registry.services import create_person

    town = factory.town()
    factory.backdate_onboarding(town, months=8)  # joined in March 2026: it owes May's report
    factory.user("county_boss", "county_admin")
    person = in_town(app, town, lambda: create_person({"name": "居民", "sex": "M", "birth_date": date(1970, 1, 1)}).id)
    compute(app, town, "202605")
    with app.app_context():
        record, admin = db.session.get(Town, town.id), db.session.scalar(
            select(User).where(User.username == town.admin_username))
        workflow.submit(record, "202605", admin)
        db.session.commit()
    in_town(app, town, lambda: record_movement(kind="move_out", event_date=date(2026, 4, 20), person_id=person,
                                              place="外县"))
    with app.app_context():
        record = db.session.get(Town, town.id)
        boss = db.session.scalar(select(User).where(User.username == "county_boss"))
        assert report_detail(record, periods.parse("202605")).figures_state == "recomputing"
        with pytest.raises(ConflictError):
            workflow.approve(record, "202605", boss)
        db.session.rollback()
    county = app.test_client()
    login(county, "county_boss")
    page = county.get(f"/county/reports/{town.code}/202605").get_data(as_text=True)
    assert 'id="approve-waits"' in page and 'http-equiv="refresh"' in page  # it says so, and waits
    compute(app, town, "202605")
    with app.app_context():
        record = db.session.get(Town, town.id)
        boss = db.session.scalar(select(User).where(User.username == "county_boss"))
        assert workflow.approve(record, "202605", boss).status == "approved"
        db.session.commit()
