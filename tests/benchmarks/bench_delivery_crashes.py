"""Deliveries to the bureau under repeated worker crashes (issue #10): R rounds, each a new revision of a
monthly report, each killed with SIGKILL before the POST, during it and after the bureau stored it, and
recovered only as production recovers (a worker started in the dead one's place, the minutely sweep).

On its own PostgreSQL database and Redis key prefix, with a stand-in bureau on loopback, the script builds
one town with approved figures for July 2026, then per round: sends the revision (a correction of the last
one after the first round), runs tests/delivery_crashes.deliver_through_crashes, and counts

- duplicates: submissions the bureau stored more than once (times_stored of an idempotency key > 1);
- stuck: revisions not accepted at the end of their round;
- unrecorded: requests the bureau received whose message id is no attempt on record;

and times, per round, each recovery: from the start of the worker put in the dead one's place (the
takeover of the dead worker's job, the sweep) to the next request at the bureau or the claim of the job,
and the whole round. Prints JSON (the counts, p50/p95/max of the recoveries and rounds, the machine).

    .venv/bin/python tests/benchmarks/bench_delivery_crashes.py --rounds 20
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform as host
import shutil
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]

from sqlalchemy import update  # noqa: E402

from renkou.crypto.keys import generate_master_key  # noqa: E402
from renkou.extensions import db  # noqa: E402
from tests import delivery_crashes  # noqa: E402
from tests.conftest import COUNTY_CODE, Factory, build_app, make_settings  # noqa: E402
from workers.exchange.standin_bureau import StandinBureau  # noqa: E402

ADMIN_URL = os.environ.get("RENKOU_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("RENKOU_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
SECRET = "bench-bureau-secret"
ADMIN = "county_boss"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    # The workers log to stdout; the JSON alone goes there, everything else to stderr.
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    name = f"renkou_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    data_dir = Path(f"/tmp/{name}")
    bureau = StandinBureau(SECRET, org_unit=COUNTY_CODE).start()
    base = ADMIN_URL.rsplit("/", 1)[0]
    try:
        settings = dataclasses.replace(
            make_settings("postgresql", data_dir, base.replace("postgresql://", "postgresql+psycopg://") + f"/{name}",
                          REDIS_URL),
            redis_prefix=name, master_key=generate_master_key(), bureau_url=bureau.url, bureau_secret=SECRET,
            bureau_retry_intervals=(0, 0, 0), bureau_timeout_seconds=300)
        app = build_app(settings)
        result = run(app, bureau, args.rounds, f"{base}/{name}")
        result["machine"] = {"cpus": os.cpu_count(), "python": host.python_version(), "system": host.platform()}
        print(json.dumps(result, indent=2), file=out, flush=True)
    finally:
        bureau.stop()
        keys = list(redis.Redis.from_url(REDIS_URL).scan_iter(f"*{name}*"))
        if keys:
            redis.Redis.from_url(REDIS_URL).delete(*keys)
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(data_dir, ignore_errors=True)


def prepare(app) -> int:
    """One town that joined in 2025, two births in July 2026, the month approved; revision 1 built."""
    from renkou.accounts.services import find_user
    from renkou.submissions import services
    from renkou.tenancy.models import Town
    from tests.test_submissions import approve, record_birth

    factory = Factory(app)
    factory.user(ADMIN, "county_admin")
    town = factory.town()
    with app.app_context():
        db.session.execute(update(Town).values(created_at=datetime(2025, 1, 1, tzinfo=UTC)))
        db.session.commit()
    record_birth(app, town, "M", date(2026, 7, 10))
    record_birth(app, town, "F", date(2026, 7, 20))
    approve(app, town, ["202607"])
    with app.app_context():
        submission = services.build("monthly", "202607", find_user(ADMIN))
        db.session.commit()
        return submission.id


def next_revision(app, submission_id: int, round_no: int) -> int:
    from renkou.accounts.services import find_user
    from renkou.submissions import services

    with app.app_context():
        corrected = services.correct(services.get(submission_id), f"round {round_no}", find_user(ADMIN))
        db.session.commit()
        return corrected.id


def send(app, submission_id: int) -> str:
    from renkou.accounts.services import find_user
    from renkou.submissions import services

    with app.app_context():
        submission = services.send(services.get(submission_id), find_user(ADMIN))
        db.session.commit()
        return submission.idempotency_key


def run(app, bureau, rounds: int, dsn: str) -> dict:
    from renkou.submissions.models import Submission

    recoveries: list[float] = []
    round_seconds: list[float] = []
    restart = delivery_crashes.restart

    def timed_restart(app_):
        """The restart, and how long until the delivery moves again (a request or a claim)."""
        requests_before = len(bureau.received)
        started = time.monotonic()
        worker = restart(app_)
        timed_restart.pending = (started, requests_before)
        return worker

    timed_restart.pending = None
    delivery_crashes.restart = timed_restart
    original_wait = delivery_crashes.wait_for

    def wait_and_time(condition, what):
        original_wait(condition, what)
        if timed_restart.pending is not None:
            recoveries.append(time.monotonic() - timed_restart.pending[0])
            timed_restart.pending = None

    delivery_crashes.wait_for = wait_and_time
    submission_id = prepare(app)
    duplicates = stuck = unrecorded = 0
    for round_no in range(1, rounds + 1):
        if round_no > 1:
            submission_id = next_revision(app, submission_id, round_no)
        timed_restart.pending = None
        began = time.monotonic()
        key = send(app, submission_id)
        delivery_crashes.deliver_through_crashes(app, bureau, submission_id, dsn)
        round_seconds.append(time.monotonic() - began)
        with app.app_context():
            submission = db.session.get(Submission, submission_id)
            attempts = {attempt.message_id for attempt in submission.attempts}
            state = submission.state
            db.session.remove()
        duplicates += bureau.times_stored(key) > 1
        stuck += state != "accepted"
        unrecorded += len({entry["message_id"] for entry in bureau.requests_for(key)} - attempts)
        print(f"round {round_no}: {state}, stored {bureau.times_stored(key)}x, "
              f"{round_seconds[-1]:.1f} s", file=sys.stderr)
    return {"rounds": rounds, "kills": rounds * len(delivery_crashes.STEPS), "duplicates": duplicates,
            "stuck": stuck, "unrecorded_requests": unrecorded,
            "recovery_seconds": _spread(recoveries), "round_seconds": _spread(round_seconds)}


def _spread(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"n": len(ordered), "p50": round(statistics.median(ordered), 2),
            "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2), "max": round(ordered[-1], 2)}


if __name__ == "__main__":
    main()
