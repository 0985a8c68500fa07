"""Schedules: due slots in the county's time, one run per slot however many ticks, `renkou cron`.

The machinery is tested with a probe schedule whose dispatcher (below) queues one job with a fixed id
per slot; the default schedules are set aside for those tests (the list is open by design) so that
what the probe queues is all there is in the queues.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rq import Worker
from sqlalchemy import select

from renkou import jobs
from renkou.extensions import db
from renkou.scheduling import registry
from renkou.scheduling import services as schedules
from renkou.scheduling.models import ScheduleRun
from renkou.scheduling.registry import Schedule
from workers import schedules as schedule_jobs

ROOT = Path(__file__).resolve().parents[1]
# 10:31:20 on 1 March 2026 in the county (Asia/Shanghai, UTC+8).
NOW = datetime(2026, 3, 1, 2, 31, 20, tzinfo=UTC)


# ---------------------------------------------------------------------------------------------------------
# Probe dispatchers (imported by dotted path, like the real ones)


def enqueue_probe(slot: datetime) -> int:
    jobs.enqueue_after_commit("default", "tests.test_schedules.probe_job", slot.isoformat(),
                              job_id=f"probe-{slot:%Y%m%d%H%M}")
    return 1


def failing_probe(slot: datetime) -> int:
    jobs.enqueue_after_commit("default", "tests.test_schedules.probe_job", slot.isoformat(), job_id="never")
    raise RuntimeError("the probe dispatcher broke (test)")


def probe_job(slot_iso: str) -> str:
    return slot_iso


def probe(cron: str = "* * * * *", dispatcher: str = "tests.test_schedules.enqueue_probe") -> Schedule:
    return Schedule("probe", cron, dispatcher, "default", "probe schedule")


@pytest.fixture
def only(monkeypatch):
    """Make ``schedules`` the whole registry for this test."""

    def use(*schedules_: Schedule) -> None:
        monkeypatch.setattr(registry, "SCHEDULES", list(schedules_))

    return use


@pytest.fixture
def ticking(app):
    jobs.bind_app(app)

    def tick(now: datetime = NOW) -> dict:
        with app.app_context():
            return schedule_jobs.tick(now)

    return tick


def runs(app) -> list[ScheduleRun]:
    with app.app_context():
        found = list(db.session.scalars(select(ScheduleRun).order_by(ScheduleRun.slot)))
        db.session.expunge_all()
        return found


def queued_ids(app) -> list[str]:
    with app.app_context():
        return jobs.get_queue("default").get_job_ids()


# ---------------------------------------------------------------------------------------------------------
# The registry and cron strings


def test_default_schedules_are_registered_with_their_dispatchers():
    names = {schedule.name: schedule for schedule in registry.SCHEDULES}
    assert names["nightly_recompute"].local_cron == "30 2 * * *"
    assert names["nightly_recompute"].dispatcher == "workers.aggregation.dispatch.full_recompute"
    assert names["dirty_sweep"].local_cron == "* * * * *"
    assert names["dirty_sweep"].dispatcher == "workers.aggregation.dispatch.sweep_dirty"
    for schedule in registry.SCHEDULES:
        assert callable(schedule_jobs.resolve(schedule.dispatcher)), schedule.dispatcher


def test_the_registry_is_open_and_checks_what_it_is_given(monkeypatch):
    monkeypatch.setattr(registry, "SCHEDULES", list(registry.SCHEDULES))
    registry.register(probe())
    assert registry.find("probe") == probe()
    registry.register(probe())  # the same module imported twice
    assert [s.name for s in registry.SCHEDULES].count("probe") == 1
    with pytest.raises(ValueError, match="already called probe"):
        registry.register(probe("0 * * * *"))
    with pytest.raises(ValueError, match="cron"):
        Schedule("bad", "61 * * * *", "x.y", "default", "")
    with pytest.raises(ValueError, match="queue kind"):
        Schedule("bad", "* * * * *", "x.y", "nowhere", "")


@pytest.mark.parametrize("cron, valid", [
    ("30 2 * * *", True), ("*/5 * * * *", True), ("0 3 1 * *", True), ("0 8 * * 1-5", True),
    ("61 * * * *", False), ("* * *", False), ("*/5 * * * * *", False), ("@daily", False),
    ("0 0 31 2 *", False), ("每天 两点", False), ("", False),
])
def test_cron_strings_have_five_fields_and_come_round(cron, valid):
    assert registry.is_valid_cron(cron) is valid


def test_slots_are_in_the_county_time_zone(app):
    with app.app_context():
        # 02:30 in the county is 18:30 UTC the day before.
        assert schedules.latest_due_slot("30 2 * * *", NOW) == datetime(2026, 2, 28, 18, 30, tzinfo=UTC)
        assert schedules.next_slot("30 2 * * *", NOW) == datetime(2026, 3, 1, 18, 30, tzinfo=UTC)
        assert schedules.next_slot("30 2 * * *", NOW).utcoffset() == timedelta(hours=8)
        # At 02:30:00.000 exactly, the 02:30 slot is due (not the day before's).
        on_the_minute = datetime(2026, 3, 1, 18, 30, tzinfo=UTC)
        assert schedules.latest_due_slot("30 2 * * *", on_the_minute) == on_the_minute


# ---------------------------------------------------------------------------------------------------------
# The tick


def test_two_ticks_in_the_same_minute_run_the_slot_once(app, only, ticking):
    only(probe())
    assert ticking(NOW) == {"probe": 1}
    assert ticking(NOW + timedelta(seconds=30)) == {}
    assert queued_ids(app) == [f"{app.config['RENKOU_SETTINGS'].redis_prefix}-probe-202603011031"]
    [run] = runs(app)
    assert run.name == "probe" and run.slot == datetime(2026, 3, 1, 2, 31, tzinfo=UTC)
    assert run.enqueued == 1 and run.error is None and run.finished_at is not None


def test_a_second_claim_of_a_slot_gets_nothing(app):
    slot = datetime(2026, 3, 1, 2, 31, tzinfo=UTC)
    with app.app_context():
        first = schedules.claim_slot("probe", slot, NOW)
        assert first is not None
        assert schedules.claim_slot("probe", slot, NOW) is None  # a second tick or cron process
        # Still unfinished ten minutes on: its tick was killed, so the slot may be taken over, once.
        later = NOW + schedules.STALE_CLAIM + timedelta(seconds=1)
        taken = schedules.claim_slot("probe", slot, later)
        assert taken is not None and taken.id == first.id and taken.started_at == later
        assert schedules.claim_slot("probe", slot, later) is None


def test_missed_slots_are_not_replayed_only_the_latest_runs(app, only, ticking):
    only(probe())
    ticking(NOW)
    assert ticking(NOW + timedelta(minutes=5)) == {"probe": 1}  # four slots missed, one run
    assert [run.slot.minute for run in runs(app)] == [31, 36]
    assert len(queued_ids(app)) == 2


def test_a_slot_more_than_a_day_old_is_skipped(app, only, ticking):
    only(probe("0 3 1 * *"))  # 03:00 on the 1st of the month, county time
    assert ticking(datetime(2026, 3, 2, 19, 0, tzinfo=UTC)) == {}  # the 3rd, 03:00: two days late
    assert runs(app) == []
    assert ticking(datetime(2026, 3, 31, 19, 30, tzinfo=UTC)) == {"probe": 1}  # 1 April, 03:30: on time
    assert runs(app)[0].slot == datetime(2026, 3, 31, 19, 0, tzinfo=UTC)


def test_the_county_switches_schedules_off_and_changes_them(app, only, ticking, factory):
    only(probe())
    factory.user("bureau_admin", "county_admin")
    from renkou.accounts.services import find_user

    with app.app_context():
        schedules.update_schedule("probe", "0 * * * *", False, actor=find_user("bureau_admin"))
        db.session.commit()
    assert ticking(NOW) == {}
    with app.app_context():
        schedules.update_schedule("probe", "0 * * * *", True, actor=find_user("bureau_admin"))
        db.session.commit()
    assert ticking(NOW) == {"probe": 1}
    assert runs(app)[0].slot == datetime(2026, 3, 1, 2, 0, tzinfo=UTC)  # 10:00, the hour's slot


def test_a_failing_dispatcher_is_recorded_and_queues_nothing(app, only, ticking):
    only(probe(dispatcher="tests.test_schedules.failing_probe"))
    assert ticking(NOW) == {"probe": "error"}
    [run] = runs(app)
    assert "the probe dispatcher broke (test)" in run.error and run.enqueued is None and run.finished_at
    assert queued_ids(app) == []  # its enqueue waited for a commit that never came
    assert ticking(NOW) == {}  # the slot is done with, failed or not; the next slot runs


def test_old_runs_are_pruned(app, only, ticking):
    only(probe())
    ticking(NOW)
    later = NOW + schedules.RUN_RETENTION + timedelta(minutes=1)
    ticking(later)
    assert [run.slot for run in runs(app)] == [later.replace(second=0)]  # the first run is gone


def test_the_real_dispatchers_run_from_the_tick(app, ticking, factory):
    """The default schedules with the aggregation and import dispatchers: a town, nothing dirty."""
    factory.town()
    outcome = ticking(NOW)
    assert set(outcome) == {"nightly_recompute", "dirty_sweep", "import_sweep"}
    assert all(isinstance(value, int) for value in outcome.values()), runs(app)
    assert {run.name for run in runs(app) if run.error is None} == {"nightly_recompute", "dirty_sweep",
                                                                     "import_sweep"}


# ---------------------------------------------------------------------------------------------------------
# renkou cron


def test_renkou_cron_enqueues_the_tick_which_a_worker_runs(app, only):
    # Daily, two hours ago: the ticks below (on the real clock) all see the same latest slot.
    two_hours_ago = datetime.now(UTC) + timedelta(hours=8 - 2)
    only(probe(f"{two_hours_ago.minute} {two_hours_ago.hour} * * *"))
    result = app.test_cli_runner().invoke(args=["cron", "--help"])
    assert result.exit_code == 0 and "exactly one" in result.output
    with app.app_context():
        queue = jobs.get_queue("default")
        scheduler = schedule_jobs.cron_scheduler(queue.connection, queue.name)
        [tick_job] = scheduler.get_jobs()
        assert (tick_job.func_name, tick_job.cron, tick_job.queue_name) == \
               ("workers.schedules.tick", "* * * * *", queue.name)
        tick_job.enqueue(queue.connection)
        tick_job.enqueue(queue.connection)  # a second cron process
        jobs.bind_app(app)
        Worker([queue], connection=queue.connection).work(burst=True)
        assert queue.failed_job_registry.get_job_ids() == []
        assert queue.count == 0  # the probe's own job ran too
    # The tick ran twice, the probe's slot once.
    [run] = runs(app)
    assert run.enqueued == 1 and run.error is None


def _command_env(app) -> dict[str, str]:
    settings = app.config["RENKOU_SETTINGS"]
    env = {key: value for key, value in os.environ.items() if not key.startswith("RENKOU_")}
    env.update(RENKOU_DATA_DIR=str(settings.data_dir), RENKOU_REDIS_URL=settings.redis_url,
               RENKOU_REDIS_PREFIX=settings.redis_prefix, RENKOU_SECRET_KEY=settings.secret_key,
               PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "platform")]))
    if settings.database_url:
        env["RENKOU_DATABASE_URL"] = settings.database_url
    return env


def test_renkou_cron_runs_until_stopped(app, tmp_path):
    """The real command: it enqueues a tick as it starts, shows as alive, and stops on SIGTERM."""
    from renkou.scheduling import monitor

    log_path = tmp_path / "cron.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-c", "from renkou.cli import main; main()", "cron"],
                                   env=_command_env(app), stdout=log, stderr=subprocess.STDOUT)
    try:
        with app.app_context():
            queue = jobs.get_queue("default")
            deadline = time.monotonic() + 60
            while not (queue.count and monitor.cron_schedulers() == 1):
                assert process.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, f"no tick was enqueued:\n{log_path.read_text()}"
                time.sleep(0.1)
            assert queue.jobs[0].func_name == "workers.schedules.tick"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert process.returncode == 0, log_path.read_text()
    with app.app_context():
        assert monitor.cron_schedulers() == 0  # it unregistered itself
