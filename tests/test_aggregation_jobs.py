"""The recomputation jobs on real RQ workers and real Redis: freshness after a change, the dispatchers,
and a worker killed in the middle of a job.

The clock is set to 28 Nov 2026 (time_machine, ticking) so the births of Feb 2026 below stay inside the
recompute window whatever day the suite runs on.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from rq import SimpleWorker
from rq.job import Job
from sqlalchemy import func, select, update

from renkou import jobs
from renkou.extensions import db
from renkou.indicators import catalog, freshness, periods
from renkou.indicators.models import IndicatorValue, TownPeriod
from renkou.types import utcnow
from tests.conftest import build_app, in_town, reset_storage
from tests.processes import kill_with_descendants
from tests.test_indicators import at

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)  # 10:00 in the county


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def app(settings, clock):
    """Recompute at once after a change (the debounce delay needs a scheduler; one test covers it)."""
    application = build_app(dataclasses.replace(settings, aggregation_delay_seconds=0))
    yield application
    reset_storage(application)


MOTHERS: dict[str, int] = {}


def settled(app, *towns) -> None:
    """Each town with a mother on its register and its window as if the nightly run had computed it: no
    marks, no jobs waiting. Births recorded after this move only their own periods and today's."""
    from tenants.registry.services import create_person

    for town in towns:
        MOTHERS[town.code] = in_town(app, town, lambda: create_person(
            {"name": "母亲", "sex": "F", "birth_date": date(1992, 3, 3)}).id)
    with app.app_context():
        db.session.execute(update(TownPeriod).values(dirty_since=None))
        db.session.commit()
        aggregation_queue(app).empty()


def aggregation_queue(app):
    with app.app_context():
        return jobs.get_queue("aggregation")


def run_worker(app) -> None:
    with app.app_context():
        jobs.bind_app(app)
        queue = jobs.get_queue("aggregation")
        SimpleWorker([queue], connection=queue.connection).work(burst=True)  # as `renkou worker aggregation`
        assert not queue.failed_job_registry.get_job_ids(), "a recomputation failed"


def record_birth(app, town, sex: str = "M", day: date = date(2026, 2, 3)) -> None:
    from tenants.births.services import births

    in_town(app, town, lambda: births.create_birth({"mother_id": MOTHERS[town.code], "born_at": at(day),
                                                     "sex": sex}))


def value(app, town, indicator: str, period_id: str):
    with app.app_context():
        return db.session.execute(select(IndicatorValue.numerator, IndicatorValue.denominator).where(
            IndicatorValue.town_id == town.id, IndicatorValue.indicator == indicator,
            IndicatorValue.period == period_id)).one_or_none()


def test_a_change_marks_its_periods_and_queues_one_job_for_the_town(app, town):
    settled(app, town)
    record_birth(app, town, day=date(2026, 2, 3))
    with app.app_context():
        marked = set(db.session.scalars(select(TownPeriod.period).where(TownPeriod.dirty_since.is_not(None))))
        expected = {p.id for p in periods.periods_containing(date(2026, 2, 3))}
        expected |= {p.id for p in periods.periods_containing(date(2026, 11, 28))}  # today's, by the clock
        assert marked == expected
        queue = aggregation_queue(app)
        prefix = app.config["RENKOU_SETTINGS"].redis_prefix
        assert queue.get_job_ids() == [f"{prefix}-aggregate-{town.code}"]
        assert set(queue.fetch_job(queue.get_job_ids()[0]).args[1]) == expected
    run_worker(app)
    assert value(app, town, "srb", "202602") == (Decimal(1), Decimal(0))
    assert value(app, town, "srb", "2026") == (Decimal(1), Decimal(0))
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(TownPeriod.dirty_since.is_not(None))) == 0


def test_a_burst_of_changes_queues_each_period_once(app, town):
    settled(app, town)
    for _ in range(3):
        record_birth(app, town)
    queue = aggregation_queue(app)
    assert len(queue.get_job_ids()) == len(set(queue.get_job_ids()))
    run_worker(app)
    assert value(app, town, "srb", "202602") == (Decimal(3), Decimal(0))
    record_birth(app, town, sex="F")  # the finished jobs are gone, so the next change queues again
    run_worker(app)
    assert value(app, town, "srb", "202602") == (Decimal(3), Decimal(1))


def test_changes_wait_the_debounce_delay_in_the_scheduler(app, town):
    settled(app, town)
    with app.app_context():
        app.config["RENKOU_SETTINGS"] = dataclasses.replace(app.config["RENKOU_SETTINGS"],
                                                            aggregation_delay_seconds=30)
    record_birth(app, town)
    queue = aggregation_queue(app)
    assert queue.get_job_ids() == []
    assert len(queue.scheduled_job_registry.get_job_ids()) == 1


def test_full_recompute_twice_queues_nothing_twice(app, factory):
    from workers.aggregation.dispatch import full_recompute, recompute_window

    towns = [factory.town() for _ in range(2)]
    settled(app, *towns)  # onboarding queued their windows; here the nightly run starts from nothing
    with app.app_context():
        # The clock is passed in: the window is the one of that day, whatever day the suite runs.
        slot = datetime(2026, 11, 28, 4, tzinfo=UTC)
        window = recompute_window(date(2026, 11, 28), 10)
        first, second = full_recompute(slot), full_recompute(slot)
        assert first == len(towns) and second == 0  # one job per town computes the whole window
        queue = aggregation_queue(app)
        assert len(queue.get_job_ids()) == first
        assert all(job.args[1] == sorted(p.id for p in window) for job in queue.get_jobs())
    assert {p.id for p in window} >= {"2025", "2026", "2024Oct", "2025Oct", "202501", "202611", "2026S2"}


def test_the_sweep_queues_stale_marks_only(app, town, factory):
    from workers.aggregation.dispatch import sweep_dirty

    other = factory.town()
    settled(app, town, other)
    with app.app_context():
        for town_id, since in ((town.id, utcnow() - timedelta(minutes=5)), (other.id, utcnow())):
            db.session.execute(update(TownPeriod).where(TownPeriod.town_id == town_id, TownPeriod.period == "202603")
                               .values(dirty_since=since, change_count=TownPeriod.change_count + 1))
        db.session.commit()
        assert sweep_dirty() == 1 and sweep_dirty() == 0
        prefix = app.config["RENKOU_SETTINGS"].redis_prefix
        assert aggregation_queue(app).get_job_ids() == [f"{prefix}-aggregate-{town.code}"]


def test_county_value_is_the_sum_of_numerators_over_the_sum_of_denominators(app, factory):
    towns = [factory.town() for _ in range(3)]
    settled(app, *towns)
    for town, (boys, girls) in zip(towns, [(3, 1), (1, 1), (0, 2)], strict=True):
        for _ in range(boys):
            record_birth(app, town, "M")
        for _ in range(girls):
            record_birth(app, town, "F")
    run_worker(app)
    with app.app_context():
        numerator, denominator = db.session.execute(
            select(func.sum(IndicatorValue.numerator), func.sum(IndicatorValue.denominator))
            .where(IndicatorValue.indicator == "srb", IndicatorValue.period == "202602")).one()
    # 4 boys, 4 girls: 100, where the average of the towns' rates (300, 100, 0) would say 133.33.
    assert catalog.get("srb").value(numerator, denominator) == Decimal("100.00")


def _work_until_killed(app) -> None:
    """A forked child running a real worker that runs jobs in its own process, as `renkou worker
    aggregation` does. The parent bound the app, so the job runtime drops the inherited connection pools."""
    with app.app_context():
        queue = jobs.get_queue("aggregation")
        SimpleWorker([queue], connection=queue.connection).work(burst=True)


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_worker_killed_mid_job_is_run_again_with_the_same_values_and_no_duplicates(app, town, pg_url):
    import psycopg

    settled(app, town)
    record_birth(app, town)
    run_worker(app)  # binds the app in this process
    record_birth(app, town, "F")  # queues the month again; its values must change from 1:0 to 1:1
    # Hold the town's stored values so the job blocks in the middle, with its transaction open.
    dsn = pg_url.replace("postgresql+psycopg://", "postgresql://")
    holder = psycopg.connect(dsn)
    holder.execute("SELECT 1 FROM shared.indicator_values WHERE town_id = %s FOR UPDATE", (town.id,))
    context = multiprocessing.get_context("fork")
    worker = context.Process(target=_work_until_killed, args=(app,))
    worker.start()
    try:
        _wait_for_blocked_job(dsn)
    finally:
        kill_with_descendants(worker.pid)  # the worker and its work horse, blocked inside the job
        worker.join()
        holder.rollback()
        holder.close()
    queue = aggregation_queue(app)
    with app.app_context():
        started = queue.started_job_registry
        assert started.get_job_ids(), "the killed job is left started"
        # RQ fails a started job once its heartbeat lapses (for a worker without a work horse: the job's
        # timeout and a minute, 6 minutes); move the clock on instead of waiting.
        started.cleanup(timestamp=time.time() + 3600)
    run_worker(app)
    # The killed job was the town's one job, computing every period the birth moved (2025Oct among them).
    assert value(app, town, "srb", "2025Oct") == (Decimal(1), Decimal(1))
    assert value(app, town, "srb", "202602") == (Decimal(1), Decimal(1))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IndicatorValue).where(
            IndicatorValue.town_id == town.id, IndicatorValue.period == "2025Oct")) == len(
            catalog.applying_to(periods.STAT_YEAR))
        assert db.session.scalar(select(func.count()).where(TownPeriod.dirty_since.is_not(None))) == 0


def _wait_for_blocked_job(dsn: str) -> None:
    import psycopg

    # Its own autocommit connection: pg_stat_activity is a snapshot frozen for a transaction's length.
    with psycopg.connect(dsn, autocommit=True) as watcher:
        for _ in range(200):
            if _lock_waits(watcher):
                return
            time.sleep(0.05)
    raise AssertionError("the job never reached the held rows")


def _lock_waits(watcher) -> int:
    return watcher.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                           "AND datname = current_database()").fetchone()[0]


def test_the_job_id_names_the_town(app, town):
    assert freshness.job_id(town.code) == f"aggregate-{town.code}"
    assert freshness.job_id(town.code, full=True) == f"aggregate-{town.code}-full"
    settled(app, town)
    record_birth(app, town)
    with app.app_context():
        job = Job.fetch(aggregation_queue(app).get_job_ids()[0], connection=aggregation_queue(app).connection)
        assert job.args[0] == town.code and all(periods.parse(period_id) for period_id in job.args[1])


def test_a_full_recompute_computes_the_whole_window_in_one_job_per_town(app, factory):
    from workers.aggregation.dispatch import full_recompute, recompute_window

    towns = [factory.town() for _ in range(2)]
    settled(app, *towns)
    record_birth(app, towns[0], day=date(2026, 2, 3))
    run_worker(app)
    with app.app_context():
        slot = datetime(2026, 11, 28, 4, tzinfo=UTC)
        window = recompute_window(date(2026, 11, 28), 10)
        assert full_recompute(slot) == len(towns)
    run_worker(app)
    with app.app_context():
        stored = dict(db.session.execute(
            select(IndicatorValue.town_id, func.count(IndicatorValue.id))
            .where(IndicatorValue.period.in_([p.id for p in window])).group_by(IndicatorValue.town_id)).all())
        expected = sum(len(catalog.applying_to(p.kind)) for p in window)
        assert stored == {town.id: expected for town in towns}
        assert db.session.scalar(select(func.count()).where(TownPeriod.dirty_since.is_not(None))) == 0
    assert value(app, towns[0], "srb", "2026") == (Decimal(1), Decimal(0))
    assert value(app, towns[1], "srb", "2026") == (Decimal(0), Decimal(0))
