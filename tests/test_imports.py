"""Spreadsheet import: template, dry run with per-row reasons, all-valid-rows commit, idempotent re-upload,
background jobs on real RQ workers, and masked export."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import Workbook, load_workbook
from rq import Worker

from renkou import jobs
from renkou.extensions import db
from tenants.registry import resident_id as ids
from tests.conftest import login, post_form

HEADERS = ["姓名", "身份证号码", "性别", "出生日期", "户编号", "与户主关系", "婚姻状况", "联系电话"]


def make_id(number: int) -> str:
    born = date(1960, 1, 1) + timedelta(days=number * 7)
    first = f"110105{born:%Y%m%d}{number % 1000:03d}"
    return first + ids.check_character(first)


def people_rows(count: int, bad_rows: dict[int, dict] | None = None) -> list[list[str]]:
    rows = []
    for number in range(count):
        rows.append([f"村民{number:04d}", make_id(number), "", "", "", "户主", "已婚", ""])
    for index, changes in (bad_rows or {}).items():
        for column, value in changes.items():
            rows[index][HEADERS.index(column)] = value
    return rows


def xlsx(rows, headers=HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def signed_in(client, town):
    login(client, town.admin_username)
    return client


def upload(client, town, content: bytes, filename="people.xlsx", kind="people"):
    return post_form(client, f"/t/{town.slug}/imports/",
                     {"kind": kind, "file": (io.BytesIO(content), filename)},
                     token_from=f"/t/{town.slug}/imports/", content_type="multipart/form-data")


def people_count(app, town) -> int:
    from sqlalchemy import func, select

    from renkou.tenancy.context import town_session
    from renkou.tenancy.services import get_town_by_slug
    from tenants.registry.models import Person

    with app.app_context(), town_session(get_town_by_slug(town.slug)):
        return db.session.scalar(select(func.count()).select_from(Person))


BAD = {
    41: {"身份证号码": "110105196001010011"},  # wrong check character
    222: {"姓名": ""},  # no name
    480: {"身份证号码": make_id(3)},  # the same person as row 5 (the file's row 3+2)
}


def test_template_has_the_chinese_headers(app, signed_in, town):
    response = signed_in.get(f"/t/{town.slug}/imports/templates/people.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [cell.value for cell in sheet[1]][:3] == ["姓名*", "身份证号码", "性别"]


def test_dry_run_lists_exactly_the_bad_rows_and_the_commit_writes_the_rest(app, signed_in, town):
    content = xlsx(people_rows(500, BAD))
    response = upload(signed_in, town, content)
    assert response.status_code == 302
    batch_url = response.headers["Location"]
    page = signed_in.get(batch_url).get_data(as_text=True)
    assert people_count(app, town) == 0  # the check wrote nothing
    assert 'id="error-rows">3<' in page and 'id="valid-rows">497<' in page
    error_table = page[page.index('id="import-errors"'):]
    for spreadsheet_row in (43, 224, 482):  # data row index + 2 (the header is row 1)
        assert f"<td>{spreadsheet_row}</td>" in error_table
    assert "校验位" in error_table and "与本文件第 5 行重复" in error_table

    committed = post_form(signed_in, batch_url + "/commit", {}, token_from=batch_url, follow_redirects=True)
    body = committed.get_data(as_text=True)
    assert 'id="created-count">497<' in body
    assert people_count(app, town) == 497


def test_a_re_upload_updates_instead_of_duplicating(app, signed_in, town):
    content = xlsx(people_rows(20))
    first = upload(signed_in, town, content).headers["Location"]
    post_form(signed_in, first + "/commit", {}, token_from=first)
    changed = people_rows(20)
    changed[0][HEADERS.index("婚姻状况")] = "丧偶"
    second = upload(signed_in, town, xlsx(changed)).headers["Location"]
    page = post_form(signed_in, second + "/commit", {}, token_from=second, follow_redirects=True)
    body = page.get_data(as_text=True)
    assert 'id="created-count">0<' in body and 'id="updated-count">20<' in body
    assert people_count(app, town) == 20
    widowed = signed_in.get(f"/t/{town.slug}/people/?marital_status=widowed").get_data(as_text=True)
    assert "村民0000" in widowed


def test_households_then_people_by_household_number_and_gbk_csv(app, signed_in, factory, town):
    factory.village(town, "201", "城关村")
    households = "户编号,村/社区代码,村民小组代码,地址\nCG-001,{code}201,,城关村一组3号\nCG-002,{code}999,,无此村\n"
    response = upload(signed_in, town, households.format(code=town.code).encode("gbk"), "households.csv",
                      kind="households")
    batch_url = response.headers["Location"]
    page = signed_in.get(batch_url).get_data(as_text=True)
    assert 'id="error-rows">1<' in page and "村/社区代码" in page
    post_form(signed_in, batch_url + "/commit", {}, token_from=batch_url)
    rows = people_rows(2)
    rows[0][HEADERS.index("户编号")] = "CG-001"
    rows[1][HEADERS.index("户编号")] = "CG-404"
    page = signed_in.get(upload(signed_in, town, xlsx(rows)).headers["Location"]).get_data(as_text=True)
    assert 'id="error-rows">1<' in page and "户编号" in page


@pytest.mark.parametrize(
    ("filename", "content", "reason"),
    [("people.xlsx", b"not a zip", "不是有效的 .xlsx"), ("people.txt", b"a,b", ".xlsx 或 .csv"),
     ("people.xlsx", b"", "文件为空")],
)
def test_unreadable_files_are_refused_with_a_reason(app, signed_in, town, filename, content, reason):
    response = upload(signed_in, town, content, filename)
    assert response.status_code == 422
    assert reason in response.get_data(as_text=True)


def test_missing_required_columns_are_named(app, signed_in, town):
    response = upload(signed_in, town, xlsx([["x"]], headers=["身份证号码"]))
    assert response.status_code == 422
    assert "姓名" in response.get_data(as_text=True)


def test_large_files_run_on_a_real_worker_with_progress(app, signed_in, town, monkeypatch):
    from renkou.imports import services

    monkeypatch.setattr(services, "BACKGROUND_ROWS", 10)
    response = upload(signed_in, town, xlsx(people_rows(60, {7: {"姓名": ""}})))
    batch_url = response.headers["Location"]
    waiting = signed_in.get(batch_url).get_data(as_text=True)
    assert 'data-status="checking"' in waiting and "<progress" in waiting
    run_worker(app)
    checked = signed_in.get(batch_url).get_data(as_text=True)
    assert 'id="error-rows">1<' in checked and 'id="valid-rows">59<' in checked
    assert signed_in.get(batch_url + "/progress").get_json()["percent"] == 100
    post_form(signed_in, batch_url + "/commit", {}, token_from=batch_url)
    assert people_count(app, town) == 0  # queued, not yet done
    run_worker(app)
    done = signed_in.get(batch_url).get_data(as_text=True)
    assert 'id="created-count">59<' in done
    assert people_count(app, town) == 59
    run_worker(app)  # nothing left; a replayed job would find the batch already committed
    assert people_count(app, town) == 59


def run_worker(app) -> None:
    """A real RQ worker (forking a work horse per job) in burst mode against the real Redis."""
    with app.app_context():
        jobs.bind_app(app)
        queue = jobs.get_queue("default")
        worker = Worker([queue], connection=queue.connection)
        worker.work(burst=True)
        failed = queue.failed_job_registry.get_job_ids()
        assert not failed, f"jobs failed: {failed}"


def test_export_is_masked_and_audited(app, signed_in, factory, town):
    factory.person(town, name="李梅", resident_id="11010519491231002X", phone="13800138000")
    response = signed_in.get(f"/t/{town.slug}/people/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [cell.value for cell in sheet[2]]
    assert values[0] == "李梅" and values[1] == "110105********002X" and values[7] == "*******8000"
    from sqlalchemy import select

    from renkou.audit.models import AuditEvent

    with app.app_context():
        assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "person.export"))


def test_viewers_cannot_import(app, client, factory, town):
    factory.user("reader", "town_viewer", town)
    login(client, "reader")
    assert client.get(f"/t/{town.slug}/imports/").status_code == 403


def test_households_export(app, signed_in, factory, town):
    village = factory.village(town, "201", "城关村")
    household = factory.household(town, "CG-009", village_id=village, address="城关村九号")
    factory.person(town, name="户主甲", household_id=household, relation="head")
    response = signed_in.get(f"/t/{town.slug}/households/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    expected = ["CG-009", town.code + "201", "城关村", None, "城关村九号", "户主甲", "1"]
    assert [cell.value for cell in sheet[2]] == expected


def test_a_large_commit_refreshes_the_planner_statistics(app, signed_in, town, monkeypatch):
    from sqlalchemy import text

    from renkou.imports import engine

    monkeypatch.setattr(engine, "ANALYZE_AFTER_ROWS", 10)
    batch_url = upload(signed_in, town, xlsx(people_rows(20))).headers["Location"]
    post_form(signed_in, batch_url + "/commit", {}, token_from=batch_url)
    engines = app.extensions["renkou.town_engines"]
    with app.app_context(), engines.engine_for(town.code).connect() as connection:
        if engines.is_sqlite:
            analysed = connection.execute(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'people'")).scalar()
        else:
            analysed = connection.execute(text(
                "SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'people' "
                f"AND schemaname = 'town_{town.code}' AND last_analyze IS NOT NULL")).scalar()
    assert analysed
