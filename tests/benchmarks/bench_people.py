"""Importing people and listing them, on PostgreSQL, at register sizes a town really has.

Measures: households and people imported per second through the real import path (the same
``run_batch`` a worker runs; bench_imports.py measures imports alone), the process's peak memory, and the
latency of the people list page (first page, a filtered page, a search by full ID number) as
median and p95 over repeated requests through the Flask test client.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform as host
import resource
import statistics
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import psycopg
from openpyxl import Workbook

sys.path[:0] = [str(Path(__file__).resolve().parents[2] / "platform"), str(Path(__file__).resolve().parents[2])]

from renkou.app import create_app  # noqa: E402
from renkou.config import Settings  # noqa: E402
from renkou.extensions import db  # noqa: E402
from renkou.migrations.runner import upgrade_shared  # noqa: E402
from tenants.registry import resident_id as ids  # noqa: E402

ADMIN_URL = os.environ.get("RENKOU_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "Bench-password-1"


def make_id(number: int) -> str:
    born = date(1950, 1, 1) + timedelta(days=number % 25000)
    first = f"{110101 + number // 25000:06d}{born:%Y%m%d}{number % 1000:03d}"
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards, to EXPLAIN queries")
    args = parser.parse_args()
    name = f"renkou_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        print(json.dumps(run(name, args.rows, args.requests), indent=2, ensure_ascii=False))
    finally:
        if args.keep:
            print(f"kept database {name}")
        else:
            with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def run(database: str, rows: int, requests: int) -> dict:
    base = ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    settings = Settings(database_url=f"{base}/{database}", data_dir=Path(f"/tmp/{database}"),
                        redis_url="redis://127.0.0.1:6379/14", redis_prefix=database, secret_key="bench",
                        secure_cookies=False, login_rate_limit="100000 per minute", api_rate_limit="100000 per minute")
    app = create_app(settings)
    with app.app_context():
        upgrade_shared(db.engine)
        from renkou.tenancy.services import onboard_town
        from tenants.network.services import create_village

        town = onboard_town(code="411524101", name="城关镇", slug="chengguan", admin_username="bench_admin",
                            admin_password=PASSWORD)
        db.session.commit()
        from renkou.tenancy.context import town_session
        from renkou.tenancy.services import get_town_by_slug

        with town_session(get_town_by_slug("chengguan")):
            for number in range(1, 21):
                create_village(f"411524101{200 + number:03d}", f"第{number}村")
        town_id = town.id
    household_count = rows // 4
    households = workbook(["户编号", "村/社区代码", "地址"],
                          ([f"H{n:06d}", f"411524101{201 + n % 20:03d}", f"第{n % 20 + 1}村{n}号"]
                           for n in range(household_count)))
    people = workbook(["姓名", "身份证号码", "户编号", "与户主关系", "婚姻状况"],
                      ([f"村民{n:06d}", make_id(n), f"H{n // 4:06d}", "户主" if n % 4 == 0 else "子女",
                        "已婚" if n % 3 else "未婚"] for n in range(rows)))
    result = {"machine": f"{host.machine()}, {os.cpu_count()} cores, {host.python_implementation()} "
                         f"{host.python_version()}", "rows": rows, "households": household_count}
    result["households_import"] = timed_import(app, town_id, "households", households, household_count)
    result["people_import"] = timed_import(app, town_id, "people", people, rows)
    result["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    result["people_list"] = list_latency(app, requests, make_id(rows // 2))
    return result


def timed_import(app, town_id: int, kind: str, content: bytes, rows: int) -> dict:
    from renkou.imports import uploads
    from renkou.imports.engine import run_batch
    from renkou.imports.models import ImportBatch
    from renkou.tenancy.context import town_session
    from renkou.tenancy.models import Town

    with app.app_context():
        town = db.session.get(Town, town_id)
        with town_session(town):
            batch = ImportBatch(kind=kind, filename=f"{kind}.xlsx", content=uploads.seal(content), total_rows=rows)
            db.session.add(batch)
            db.session.flush()
            batch_id = batch.id
        started = time.perf_counter()
        with town_session(db.session.get(Town, town_id)):
            run_batch(batch_id, commit=False)
        checked = time.perf_counter()
        with town_session(db.session.get(Town, town_id)):
            outcome = run_batch(batch_id, commit=True)
            assert outcome.error_rows == 0, outcome.errors[:5]
        committed = time.perf_counter()
    return {"check_seconds": round(checked - started, 1), "commit_seconds": round(committed - checked, 1),
            "rows_per_second_commit": round(rows / (committed - checked))}


def list_latency(app, requests: int, full_id: str) -> dict:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/login", data={"username": "bench_admin", "password": PASSWORD, "csrf_token": token})
    figures = {}
    for label, url in (("first page", "/t/chengguan/people/"),
                       ("filtered: married women 20-40 of one village, page 5",
                        "/t/chengguan/people/?village_id=3&sex=F&marital_status=married&age_min=20&age_max=40&page=5"),
                       ("search by full ID", f"/t/chengguan/people/?q={full_id}"),
                       ("women 15-49", "/t/chengguan/people/childbearing-age")):
        timings = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        timings.sort()
        figures[label] = {"median_ms": round(statistics.median(timings), 1),
                          "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 1)}
    return figures


if __name__ == "__main__":
    main()
