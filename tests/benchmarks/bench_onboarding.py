"""Onboarding towns and starting the `renkou` command (issue #11): how long a new town takes in process and
through `renkou town create`, how long `renkou --help` takes, and how `renkou db upgrade` with nothing to
apply grows with the number of towns.

On its own PostgreSQL database (and, for the in-process figure, its own SQLite folder) and Redis key
prefix, the script:

1. onboards towns in process (renkou.tenancy.services.onboard_town, one commit each, as the county page
   does): median and p95 per town, on PostgreSQL and SQLite;
2. runs `renkou town create` (a new process each, as an operator would) and `renkou --help`: median and
   slowest of a few runs, after one run that warms the bytecode cache (an installed package has one;
   the variable PYTHONDONTWRITEBYTECODE, if set, is dropped for these processes);
3. times `renkou db upgrade` with nothing to apply, onboards more towns in a loop up to --towns on
   PostgreSQL, and times it again; both are projected to 1,000 towns (a county has at most 299 township
   codes, so 1,000 towns cannot be made in one county): the loop in proportion, the upgrade on the line
   through its two timings (a fixed start plus a cost per town).

Prints the figures as JSON on stdout; progress goes to stderr.

    .venv/bin/python tests/benchmarks/bench_onboarding.py --towns 200
"""

from __future__ import annotations

import argparse
import json
import os
import platform as host
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]

from renkou.app import create_app  # noqa: E402
from renkou.config import Settings  # noqa: E402
from renkou.crypto.keys import generate_master_key  # noqa: E402
from renkou.extensions import db  # noqa: E402
from renkou.migrations.runner import upgrade_shared  # noqa: E402

ADMIN_URL = os.environ.get("RENKOU_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("RENKOU_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
PASSWORD = "Bench-password-1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--towns", type=int, default=200, help="towns on PostgreSQL before `renkou db upgrade`")
    parser.add_argument("--sample", type=int, default=20, help="towns timed one by one in process, per backend")
    parser.add_argument("--runs", type=int, default=5, help="runs of each command")
    args = parser.parse_args()
    if not args.sample + args.runs + 1 <= args.towns <= 299:
        parser.error("--towns must be at least --sample + --runs + 1 and at most 299 (township codes)")
    name = f"renkou_bench_{uuid.uuid4().hex[:8]}"
    folder = Path(tempfile.mkdtemp(prefix=name))
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        result = run(name, folder, args)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(f"{name}*"))
        if keys:
            client.delete(*keys)
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False, indent=1))


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def settings_for(database: str | None, folder: Path, prefix: str, master_key: str) -> Settings:
    base = ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return Settings(database_url=f"{base}/{database}" if database else None, data_dir=folder, redis_url=REDIS_URL,
                    redis_prefix=prefix, secret_key="bench", master_key=master_key, secure_cookies=False)


def run(database: str, folder: Path, args) -> dict:
    master_key = generate_master_key()
    postgres = settings_for(database, folder / "pg", database, master_key)
    sqlite = settings_for(None, folder / "sqlite", database, master_key)
    result: dict = {"machine": machine()}
    numbers = iter(range(299))
    pg_app = prepare(postgres)
    result["in_process_postgresql"] = timed_onboarding(pg_app, numbers, args.sample)
    result["in_process_sqlite"] = timed_onboarding(prepare(sqlite), iter(range(299)), args.sample)
    environment = command_environment(postgres)
    result["renkou_help"] = timed_commands(environment, folder, [["--help"]] * (args.runs + 1))
    creates = []
    for number in [next(numbers) for _ in range(args.runs + 1)]:
        code, slug = town(postgres.county_code, number)
        creates.append(["town", "create", "--code", code, "--name", f"第{number + 1}镇", "--slug", slug,
                        "--admin-username", f"bench_admin_{number + 1}", "--admin-password", PASSWORD])
    result["renkou_town_create"] = timed_commands(environment, folder, creates)
    made = args.sample + args.runs + 1
    before = timed_commands(environment, folder, [["db", "upgrade"]] * 2, warm=False)
    started = time.perf_counter()
    loop = onboard(pg_app, numbers, args.towns - made)
    seconds = time.perf_counter() - started
    result["loop"] = {"towns": args.towns - made, "seconds": round(seconds, 1),
                      "per_town_ms": round(1000 * seconds / max(loop, 1)),
                      "projected_1000_towns_seconds": round(1000 * seconds / max(loop, 1), 1)}
    after = timed_commands(environment, folder, [["db", "upgrade"]] * 2, warm=False)
    per_town = max(0.0, (after["median_seconds"] - before["median_seconds"]) / (args.towns - made))
    result["db_upgrade_nothing_to_apply"] = {
        f"at_{made}_towns": before, f"at_{args.towns}_towns": after, "per_town_ms": round(1000 * per_town, 1),
        "projected_1000_towns_seconds": round(after["median_seconds"] + per_town * (1000 - args.towns), 1)}
    return result


def prepare(settings: Settings):
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(settings)
    with app.app_context():
        upgrade_shared(db.engine)
    return app


def town(county: str, number: int) -> tuple[str, str]:
    """Codes 101–299, then 001–099 (renkou.tenancy.codes), and a slug."""
    part = 101 + number if number < 199 else number - 198
    return f"{county}{part:03d}", f"town{number + 1:03d}"


def onboard(app, numbers, count: int, times: list[float] | None = None) -> int:
    from renkou.tenancy.services import onboard_town

    with app.app_context():
        county = app.config["RENKOU_SETTINGS"].county_code
        for _ in range(count):
            number = next(numbers)
            code, slug = town(county, number)
            started = time.perf_counter()
            onboard_town(code=code, name=f"第{number + 1}镇", slug=slug, admin_username=f"bench_admin_{number + 1}",
                         admin_password=PASSWORD)
            db.session.commit()
            if times is not None:
                times.append(time.perf_counter() - started)
            db.session.remove()
    progress(f"{count} towns onboarded")
    return count


def timed_onboarding(app, numbers, count: int) -> dict:
    times: list[float] = []
    onboard(app, numbers, count, times)
    return summary(times[1:])  # the first compiles the script and loads the revisions, once per process


def command_environment(settings: Settings) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("RENKOU_") and key != "PYTHONDONTWRITEBYTECODE"}
    environment.update(RENKOU_DATABASE_URL=settings.database_url, RENKOU_REDIS_URL=settings.redis_url,
                       RENKOU_REDIS_PREFIX=settings.redis_prefix, RENKOU_SECRET_KEY=settings.secret_key,
                       RENKOU_MASTER_KEY=settings.master_key, RENKOU_DATA_DIR=str(settings.data_dir))
    return environment


def timed_commands(environment: dict, folder: Path, commands: list[list[str]], warm: bool = True) -> dict:
    """Run each `renkou …` in a new process; the first only warms the bytecode cache when ``warm``."""
    script = Path(sys.executable).with_name("renkou")
    prefix = [str(script)] if script.exists() else [sys.executable, "-c", "from renkou.cli import main; main()"]
    times = []
    for words in commands:
        started = time.perf_counter()
        subprocess.run([*prefix, *words], env=environment, cwd=folder, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    progress(f"renkou {' '.join(commands[0][:2])}: {len(commands)} runs")
    return summary(times[1:] if warm else times)


def summary(times: list[float]) -> dict:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"runs": len(ordered), "median_seconds": round(statistics.median(ordered), 3),
            "p95_seconds": round(p95, 3), "max_seconds": round(ordered[-1], 3)}


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), host.processor() or host.machine())
    with psycopg.connect(ADMIN_URL) as connection:
        postgres = connection.execute("SHOW server_version").fetchone()[0]
    return {"cpu": cpu, "cores": os.cpu_count(), "postgresql": postgres,
            "python": f"{host.python_implementation()} {host.python_version()}",
            "load_average_at_start": [round(value, 2) for value in os.getloadavg()]}


if __name__ == "__main__":
    main()
