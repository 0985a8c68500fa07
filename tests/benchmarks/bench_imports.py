"""Spreadsheet imports of people, households and births through the real import path, on PostgreSQL.

For each kind and size the script runs a child process (so that its peak memory is the import's own):
it onboards a town in a fresh database, loads what the rows refer to (villages, households, mothers),
writes the XLSX file, stores it as an upload and runs ``engine.run_batch`` twice, as the worker does:
the dry run, then the commit. In the same process it then times a raw ``executemany`` of the same rows
into a plain table without indexes, keys or encryption (the SQL the import amounts to), so every rate
is also given as a ratio to that floor.

    .venv/bin/python tests/benchmarks/bench_imports.py                    # the figures of the README
    .venv/bin/python tests/benchmarks/bench_imports.py --kinds people --sizes 5000

Prints one JSON object; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform as host
import resource
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import psycopg
from openpyxl import Workbook

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]

ADMIN_URL = os.environ.get("RENKOU_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("RENKOU_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
TOWN = "411524101"
DEFAULT_SIZES = {"people": (5_000, 50_000), "households": (1_250, 12_500), "births": (1_000, 10_000)}


def make_id(number: int, female: bool | None = None) -> str:
    from tenants.registry import resident_id as ids

    born = date(1950, 1, 1) + timedelta(days=number % 25000)
    sequence = number % 1000
    if female is not None and (sequence % 2 == 0) != female:
        sequence = (sequence + 1) % 1000
    first = f"{110101 + number // 25000:06d}{born:%Y%m%d}{sequence:03d}"
    return first + ids.check_character(first)


def workbook(headers, rows) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------------------
# The files


def household_rows(count: int):
    return (["户编号", "村/社区代码", "地址"],
            ([f"H{n:06d}", f"{TOWN}{201 + n % 20:03d}", f"第{n % 20 + 1}村{n}号"] for n in range(count)))


def people_rows(count: int, female_only: bool = False):
    return (["姓名", "身份证号码", "户编号", "与户主关系", "婚姻状况", "联系电话"],
            ([f"村民{n:06d}", make_id(n, True if female_only else None), f"H{n // 4:06d}",
              "户主" if n % 4 == 0 else "子女", "已婚" if n % 3 else "未婚", f"138{n:08d}"] for n in range(count)))


def birth_rows(count: int, mothers: int):
    start = date(2024, 1, 1)
    return (["母亲身份证号码", "出生时间", "性别", "孩次", "体重(克)", "出生地点类型"],
            ([make_id(n % mothers, True), f"{start + timedelta(days=n // mothers * 400 + n % 300)} 08:{n % 60:02d}",
              "女" if n % 2 else "男", str(n // mothers + 1), str(2800 + n % 900), "医院"] for n in range(count)))


def plain_rows(kind: str, count: int) -> tuple[str, list[tuple]]:
    """The same number of rows, as the plain table of the floor measurement takes them."""
    if kind == "households":
        return ("CREATE TABLE plain (number text, village_id int, group_id int, address text, "
                "created_at timestamptz, updated_at timestamptz)",
                [(f"H{n:06d}", 1 + n % 20, None, f"第{n % 20 + 1}村{n}号", "2026-01-01", "2026-01-01")
                 for n in range(count)])
    if kind == "births":
        return ("CREATE TABLE plain (mother_id int, born_at timestamptz, sex text, birth_order int, "
                "weight_grams int, place_type text, created_at timestamptz, updated_at timestamptz)",
                [(n % 1000 + 1, "2025-01-01 08:00+08", "F", 1, 3000, "hospital", "2026-01-01", "2026-01-01")
                 for n in range(count)])
    return ("CREATE TABLE plain (name text, sex text, birth_date date, resident_id bytea, resident_id_index text, "
            "resident_id_legacy bool, household_id int, relation text, marital_status text, phone bytea, "
            "status text, created_at timestamptz, updated_at timestamptz)",
            [(f"村民{n:06d}", "F", "1980-01-01", os.urandom(47), f"{n:064x}", False, n // 4 + 1, "child", "married",
              os.urandom(40), "resident", "2026-01-01", "2026-01-01") for n in range(count)])


# ---------------------------------------------------------------------------------------------------------
# One measurement (child process)


def child(kind: str, rows: int) -> dict:
    name = f"renkou_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        return measure(name, kind, rows)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def measure(database: str, kind: str, rows: int) -> dict:
    from renkou.app import create_app
    from renkou.config import Settings
    from renkou.extensions import db
    from renkou.migrations.runner import upgrade_shared

    base = ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    settings = Settings(database_url=f"{base}/{database}", data_dir=Path(f"/tmp/{database}"), redis_url=REDIS_URL,
                        redis_prefix=database, secret_key="bench", secure_cookies=False)
    app = create_app(settings)
    with app.app_context():
        upgrade_shared(db.engine)
        from renkou.tenancy.services import onboard_town

        town = onboard_town(code=TOWN, name="城关镇", slug="chengguan", admin_username="bench_admin",
                            admin_password="Bench-password-1")
        db.session.commit()
        town_id = town.id
    prepare(app, town_id, kind, rows)
    headers, data = {"people": lambda: people_rows(rows), "households": lambda: household_rows(rows),
                     "births": lambda: birth_rows(rows, max(rows // 2, 1))}[kind]()
    content = workbook(headers, data)
    figures = run_import(app, town_id, kind, content, rows)
    figures["file_mib"] = round(len(content) / 2**20, 1)
    del content
    figures["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    create, plain = plain_rows(kind, rows)
    figures["raw_executemany_rows_per_second"] = raw_rate(database, create, plain)
    figures["commit_vs_raw"] = round(figures["commit_rows_per_second"] / figures["raw_executemany_rows_per_second"],
                                     2)
    return figures


def prepare(app, town_id: int, kind: str, rows: int) -> None:
    """What the rows refer to: villages; households for people; women on the register for births."""
    from renkou.extensions import db
    from renkou.tenancy.context import town_session
    from renkou.tenancy.models import Town
    from tenants.network.services import create_village

    with app.app_context():
        with town_session(db.session.get(Town, town_id)):
            for number in range(1, 21):
                create_village(f"{TOWN}{200 + number:03d}", f"第{number}村")
        if kind == "people":
            run_import(app, town_id, "households", workbook(*household_rows(rows // 4 + 1)), rows // 4 + 1)
        if kind == "births":
            mothers = max(rows // 2, 1)
            run_import(app, town_id, "households", workbook(*household_rows(mothers // 4 + 1)), mothers // 4 + 1)
            run_import(app, town_id, "people", workbook(*people_rows(mothers, female_only=True)), mothers)


def run_import(app, town_id: int, kind: str, content: bytes, rows: int) -> dict:
    from renkou.extensions import db
    from renkou.imports import uploads
    from renkou.imports.engine import run_batch
    from renkou.imports.models import ImportBatch
    from renkou.tenancy.context import town_session
    from renkou.tenancy.models import Town

    with app.app_context():
        with town_session(db.session.get(Town, town_id)):
            batch = ImportBatch(kind=kind, filename=f"{kind}.xlsx", content=uploads.seal(content), total_rows=rows)
            db.session.add(batch)
            db.session.flush()
            batch_id = batch.id
        started = time.perf_counter()
        with town_session(db.session.get(Town, town_id)):
            checked_batch = run_batch(batch_id, commit=False)
            assert checked_batch.error_rows == 0, checked_batch.errors[:5]
        checked = time.perf_counter()
        with town_session(db.session.get(Town, town_id)):
            outcome = run_batch(batch_id, commit=True)
            assert outcome.error_rows == 0 and outcome.created_count == rows, (outcome.errors[:5],
                                                                               outcome.created_count)
        committed = time.perf_counter()
    return {"dry_run_seconds": round(checked - started, 2), "commit_seconds": round(committed - checked, 2),
            "dry_run_rows_per_second": round(rows / (checked - started)),
            "commit_rows_per_second": round(rows / (committed - checked))}


def raw_rate(database: str, create: str, rows: list[tuple]) -> int:
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"
    with psycopg.connect(url) as connection:
        connection.execute(create)
        placeholders = ", ".join(["%s"] * len(rows[0]))
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO plain VALUES ({placeholders})", rows)
        connection.commit()
        return round(len(rows) / (time.perf_counter() - started))


# ---------------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kinds", default="people,households,births")
    parser.add_argument("--sizes", default="", help="comma-separated row counts (default: per kind, small and large)")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]))))
        return
    result = {"machine": f"{host.machine()}, {os.cpu_count()} cores, {host.python_implementation()} "
                         f"{host.python_version()}", "date": date.today().isoformat(), "kinds": {}}
    for kind in args.kinds.split(","):
        sizes = [int(size) for size in args.sizes.split(",")] if args.sizes else DEFAULT_SIZES[kind]
        figures = {}
        for size in sizes:
            print(f"{kind}: {size:,} rows", file=sys.stderr)
            output = subprocess.run([sys.executable, __file__, "--child", kind, str(size)], check=True,
                                    capture_output=True, text=True)
            figures[size] = json.loads(output.stdout.strip().splitlines()[-1])
        if len(sizes) > 1:
            small, large = figures[min(sizes)], figures[max(sizes)]
            figures["large_vs_small_commit_rate"] = round(large["commit_rows_per_second"]
                                                          / small["commit_rows_per_second"], 2)
        result["kinds"][kind] = figures
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
