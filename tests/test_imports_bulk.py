"""The set-based import: a bounded number of statements whatever the file's size, the county's periods
marked once per import, twins told apart, uploads encrypted at rest and dropped when done, zip bombs and
oversized sheets refused before parsing, templates whose data sheet holds no example, and exported lists
that import again unchanged. Every test runs on PostgreSQL and SQLite."""

from __future__ import annotations

import dataclasses
import io
import time
import zipfile
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, func, select

from renkou.audit.models import AuditEvent
from renkou.extensions import db
from renkou.imports.models import ImportBatch
from tests.conftest import in_town, login, post_form
from tests.test_imports import HEADERS, make_id, people_count, people_rows, upload, xlsx


@pytest.fixture
def signed_in(client, town):
    login(client, town.admin_username)
    return client


@pytest.fixture
def in_request(monkeypatch):
    """Large files stay in the request, so what they cost is counted here."""
    from renkou.imports import services

    monkeypatch.setattr(services, "BACKGROUND_ROWS", 100_000)


def batch_of(app, town, batch_url: str) -> ImportBatch:
    batch_id = int(batch_url.rstrip("/").rsplit("/", 1)[1])

    def read():
        batch = db.session.get(ImportBatch, batch_id)
        db.session.refresh(batch, ["content"])
        db.session.expunge(batch)
        return batch

    return in_town(app, town, read)


def commit(client, batch_url: str) -> str:
    return post_form(client, batch_url + "/commit", {}, token_from=batch_url, follow_redirects=True).get_data(
        as_text=True)


class StatementCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, *args, **kwargs):
        self.count += 1


def statements_to_import(app, client, town, rows) -> int:
    from sqlalchemy.engine import Engine

    counter = StatementCounter()
    event.listen(Engine, "before_cursor_execute", counter)
    try:
        batch_url = upload(client, town, xlsx(rows)).headers["Location"]
        body = commit(client, batch_url)
    finally:
        event.remove(Engine, "before_cursor_execute", counter)
    assert f'id="created-count">{len(rows)}<' in body
    return counter.count


def test_an_import_issues_a_bounded_number_of_statements_whatever_its_size(app, signed_in, factory, town,
                                                                           in_request):
    village = factory.village(town, "201", "城关村")
    for number in range(3):
        factory.household(town, f"H-{number}", village_id=village)

    def rows(count: int, offset: int) -> list[list[str]]:
        made = people_rows(count + offset)[offset:]
        for index, row in enumerate(made):
            row[HEADERS.index("户编号")] = f"H-{index % 3}"
            row[HEADERS.index("联系电话")] = f"1380000{index:04d}"
        return made

    small = statements_to_import(app, signed_in, town, rows(100, 0))
    large = statements_to_import(app, signed_in, town, rows(2000, 100))
    # One look-up and one write per kind and chunk of 2,000 rows (PostgreSQL copies, SQLite takes one
    # executemany); a statement per row would add thousands.
    assert large <= small + 10, (small, large)
    assert people_count(app, town) == 2100


def test_an_import_marks_the_county_periods_once_and_queues_one_recomputation_of_the_town(app, signed_in, town,
                                                                                          in_request):
    from renkou.indicators.models import TownPeriod
    from renkou.jobs import get_queue

    def marks():
        return {mark.period: mark.change_count for mark in db.session.scalars(
            select(TownPeriod).where(TownPeriod.town_id == town.id))}

    before = in_town(app, town, marks)
    batch_url = upload(signed_in, town, xlsx(people_rows(300))).headers["Location"]
    assert in_town(app, town, marks) == before  # the dry run marks nothing
    commit(signed_in, batch_url)
    after = in_town(app, town, marks)
    moved = {period for period in after if after[period] != before.get(period, 0)}
    assert moved and all(after[period] - before.get(period, 0) == 1 for period in moved), (before, after)
    prefix = app.config["RENKOU_SETTINGS"].redis_prefix
    with app.app_context():
        queue = get_queue("aggregation")
        queued = {job_id for job_id in [*queue.get_job_ids(), *queue.scheduled_job_registry.get_job_ids()]
                  if town.code in job_id}
    # One job for the town computes every period it has marked (workers.aggregation.compute.compute_town).
    assert queued == {f"{prefix}-aggregate-{town.code}"}


def test_a_re_upload_of_unchanged_rows_writes_and_audits_nothing(app, signed_in, town, in_request):
    content = xlsx(people_rows(30))
    commit(signed_in, upload(signed_in, town, content).headers["Location"])

    def updates():
        return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "person.update"))

    body = commit(signed_in, upload(signed_in, town, content).headers["Location"])
    assert 'id="created-count">0<' in body and 'id="updated-count">30<' in body
    assert in_town(app, town, updates) == 0
    changed = people_rows(30)
    changed[4][HEADERS.index("婚姻状况")] = "离婚"
    commit(signed_in, upload(signed_in, town, xlsx(changed)).headers["Location"])
    assert in_town(app, town, lambda: [event.detail for event in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "person.update"))]) == [{"fields": ["marital_status"]}]


# ---------------------------------------------------------------------------------------------------------
# Births: twins


BIRTH_HEADERS = ["母亲身份证号码*", "出生时间*", "性别*", "孩次", "体重(克)", "出生地点类型", "出生地点", "孩子姓名"]
MOTHER = "411524199203150022"


def test_twins_are_two_births_and_a_re_upload_updates_each(app, signed_in, factory, town):
    from tenants.births.models import Birth

    factory.person(town, name="王芳", resident_id=MOTHER)
    twins = [[MOTHER, "2025-03-01 08:30", "女", "", "3100", "医院", "", "大妞"],  # told apart by sex
             [MOTHER, "2025-03-01 08:30", "男", "", "3000", "医院", "", "小子"],
             [MOTHER, "2025-06-01 09:00", "女", "1", "2900", "医院", "", "甲"],  # same sex: by birth order
             [MOTHER, "2025-06-01 09:00", "女", "2", "2800", "医院", "", "乙"]]
    body = commit(signed_in, upload(signed_in, town, xlsx(twins, BIRTH_HEADERS), "births.xlsx",
                                     kind="births").headers["Location"])
    assert 'id="created-count">4<' in body
    again = [row[:] for row in twins]
    again[1][4], again[3][7] = "3050", "乙二"
    body = commit(signed_in, upload(signed_in, town, xlsx(again, BIRTH_HEADERS), "births.xlsx",
                                     kind="births").headers["Location"])
    assert 'id="created-count">0<' in body and 'id="updated-count">4<' in body
    stored = in_town(app, town, lambda: [tuple(row) for row in db.session.execute(
        select(Birth.sex, Birth.birth_order, Birth.weight_grams, Birth.child_name).order_by(Birth.born_at, Birth.id))])
    assert stored == [("F", None, 3100, "大妞"), ("M", None, 3050, "小子"), ("F", 1, 2900, "甲"),
                      ("F", 2, 2800, "乙二")]
    ambiguous = [[MOTHER, "2025-06-01 09:00", "女", "", "", "", "", "丙"]]
    batch_url = upload(signed_in, town, xlsx(ambiguous, BIRTH_HEADERS), "births.xlsx", kind="births").headers[
        "Location"]
    errors = batch_of(app, town, batch_url).errors
    assert [(error["row"], error["column"]) for error in errors] == [(2, "孩次")]


# ---------------------------------------------------------------------------------------------------------
# Uploads at rest, zip bombs, limits


def test_an_upload_is_kept_encrypted_and_dropped_when_the_import_ends(app, signed_in, town):
    from renkou.imports import uploads
    from renkou.types import utcnow

    rows = people_rows(3)
    batch_url = upload(signed_in, town, xlsx(rows)).headers["Location"]
    kept = batch_of(app, town, batch_url).content
    assert kept and not kept.startswith(b"PK") and rows[0][1].encode() not in kept
    assert b"PK" not in kept[:16]
    commit(signed_in, batch_url)
    assert batch_of(app, town, batch_url).content is None
    assert batch_of(app, town, batch_url).created_count == 3  # the per-row results stay

    abandoned = upload(signed_in, town, xlsx(people_rows(2))).headers["Location"]
    assert batch_of(app, town, abandoned).content is not None
    dropped = in_town(app, town, lambda: uploads.forget_abandoned(now=utcnow() + uploads.ABANDONED_AFTER * 2))
    assert dropped == 1 and batch_of(app, town, abandoned).content is None
    assert batch_of(app, town, abandoned).status == "checked"


def zip_bomb(unpacked_mb: int) -> bytes:
    """A workbook whose sheet unpacks to ``unpacked_mb`` MB of empty rows (a few hundred KB packed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>\xe5\xa7\x93\xe5\x90\x8d</t>'
                        b"</is></c></row>")
            block = b" " * (1024 * 1024)
            for _ in range(unpacked_mb):
                sheet.write(block)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_parsed(app, signed_in, town):
    content = zip_bomb(200)
    assert len(content) < 2 * 1024 * 1024
    started = time.monotonic()
    response = upload(signed_in, town, content)
    elapsed = time.monotonic() - started
    assert response.status_code == 422
    assert "解压后超过 150 MB" in response.get_data(as_text=True), response.get_data(as_text=True)[-2000:]
    assert elapsed < 30  # generous for a busy machine; the check stops reading at the limit


def test_the_limits_are_settings_and_a_sheet_with_too_many_rows_is_refused(app, signed_in, town):
    app.config["RENKOU_SETTINGS"] = dataclasses.replace(app.config["RENKOU_SETTINGS"], import_max_rows=50)
    response = upload(signed_in, town, xlsx(people_rows(51)))
    assert response.status_code == 422 and "超过 50 行" in response.get_data(as_text=True)
    assert upload(signed_in, town, xlsx(people_rows(50))).status_code == 302
    app.config["RENKOU_SETTINGS"] = dataclasses.replace(app.config["RENKOU_SETTINGS"], import_max_unpacked_mb=1)
    response = upload(signed_in, town, zip_bomb(2))
    assert response.status_code == 422 and "解压后超过 1 MB" in response.get_data(as_text=True)


# ---------------------------------------------------------------------------------------------------------
# Templates and exports that import again


def test_every_template_keeps_its_example_out_of_the_data_sheet(app, signed_in, town):
    from renkou.imports.engine import all_specs

    with app.app_context():
        kinds = [spec.kind for spec in all_specs()]
    assert {"people", "households", "births", "funding"} <= set(kinds)
    for kind in kinds:
        response = signed_in.get(f"/t/{town.slug}/imports/templates/{kind}.xlsx")
        book = load_workbook(io.BytesIO(response.data))
        data, notes = book.worksheets[0], book["说明"]
        assert data.max_row == 1, kind  # the header row alone
        examples = [row for row in notes.iter_rows(min_row=2, values_only=True) if row and row[0]]
        assert any(row[2] for row in examples), kind
        batch_url = upload(signed_in, town, response.data, f"{kind}.xlsx", kind=kind).headers["Location"]
        batch = batch_of(app, town, batch_url)
        assert (batch.status, batch.total_rows, batch.error_rows) == ("checked", 0, 0), kind
        assert 'id="created-count">0<' in commit(signed_in, batch_url), kind


def export_and_import(client, town, list_path: str, kind: str) -> tuple[ImportBatch, str]:
    exported = client.get(list_path)
    assert exported.status_code == 200, list_path
    batch_url = upload(client, town, exported.data, f"{kind}.xlsx", kind=kind).headers["Location"]
    return batch_url, commit(client, batch_url)


def test_exported_lists_import_again_unchanged(app, signed_in, factory, town, in_request):
    village = factory.village(town, "201", "城关村")
    household = factory.household(town, "CG-001", village_id=village, address="城关村一组3号")
    mother = factory.person(town, name="王芳", resident_id=MOTHER, household_id=household, relation="spouse",
                            marital_status="married", phone="13800136933")
    factory.person(town, name="张强", resident_id="34052419800101001X", household_id=household, relation="head")
    factory.person(town, name="无证人", sex="F", birth_date=date(1950, 5, 1))
    from tenants.births.services import births as birth_services

    def record_birth():
        birth_services.create_birth({"mother_id": mother, "born_at": datetime(2025, 3, 1, 0, 30, tzinfo=UTC),
                                     "sex": "F", "birth_order": 1, "place_type": "home", "child_name": "小花"})

    in_town(app, town, record_birth)

    def snapshot():
        from tenants.births.models import Birth
        from tenants.registry.models import Household, Person

        people = select(Person.id, Person.name, Person.sex, Person.birth_date, Person.resident_id_index,
                        Person.household_id, Person.relation, Person.marital_status, Person.updated_at)
        households = select(Household.id, Household.number, Household.village_id, Household.address,
                            Household.updated_at)
        return ([tuple(row) for row in db.session.execute(people.order_by(Person.id))],
                [tuple(row) for row in db.session.execute(households)],
                [tuple(row) for row in db.session.execute(select(Birth.id, Birth.mother_id, Birth.born_at, Birth.sex,
                                                                 Birth.place_type, Birth.updated_at))],
                {person.id: person.phone for person in db.session.scalars(select(Person))})

    def changes():
        return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action.in_(["person.update", "person.create", "household.update", "household.create",
                                   "birth.update", "birth.create"])))

    before, changes_before = in_town(app, town, snapshot), in_town(app, town, changes)
    for list_path, kind, rows in ((f"/t/{town.slug}/people/export.xlsx", "people", 3),
                                  (f"/t/{town.slug}/households/export.xlsx", "households", 1),
                                  (f"/t/{town.slug}/births/export.xlsx", "births", 1)):
        batch_url, body = export_and_import(signed_in, town, list_path, kind)
        batch = batch_of(app, town, batch_url)
        assert batch.errors == [] and batch.total_rows == rows, (kind, batch.errors)
        assert 'id="created-count">0<' in body, kind
    assert in_town(app, town, snapshot) == before
    assert in_town(app, town, changes) == changes_before

    factory.funding_entry(town, "2025-007")
    factory.clinic_records(town, village)
    for list_path, kind in ((f"/t/{town.slug}/funding/export.xlsx", "funding"),
                            (f"/t/{town.slug}/clinics/export.xlsx", "clinic_units")):
        batch_url, body = export_and_import(signed_in, town, list_path, kind)
        batch = batch_of(app, town, batch_url)
        assert batch.errors == [] and batch.total_rows >= 1, (kind, batch.errors)
        assert 'id="created-count">0<' in body, kind


def test_a_masked_cell_is_an_error_only_on_a_new_row(app, signed_in, town):
    rows = [["新人甲", "411524********3160", "女", "1990-01-01", "", "户主", "已婚", ""],
            ["新人乙", make_id(7), "", "", "", "户主", "已婚", "*******6933"]]
    batch_url = upload(signed_in, town, xlsx(rows)).headers["Location"]
    errors = batch_of(app, town, batch_url).errors
    assert [(error["row"], error["column"]) for error in errors] == [(2, "身份证号码"), (3, "联系电话")]
    assert people_count(app, town) == 0
