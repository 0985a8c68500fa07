""""Export to Excel" on every town list: a real workbook with Chinese headers, ID numbers and phones masked,
the list's current filters applied, and an audit entry (which names the filters, never a person's values).

Every test runs on PostgreSQL and on SQLite.
"""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from renkou.audit.models import AuditEvent
from renkou.extensions import db
from tests.conftest import in_town, login

MOTHER_ID = "11010519491231002X"
MASKED_ID = "110105********002X"
PHONE, MASKED_PHONE = "13800138000", "*******8000"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def records(factory, town):
    """One record of every exported kind, in the village 城关村 (the other village has none)."""
    village = factory.village(town, "201", "城关村")
    other_village = factory.village(town, "202", "河西村")
    group = factory.group(town, village, "001", "第一组")
    factory.staff(town, village, name="赵专干", phone=PHONE)
    household = factory.household(town, "H-001", village_id=village, group_id=group)
    mother = factory.person(town, name="王芳", resident_id=MOTHER_ID, household_id=household, phone=PHONE)
    ids = factory.birth_records(town, mother)
    factory.counselling_visit(town, mother)
    factory.follow_up_visit(town, mother)
    factory.movement(town, mother, "move_out", date(2025, 3, 1))
    return {"village_id": village, "other_village_id": other_village, **ids}


@pytest.fixture
def signed_in(client, town):
    login(client, town.admin_username)
    return client


# (list page, export URL, the audit action, a header the sheet has, whether the rows hold ID numbers,
#  a filter the records match, one they do not)
IN_VILLAGE, ELSEWHERE = "village_id={village_id}", "village_id={other_village_id}"
EXPORTS = [
    ("births/registrations/", "births/registrations/export.xlsx", "birth_registration.export", "登记编号", True,
     IN_VILLAGE, ELSEWHERE),
    ("births/", "births/export.xlsx", "birth.export", "出生时间", True, IN_VILLAGE, ELSEWHERE),
    ("births/notices/", "births/notices/export.xlsx", "birth_notice.export", "接收时间", True, "on_time=1",
     "on_time=0"),
    ("births/tasks/", "births/tasks/export.xlsx", "birth_task.export", "办理期限", True, IN_VILLAGE, ELSEWHERE),
    ("counselling/", "counselling/export.xlsx", "counselling_visit.export", "咨询涉及的方法", True, IN_VILLAGE,
     ELSEWHERE),
    ("counselling/follow-ups/", "counselling/follow-ups/export.xlsx", "follow_up_visit.export", "随访内容", True,
     IN_VILLAGE, ELSEWHERE),
    ("movements/", "movements/export.xlsx", "movement.export", "迁往地或迁出地", True, IN_VILLAGE, ELSEWHERE),
    ("groups/", "groups/export.xlsx", "group.export", "村民小组完整代码", False, IN_VILLAGE, ELSEWHERE),
    ("staff/", "staff/export.xlsx", "staff.export", "联系电话", False, IN_VILLAGE, ELSEWHERE),
]


def sheet_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    return [["" if value is None else str(value) for value in row] for row in sheet.iter_rows(values_only=True)]


def audit_details(app, town, action: str) -> list[dict]:
    return in_town(app, town, lambda: [event.detail for event in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))])


@pytest.mark.parametrize(("page", "export", "action", "header", "has_ids", "matching", "excluding"), EXPORTS,
                         ids=[entry[2] for entry in EXPORTS])
def test_each_list_exports_a_masked_audited_workbook(app, signed_in, town, records, page, export, action, header,
                                                     has_ids, matching, excluding):
    base = f"/t/{town.slug}/"
    matching, excluding = matching.format(**records), excluding.format(**records)
    list_page = signed_in.get(f"{base}{page}?{matching}").get_data(as_text=True)
    # The button exports what the page shows: the same filters.
    assert f'href="{base}{export}?{matching}"' in list_page

    rows = sheet_rows(signed_in.get(f"{base}{export}?{matching}"))
    headers, data = rows[0], rows[1:]
    assert header in headers and all(CHINESE.search(name) for name in headers)
    assert data and all(len(row) == len(headers) for row in data)
    cells = [cell for row in data for cell in row]
    assert MOTHER_ID not in cells and PHONE not in cells
    assert (MASKED_ID in cells) == has_ids
    if export.startswith("staff/"):
        assert MASKED_PHONE in cells
    assert audit_details(app, town, action), f"no {action} audit entry"

    elsewhere = sheet_rows(signed_in.get(f"{base}{export}?{excluding}"))
    assert elsewhere == [headers]  # the filters apply to the export too
    details = audit_details(app, town, action)
    assert len(details) == 2 and details[0] != details[1]  # the entries name the filters
    assert "王芳" not in str(details) and MOTHER_ID not in str(details)


def test_exports_carry_the_values_people_read(app, signed_in, town, records):
    """A few cells checked in full: local times, Chinese headers beside the values, masked phones."""
    base = f"/t/{town.slug}/"
    births = sheet_rows(signed_in.get(base + "births/export.xlsx"))
    row = dict(zip(births[0], births[1], strict=True))
    assert row["母亲姓名"] == "王芳" and row["母亲身份证号码"] == MASKED_ID and row["村/社区"] == "城关村"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", row["出生时间"]) and row["孩次"] == "2"

    staff = sheet_rows(signed_in.get(base + "staff/export.xlsx"))
    assert dict(zip(staff[0], staff[1], strict=True))["联系电话"] == MASKED_PHONE

    groups = sheet_rows(signed_in.get(base + "groups/export.xlsx"))
    assert dict(zip(groups[0], groups[1], strict=True)) == {
        "村/社区代码": town.code + "201", "村/社区": "城关村", "村民小组代码": "001",
        "村民小组完整代码": town.code + "201001", "村民小组名称": "第一组", "户数": "1"}


def test_viewers_may_export_and_the_registry_exports_still_work(app, client, factory, town, records):
    factory.user("reader", "town_viewer", town)
    login(client, "reader")
    assert sheet_rows(client.get(f"/t/{town.slug}/births/export.xlsx"))[1][1] == MASKED_ID
    people = sheet_rows(client.get(f"/t/{town.slug}/people/export.xlsx"))
    assert people[0][:2] == ["姓名", "身份证号码"] and MASKED_ID in people[1]
    households = sheet_rows(client.get(f"/t/{town.slug}/households/export.xlsx"))
    assert households[1][0] == "H-001"
