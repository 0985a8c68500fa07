"""Cross-town aggregation at county size (issues #5, #12): a county of N towns × P people, the time of a
full recomputation of every town's indicators, and of the incremental one after a change in one town, as
a ratio to the hand-written SQL the work amounts to.

On its own PostgreSQL database and its own Redis key prefix, the script:

1. onboards N towns (renkou.tenancy.services.onboard_town) and fills each with registers of P people
   (tests/benchmarks/county_data.py: bulk Core inserts in a town session; minutes for 600,000 people);
2. settles the county before measuring: loading queued recomputations and marked periods dirty (the
   villages are made through the network service, whose commit the freshness hooks see; the bulk rows
   are not), so the aggregation queue and shared.town_periods are emptied, and ANALYZE refreshes the
   planner statistics as autovacuum would after a load;
3. the yardstick: HAND_SQL, one statement (UNION ALL over the town schemas) giving 6 of the 13
   indicators (sex ratio at birth, birth rate, natural increase, registration rate, notice timeliness,
   funding per head) for every period of the window, run twice (the second run is timed: warm cache);
4. full recomputation: workers.aggregation.dispatch.full_recompute() queues one job per active town for
   every period of the window, then W `renkou worker aggregation --burst` processes (RQ SimpleWorkers:
   no fork per job), already started and waiting as in production, run them; timed from the queueing
   until every town's periods are computed and nothing is queued, running, scheduled or failed. Per-job
   times come from shared.town_periods.compute_ms (formulas, storing and checks). The
   stored figures of the 6 indicators are compared with the hand SQL's, which must match exactly;
5. incremental: W workers wait on the queue, as in production (a worker's start, seconds of imports,
   would otherwise be most of the figure); one birth is recorded in the first town through
   tenants.births.services.births.create_birth in a town session, with aggregation_delay_seconds=0: the
   commit marks the periods the birth moves and queues the town's job; timed from the commit until the
   queue is empty, nothing runs and the town's marks are clean.

Prints JSON: the figures, the rows generated, the county's figures for the last full calendar year (a
sanity check: sex ratio at birth near 105, birth rate near 10 ‰) and the machine.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform as host
import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]

from renkou import jobs  # noqa: E402
from renkou.app import create_app  # noqa: E402
from renkou.config import Settings  # noqa: E402
from renkou.crypto.keys import generate_master_key  # noqa: E402
from renkou.extensions import db  # noqa: E402
from renkou.migrations.runner import upgrade_shared  # noqa: E402

ADMIN_URL = os.environ.get("RENKOU_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("RENKOU_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
PASSWORD = "Bench-password-1"
DRAIN_TIMEOUT = timedelta(hours=2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--towns", type=int, default=30)
    parser.add_argument("--people", type=int, default=20_000, help="people on each town's register")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="worker processes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards, to EXPLAIN queries")
    args = parser.parse_args()
    if not 1 <= args.towns <= 199:
        parser.error("--towns must be 1 to 199 (township codes 101–299)")
    name = f"renkou_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        print(json.dumps(run(name, args), indent=2, ensure_ascii=False))
    finally:
        if args.keep:
            print(f"kept database {name} (Redis prefix {name} on {REDIS_URL}, files in /tmp/{name})")
        else:
            connection = redis.Redis.from_url(REDIS_URL)
            for key in connection.scan_iter(f"*{name}*", count=1000):
                connection.delete(key)
            with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            shutil.rmtree(f"/tmp/{name}", ignore_errors=True)


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run(database: str, args) -> dict:
    base = ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    settings = Settings(database_url=f"{base}/{database}", data_dir=Path(f"/tmp/{database}"), redis_url=REDIS_URL,
                        redis_prefix=database, secret_key="bench", master_key=generate_master_key(),
                        secure_cookies=False, aggregation_delay_seconds=0)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(settings)
    result: dict = {"machine": machine(app), "towns": args.towns, "people_per_town": args.people,
                    "workers": args.workers}
    with app.app_context():
        upgrade_shared(db.engine)
    started = time.perf_counter()
    towns = onboard(app, args.towns)
    result["onboarding_seconds"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    rows, facts = load(app, towns, args.people, args.seed)
    seconds = time.perf_counter() - started
    result["load"] = {"seconds": round(seconds, 1), "rows": sum(rows.values()),
                      "rows_per_second": round(sum(rows.values()) / seconds)}
    result["rows"] = dict(sorted(rows.items()))
    result["generated"] = dict(facts)
    settle(app)
    environment = worker_environment(settings)
    result["worker_start_seconds"] = idle_workers(environment, args.workers, settings.data_dir)
    hand = hand_sql(app)
    result["hand_sql"] = {key: value for key, value in hand.items() if key != "figures"}
    result["full_recompute"] = full_recompute(app, environment, args.workers, settings.data_dir)
    full = result["full_recompute"]
    full["jobs_per_town"] = full["jobs"] / args.towns
    full["ratio_to_hand_sql"] = round(full["wall_seconds"] / hand["seconds"], 2)
    full["matches_hand_sql"] = stored_figures(app) == hand["figures"]
    result["incremental"] = incremental(app, environment, args.workers, settings.data_dir, towns[0])
    result["county_figures"] = county_figures(app)
    return result


# ---------------------------------------------------------------------------------------------------------
# The county


def town_code(county: str, number: int) -> str:
    """Towns 101–199, then townships 200–299 (renkou.tenancy.codes)."""
    part = 101 + number if number < 99 else 200 + number - 99
    return f"{county}{part:03d}"


def onboard(app, count: int) -> list[int]:
    from renkou.tenancy.services import onboard_town

    ids = []
    with app.app_context():
        county = app.config["RENKOU_SETTINGS"].county_code
        for number in range(count):
            town = onboard_town(code=town_code(county, number), name=f"第{number + 1}镇", slug=f"town{number + 1:03d}",
                                admin_username=f"bench_admin_{number + 1}", admin_password=PASSWORD)
            db.session.commit()
            ids.append(town.id)
    progress(f"{count} towns onboarded")
    return ids


def load(app, town_ids: list[int], people: int, seed: int) -> tuple[Counter, Counter]:
    from renkou.tenancy.context import town_session
    from renkou.tenancy.models import Town
    from renkou.timezone import local
    from renkou.types import utcnow
    from tests.benchmarks.county_data import IdNumbers, TownFiller
    from workers.aggregation.dispatch import recompute_window

    settings = app.config["RENKOU_SETTINGS"]
    with app.app_context():
        today = local(utcnow()).date()
    since = min(period.start for period in recompute_window(today, settings.stat_year_start_month))
    id_numbers = IdNumbers(settings.county_code)
    rows: Counter = Counter()
    facts: Counter = Counter()
    for number, town_id in enumerate(town_ids):
        started = time.perf_counter()
        with app.app_context():
            town = db.session.get(Town, town_id)
            with town_session(town):
                filler = TownFiller(town.code, people, today, since, random.Random(seed * 1000 + number), id_numbers)
                rows += filler.fill()
                facts += filler.facts
        progress(f"town {number + 1}/{len(town_ids)} filled in {time.perf_counter() - started:.1f}s")
    return rows, facts


def settle(app) -> None:
    """Forget what loading queued and marked, and refresh the planner statistics."""
    from sqlalchemy import delete

    from renkou.indicators.models import IndicatorValue, TownPeriod, ValidationFlag

    with app.app_context():
        queue = jobs.get_queue("aggregation")
        queue.empty()
        for registry in (queue.scheduled_job_registry, queue.started_job_registry, queue.failed_job_registry,
                         queue.finished_job_registry, queue.deferred_job_registry, queue.canceled_job_registry):
            for job_id in registry.get_job_ids():
                registry.remove(job_id, delete_job=True)
        for model in (TownPeriod, IndicatorValue, ValidationFlag):
            db.session.execute(delete(model))
        db.session.commit()
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    progress("queue and marks cleared, statistics refreshed")


# ---------------------------------------------------------------------------------------------------------
# Workers


def worker_environment(settings: Settings) -> dict[str, str]:
    """The environment that gives `renkou worker` the same installation as this process."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("RENKOU_")}
    environment.update(RENKOU_DATABASE_URL=settings.database_url, RENKOU_REDIS_URL=settings.redis_url,
                       RENKOU_REDIS_PREFIX=settings.redis_prefix, RENKOU_SECRET_KEY=settings.secret_key,
                       RENKOU_MASTER_KEY=settings.master_key, RENKOU_DATA_DIR=str(settings.data_dir),
                       RENKOU_SECURE_COOKIES="0", RENKOU_AGGREGATION_DELAY_SECONDS="0")
    return environment


def renkou_worker(burst: bool) -> list[str]:
    """`renkou worker aggregation [--burst]`: a SimpleWorker, which runs each job in its own process."""
    script = Path(sys.executable).with_name("renkou")
    command = [str(script)] if script.exists() else [sys.executable, "-c", "from renkou.cli import main; main()"]
    return [*command, "worker", "aggregation", *(["--burst"] if burst else [])]


def start_workers(environment: dict, count: int, folder: Path, command: list[str]) -> list[subprocess.Popen]:
    processes = []
    for number in range(count):
        log = open(folder / f"worker-{number}.log", "ab")  # noqa: SIM115
        processes.append(subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT))
        log.close()  # the child holds its own copy
    return processes


def wait_for_exit(processes: list[subprocess.Popen], folder: Path) -> None:
    for process in processes:
        code = process.wait(timeout=DRAIN_TIMEOUT.total_seconds())
        if code != 0:
            raise RuntimeError(f"a worker exited with {code}; see the logs in {folder}")


def stop_workers(processes: list[subprocess.Popen]) -> None:
    """Warm shutdown (SIGTERM lets a job in progress finish), then a kill for any that hangs."""
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def idle_workers(environment: dict, count: int, folder: Path) -> float:
    """Seconds for burst workers to start and leave on an empty queue: their fixed cost."""
    started = time.perf_counter()
    wait_for_exit(start_workers(environment, count, folder, renkou_worker(burst=True)), folder)
    return round(time.perf_counter() - started, 2)


def pending(queue) -> dict[str, int]:
    return {"queued": queue.count, "running": len(queue.started_job_registry.get_job_ids()),
            "scheduled": len(queue.scheduled_job_registry.get_job_ids()),
            "failed": len(queue.failed_job_registry.get_job_ids())}


def check_failures(queue) -> None:
    from rq.job import Job

    failed = queue.failed_job_registry.get_job_ids()
    if failed:
        job = Job.fetch(failed[0], connection=queue.connection)
        raise RuntimeError(f"{len(failed)} recomputations failed; the first: {job.id}\n{job.latest_result()}")


# ---------------------------------------------------------------------------------------------------------
# Measurements


def full_recompute(app, environment: dict, workers: int, folder: Path) -> dict:
    from sqlalchemy import func, select

    from renkou.indicators.models import TownPeriod
    from renkou.timezone import local
    from renkou.types import utcnow
    from workers.aggregation.dispatch import full_recompute as queue_everything
    from workers.aggregation.dispatch import recompute_window

    processes = start_workers(environment, workers, folder, renkou_worker(burst=False))
    try:
        with app.app_context():
            queue = jobs.get_queue("aggregation")
            wait_until(lambda: len(_workers_on(queue)) >= workers, timedelta(minutes=5), "the workers to start")
            label = "full recomputation"
            progress(f"{label}: queueing")
            started, since = time.perf_counter(), utcnow()
            queued = queue_everything()
            enqueued = time.perf_counter()

            expected = queued * len(recompute_window(local(utcnow()).date(),
                                                      app.config["RENKOU_SETTINGS"].stat_year_start_month))

            def drained() -> bool:
                check_failures(queue)
                db.session.rollback()  # a new snapshot each time
                computed = db.session.scalar(select(func.count()).select_from(TownPeriod)
                                             .where(TownPeriod.computed_at >= since))
                return computed == expected and not any(pending(queue).values())

            wait_until(drained, DRAIN_TIMEOUT, "the queue to drain", interval=0.005)
            finished = time.perf_counter()
    finally:
        stop_workers(processes)
    with app.app_context():
        rows = db.session.execute(select(TownPeriod.town_id, func.max(TownPeriod.compute_ms))
                                  .where(TownPeriod.computed_at >= since).group_by(TownPeriod.town_id)).all()
        periods = db.session.scalar(select(func.count()).select_from(TownPeriod)
                                    .where(TownPeriod.computed_at >= since))
    if len(rows) != queued:
        raise RuntimeError(f"{queued} jobs queued but {len(rows)} towns computed")
    wall = finished - started
    times = sorted(ms for _town, ms in rows)  # a job's time is stored on each period it computed
    progress(f"{label}: {queued} jobs ({periods} town periods) in {wall:.1f}s")
    return {"jobs": queued, "town_periods": periods, "wall_seconds": round(wall, 2),
            "enqueue_seconds": round(enqueued - started, 2),
            "job_compute_ms": {"p50": percentile(times, 50), "p95": percentile(times, 95), "max": times[-1],
                               "mean": round(sum(times) / len(times), 1)}}


def incremental(app, environment: dict, workers: int, folder: Path, town_id: int) -> dict:
    from sqlalchemy import func, select

    from renkou.indicators import freshness
    from renkou.indicators.models import IndicatorValue, TownPeriod
    from renkou.tenancy.context import town_session
    from renkou.tenancy.models import Town
    from renkou.timezone import local
    from renkou.types import utcnow
    from tenants.births.services import births
    from tenants.registry.models import Person

    processes = start_workers(environment, workers, folder, renkou_worker(burst=False))
    try:
        with app.app_context():
            queue = jobs.get_queue("aggregation")
            wait_until(lambda: len(_workers_on(queue)) >= workers, timedelta(minutes=2), "the workers to start")
            settings = app.config["RENKOU_SETTINGS"]
            town = db.session.get(Town, town_id)
            code = town.code
            born_at = utcnow() - timedelta(hours=3)
            today = local(utcnow()).date()
            moved = sorted(p.id for p in freshness.periods_moved_by({local(born_at).date()}, today,
                                                                    settings.stat_year_start_month))
            month = next(p for p in moved if p.isdigit() and len(p) == 6)

            def births_counted():
                return db.session.scalar(select(IndicatorValue.numerator).where(
                    IndicatorValue.town_id == town_id, IndicatorValue.indicator == "birth_rate",
                    IndicatorValue.period == month))

            before = births_counted()
            db.session.rollback()
            with town_session(db.session.get(Town, town_id)):
                lowest, highest = today - timedelta(days=40 * 365), today - timedelta(days=22 * 365)
                mother = db.session.scalar(select(Person.id).where(
                    Person.sex == "F", Person.marital_status == "married", Person.status == "resident",
                    Person.birth_date.between(lowest, highest)).order_by(Person.id).limit(1))
            town = db.session.get(Town, town_id)
            progress(f"incremental: recording a birth in town {code}")
            started = time.perf_counter()
            with town_session(town):
                births.create_birth({"mother_id": mother, "born_at": born_at, "sex": "F", "place_type": "hospital"})
            committed = time.perf_counter()

            def fresh() -> bool:
                check_failures(queue)
                db.session.rollback()  # a new snapshot each time
                dirty = db.session.scalar(select(func.count()).select_from(TownPeriod).where(
                    TownPeriod.town_id == town_id, TownPeriod.dirty_since.is_not(None)))
                return dirty == 0 and not any(pending(queue).values())

            wait_until(fresh, DRAIN_TIMEOUT, "the town's figures to be fresh", interval=0.005)
            done = time.perf_counter()
            check_failures(queue)
            after = births_counted()
            times = dict(db.session.execute(select(TownPeriod.period, TownPeriod.compute_ms).where(
                TownPeriod.town_id == town_id, TownPeriod.period.in_(moved))).all())
    finally:
        stop_workers(processes)
    if after != before + 1:
        raise RuntimeError(f"the birth did not reach the figures of {month}: {before} → {after}")
    progress(f"incremental: {len(moved)} periods, fresh {done - committed:.2f}s after the commit")
    return {"town": code, "change": "one birth recorded through births.create_birth",
            "periods_recomputed": moved, "service_and_commit_ms": round((committed - started) * 1000, 1),
            "seconds_from_commit_to_fresh": round(done - committed, 2),
            "job_compute_ms": max(times.values(), default=None)}


def _workers_on(queue) -> list:
    from rq import Worker

    return Worker.all(connection=queue.connection, queue=queue)


def wait_until(condition, timeout: timedelta, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout.total_seconds()
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting for {what}")
        time.sleep(interval)


def percentile(ordered: list[int], percent: int) -> int:
    return ordered[max(0, math.ceil(len(ordered) * percent / 100) - 1)]


# ---------------------------------------------------------------------------------------------------------
# The yardstick: the hand-written SQL the recomputation amounts to (6 of the 13 indicators)

HAND_TOWN = """
SELECT '{code}' AS town, p.period, b.births, b.boys, b.girls, b.registered, b.on_time, d.deaths, f.fen,
       (SELECT population FROM pop_{n} WHERE month < p.first_day ORDER BY month DESC LIMIT 1) AS before,
       (SELECT population FROM pop_{n} WHERE month < p.next_day ORDER BY month DESC LIMIT 1) AS after
FROM periods p
LEFT JOIN LATERAL (
    SELECT count(*) AS births, count(*) FILTER (WHERE b.sex = 'M') AS boys,
           count(*) FILTER (WHERE b.sex = 'F') AS girls,
           count(*) FILTER (WHERE b.birth_order IS NOT NULL AND EXISTS (
               SELECT 1 FROM {schema}.birth_registrations r WHERE r.mother_id = b.mother_id
               AND r.child_order = b.birth_order AND r.status = 'registered')) AS registered,
           count(*) FILTER (WHERE EXISTS (SELECT 1 FROM {schema}.birth_notices n WHERE n.birth_id = b.id AND n.on_time))
               AS on_time
    FROM {schema}.births b WHERE b.born_at >= p.start_at AND b.born_at < p.end_at) b ON true
LEFT JOIN LATERAL (
    SELECT count(*) AS deaths FROM {schema}.movements m
    WHERE m.kind = 'death' AND m.cancelled_at IS NULL AND m.event_date >= p.first_day AND m.event_date < p.next_day
) d ON true
LEFT JOIN LATERAL (
    SELECT coalesce(sum(e.amount_fen), 0) AS fen FROM {schema}.funding_entries e
    WHERE e.category IN ({categories}) AND e.entry_date >= p.first_day AND e.entry_date < p.next_day) f ON true
"""

HAND_POPULATION = """
ev_{n} AS (
    SELECT m.event_date, m.kind, p.birth_date,
           lag(m.kind) OVER (PARTITION BY m.person_id ORDER BY m.event_date, m.id) AS previous
    FROM {schema}.movements m JOIN {schema}.people p ON p.id = m.person_id
    WHERE m.cancelled_at IS NULL AND p.birth_date IS NOT NULL),
pop_{n} AS (
    SELECT month, sum(step) OVER (ORDER BY month) AS population FROM (
        SELECT date_trunc('month', day)::date AS month, sum(step) AS step FROM (
            SELECT birth_date AS day, 1 AS step FROM {schema}.people WHERE birth_date IS NOT NULL
            UNION ALL
            SELECT birth_date, -1 FROM ev_{n} WHERE previous IS NULL AND kind = 'move_in'
            UNION ALL
            SELECT greatest(event_date, birth_date), (kind = 'move_in')::int
                   - CASE WHEN previous IS NULL THEN (kind <> 'move_in')::int ELSE (previous = 'move_in')::int END
            FROM ev_{n}) steps
        GROUP BY 1) months)"""


def hand_sql_text(towns: list[str], window, zone: str) -> str:
    """Births by sex, registered and noticed on time, deaths, funding and the population before and at the
    end of every period of the window, for every town, in one statement."""
    from tenants.funding.models import FUNDING_CATEGORIES

    rows = ",\n".join(f"('{p.id}', DATE '{p.start}', DATE '{p.end}', "
                      f"TIMESTAMP '{p.start}' AT TIME ZONE '{zone}', TIMESTAMP '{p.end}' AT TIME ZONE '{zone}')"
                      for p in window)
    categories = ", ".join(f"'{category}'" for category in FUNDING_CATEGORIES)
    ctes = [f"periods(period, first_day, next_day, start_at, end_at) AS (VALUES {rows})"]
    ctes += [HAND_POPULATION.format(n=n, schema=f"town_{code}") for n, code in enumerate(towns)]
    selects = [HAND_TOWN.format(n=n, code=code, schema=f"town_{code}", categories=categories)
               for n, code in enumerate(towns)]
    return "WITH " + ",\n".join(ctes) + "\n" + "\nUNION ALL\n".join(selects)


def hand_sql(app) -> dict:
    """Run the yardstick twice (the first warms the cache as the workers' runs are warm) and time the second."""
    from decimal import Decimal

    from renkou.tenancy.models import Town
    from renkou.timezone import local
    from renkou.types import utcnow
    from tenants.funding.models import yuan
    from workers.aggregation.dispatch import recompute_window

    with app.app_context():
        settings = app.config["RENKOU_SETTINGS"]
        window = recompute_window(local(utcnow()).date(), settings.stat_year_start_month)
        towns = [code for code in db.session.scalars(db.select(Town.code).order_by(Town.code))]
        text = hand_sql_text(towns, window, settings.county_timezone)
        db.session.rollback()
    with psycopg.connect(app.config["RENKOU_SETTINGS"].database_url.replace("+psycopg", "")) as connection:
        connection.execute(text).fetchall()
        started = time.perf_counter()
        rows = connection.execute(text).fetchall()
        seconds = time.perf_counter() - started
    ids = {code: town_id for town_id, code in _town_ids(app)}
    figures = {}
    for code, period, births, boys, girls, registered, on_time, deaths, fen, before, after in rows:
        mean = Decimal((before or 0) + (after or 0)) / 2
        key = ids[code], period
        figures.update({(*key, "srb"): (Decimal(boys), Decimal(girls)),
                        (*key, "birth_rate"): (Decimal(births), mean),
                        (*key, "natural_increase"): (Decimal(births - deaths), mean),
                        (*key, "registration_rate"): (Decimal(registered), Decimal(births)),
                        (*key, "notice_timeliness"): (Decimal(on_time), Decimal(births)),
                        (*key, "funding_per_capita"): (yuan(fen), Decimal(after or 0))})
    progress(f"hand SQL: {len(rows)} (town, period) rows in {seconds:.2f}s")
    return {"seconds": round(seconds, 2), "rows": len(rows), "indicators": 6, "figures": figures}


def _town_ids(app) -> list[tuple[int, str]]:
    from renkou.tenancy.models import Town

    with app.app_context():
        return [tuple(row) for row in db.session.execute(db.select(Town.id, Town.code))]


def stored_figures(app) -> dict:
    """The stored figures of the hand SQL's 6 indicators, keyed as hand_sql keys them."""
    from renkou.indicators.models import IndicatorValue

    codes = ("srb", "birth_rate", "natural_increase", "registration_rate", "notice_timeliness", "funding_per_capita")
    with app.app_context():
        rows = db.session.execute(db.select(IndicatorValue.town_id, IndicatorValue.period, IndicatorValue.indicator,
                                            IndicatorValue.numerator, IndicatorValue.denominator)
                                  .where(IndicatorValue.indicator.in_(codes)))
        return {(town_id, period, code): (numerator, denominator)
                for town_id, period, code, numerator, denominator in rows}


# ---------------------------------------------------------------------------------------------------------
# Sanity and the machine


def county_figures(app) -> dict:
    """The county's figures for the last full calendar year, summed over towns as the county pages do."""
    from sqlalchemy import func, select

    from renkou.indicators import catalog
    from renkou.indicators.models import IndicatorValue, ValidationFlag
    from renkou.timezone import local
    from renkou.types import utcnow

    with app.app_context():
        year = str(local(utcnow()).year - 1)
        rows = db.session.execute(
            select(IndicatorValue.indicator, func.sum(IndicatorValue.numerator), func.sum(IndicatorValue.denominator))
            .where(IndicatorValue.period == year).group_by(IndicatorValue.indicator)).all()
        figures = {code: {"numerator": f"{numerator.normalize():f}", "denominator": f"{denominator.normalize():f}",
                          "value": str(catalog.get(code).value(numerator, denominator))}
                   for code, numerator, denominator in sorted(rows)}
        flags = dict(db.session.execute(select(ValidationFlag.rule, func.count()).group_by(ValidationFlag.rule)).all())
    return {"period": year, "indicators": figures, "open_validation_flags": flags}


def machine(app) -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines()
                if line.startswith("model name")), host.processor() or host.machine())
    memory = next((line.split()[1] for line in _read("/proc/meminfo").splitlines() if line.startswith("MemTotal")), "0")
    with app.app_context():
        postgres = db.session.execute(db.text("SHOW server_version")).scalar()
        db.session.rollback()
    redis_version = redis.Redis.from_url(REDIS_URL).info("server").get("redis_version")
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gib": round(int(memory) / 1024 / 1024, 1),
            "postgresql": postgres, "redis": redis_version,
            "python": f"{host.python_implementation()} {host.python_version()}",
            "load_average_at_start": [round(value, 2) for value in os.getloadavg()]}


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


if __name__ == "__main__":
    main()
