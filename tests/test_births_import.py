"""Spreadsheet import of births: the mother by her full ID number, the time of birth in the county's time,
a dry run that names exactly the bad rows in Chinese, one commit for the rest, and re-uploads that update.

Reasons are compared with what the Chinese catalog makes of their message (``zh``), so the tests hold
before and after the catalog has the messages new with this work. Every test runs on PostgreSQL and SQLite.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from renkou.audit.models import AuditEvent
from renkou.extensions import db
from renkou.imports.models import ImportBatch
from tests.conftest import in_town, login, post_form

HEADERS = ["母亲身份证号码*", "出生时间*", "性别*", "孩次", "体重(克)", "出生地点类型", "出生地点", "孩子姓名"]
MOTHER_A = "411524199203150022"  # women (even sequence), valid check characters
MOTHER_B = "11010519491231002X"
FATHER = "34052419800101001X"  # a man on the register
STRANGER = "411524199203150049"  # a woman who is not on the register


def xlsx(rows, headers=HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zh(app, message: str, **values) -> str:
    """``message`` as the Chinese pages show it."""
    from flask_babel import gettext

    with app.test_request_context():
        return gettext(message, **values)


@pytest.fixture
def mothers(factory, town):
    village = factory.village(town, "201", "城关村")
    household = factory.household(town, "H-001", village_id=village)
    return {
        "a": factory.person(town, name="王芳", resident_id=MOTHER_A, household_id=household),
        "b": factory.person(town, name="李梅", resident_id=MOTHER_B, household_id=household),
        "father": factory.person(town, name="张强", resident_id=FATHER, household_id=household),
    }


@pytest.fixture
def signed_in(client, town):
    login(client, town.admin_username)
    return client


def upload(client, town, content: bytes, filename="births.xlsx"):
    form = {"kind": "births", "file": (io.BytesIO(content), filename)}
    response = post_form(client, f"/t/{town.slug}/imports/", form, token_from=f"/t/{town.slug}/imports/",
                         content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def commit(client, batch_url: str) -> str:
    return post_form(client, batch_url + "/commit", {}, token_from=batch_url, follow_redirects=True).get_data(
        as_text=True)


def batch_errors(app, town, batch_url: str) -> dict[int, list[tuple[str, str]]]:
    batch_id = int(batch_url.rstrip("/").rsplit("/", 1)[1])
    errors = in_town(app, town, lambda: db.session.get(ImportBatch, batch_id).errors)
    found: dict[int, list[tuple[str, str]]] = {}
    for error in errors:
        found.setdefault(error["row"], []).append((error["column"], error["message"]))
    return found


def births(app, town) -> list[tuple]:
    from tenants.births.models import Birth

    def read():
        rows = db.session.execute(select(Birth.mother_id, Birth.born_at, Birth.sex, Birth.weight_grams,
                                         Birth.place_type, Birth.place_name, Birth.child_name, Birth.birth_order)
                                  .order_by(Birth.born_at))
        return [tuple(row) for row in rows]

    return in_town(app, town, read)


GOOD = [
    [MOTHER_A, "2025-03-01 08:30", "女", "1", "3200", "医院", "县妇幼保健院", "王小花"],
    [MOTHER_B, "2025/4/2 23:10", "男", "", "", "家中", "", ""],
]


def test_dry_run_lists_exactly_the_bad_rows_in_chinese_and_the_commit_writes_the_rest(app, signed_in, town,
                                                                                     mothers):
    rows = [
        *GOOD,                                                          # rows 2 and 3
        [STRANGER, "2025-03-02 10:00", "女", "", "", "", "", ""],       # 4: not on the register
        [MOTHER_A, "2025-03-05", "女", "", "", "", "", ""],             # 5: no time of birth
        [MOTHER_B, "2025-03-06 09:00", "未知", "", "", "", "", ""],     # 6: sex
        [MOTHER_A, "2025-03-01 08:30", "女", "1", "", "", "", ""],      # 7: the same birth as row 2
        [FATHER, "2025-03-07 09:00", "女", "", "", "", "", ""],         # 8: a man as the mother
        [MOTHER_B, "2025-03-08 09:00", "女", "", "", "路边", "", ""],   # 9: place type
        ["411524199203150023", "2025-03-09 09:00", "女", "", "", "", "", ""],  # 10: check character
        [MOTHER_B, datetime(2025, 5, 6, 7, 45), "女", "2", "2900", "其他", "", ""],  # 11: a date-and-time cell
    ]
    batch_url = upload(signed_in, town, xlsx(rows))
    page = signed_in.get(batch_url).get_data(as_text=True)
    assert births(app, town) == []  # the check wrote nothing
    assert 'id="error-rows">7<' in page and 'id="valid-rows">3<' in page

    errors = batch_errors(app, town, batch_url)
    assert sorted(errors) == [4, 5, 6, 7, 8, 9, 10]
    expected = {
        4: ("母亲身份证号码", zh(app, "The mother is not on the register: add her to the people register first.")),
        5: ("出生时间", zh(app, "Write the time of birth as 2025-03-01 08:30.")),
        6: ("性别", "请填写 男 或 女。"),
        7: ("出生时间", "与本文件第 2 行重复。"),
        8: ("母亲身份证号码", "请从在册人员中选择一位女性作为母亲。"),
        9: ("出生地点类型", zh(app, "Write 医院, 家中 or 其他.")),
        10: ("母亲身份证号码", "身份证号码校验位不正确，请核对号码。"),
    }
    for row, (column, message) in expected.items():
        assert errors[row] == [(column, message)], row
        assert message in page

    body = commit(signed_in, batch_url)
    assert 'id="created-count">3<' in body
    recorded = births(app, town)
    assert recorded == [
        (mothers["a"], datetime(2025, 3, 1, 0, 30, tzinfo=UTC), "F", 3200, "hospital", "县妇幼保健院", "王小花", 1),
        (mothers["b"], datetime(2025, 4, 2, 15, 10, tzinfo=UTC), "M", None, "home", None, None, None),
        (mothers["b"], datetime(2025, 5, 5, 23, 45, tzinfo=UTC), "F", 2900, "other", None, None, 2),
    ]


def test_a_re_upload_updates_the_birth_instead_of_duplicating_it(app, signed_in, town, mothers):
    commit(signed_in, upload(signed_in, town, xlsx(GOOD)))
    changed = [list(row) for row in GOOD]
    changed[0][4] = "3350"  # weight corrected
    changed[1][7] = "李小龙"  # the child's name given later
    body = commit(signed_in, upload(signed_in, town, xlsx(changed)))
    assert 'id="created-count">0<' in body and 'id="updated-count">2<' in body
    recorded = births(app, town)
    assert len(recorded) == 2
    assert recorded[0][3] == 3350 and recorded[0][6] == "王小花"  # a blank cell keeps what is stored
    assert recorded[1][6] == "李小龙" and recorded[1][4] == "home"

    def updates():
        return [event.detail for event in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "birth.update").order_by(AuditEvent.id))]

    assert in_town(app, town, updates) == [{"fields": ["weight_grams"]}, {"fields": ["child_name"]}]


def test_a_mother_not_on_the_register_is_refused(app, signed_in, town, mothers):
    batch_url = upload(signed_in, town, xlsx([[STRANGER, "2025-03-02 10:00", "女"]], HEADERS[:3]))
    page = signed_in.get(batch_url).get_data(as_text=True)
    assert 'id="error-rows">1<' in page and 'id="valid-rows">0<' in page
    assert zh(app, "The mother is not on the register: add her to the people register first.") in page
    assert batch_errors(app, town, batch_url).keys() == {2}
    commit(signed_in, batch_url)
    assert births(app, town) == []


def test_template_has_the_chinese_headers_and_its_example_on_a_separate_sheet(app, signed_in, factory, town):
    response = signed_in.get(f"/t/{town.slug}/imports/templates/births.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.worksheets[0]
    assert [cell.value for cell in sheet[1]] == [*HEADERS, "编号"]
    assert sheet.max_row == 1  # an example in the data sheet would be imported as a real birth
    assert ["母亲身份证号码", "是", MOTHER_A] in [list(row) for row in book["说明"].iter_rows(values_only=True)]
    assert "births" in signed_in.get(f"/t/{town.slug}/imports/").get_data(as_text=True)
    # Even once the example mother is on the register, the template as it stands imports nothing.
    factory.person(town, name="示例母亲", resident_id=MOTHER_A)
    body = commit(signed_in, upload(signed_in, town, response.data))
    assert 'id="created-count">0<' in body
    assert births(app, town) == []
