""""Export to Excel" on every part-2 list (clinic units, licences, inspections, findings; funding entries;
outreach activities, deliveries, slogans, school sessions; governance members, agreements, duties): a real
workbook with Chinese headers, phones masked, the list's filters applied, an audit entry naming the filters
(never a record's values), and nothing of another town.

Every test runs on PostgreSQL and on SQLite.
"""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from renkou.audit.models import AuditEvent
from renkou.extensions import db
from tests.conftest import in_town, login, post_form

CLINIC_PHONE, MEMBER_PHONE = "13900139000", "13700137000"  # what the factories store
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def records(factory, town):
    """One record of every part-2 kind in the village 城关村 (the other village has none)."""
    village = factory.village(town, "201", "城关村")
    other_village = factory.village(town, "202", "河西村")
    household = factory.household(town, "H-001", village_id=village)
    ids = {"village_id": village, "other_village_id": other_village}
    ids.update(factory.clinic_records(town, village))
    ids["entry_id"] = factory.funding_entry(town, "2025-001", description="购置服务站电脑")
    ids.update(factory.outreach_records(town, village, household))
    ids.update(factory.governance_records(town, village, household))
    return ids


@pytest.fixture
def signed_in(client, town):
    login(client, town.admin_username)
    return client


# (list page, export URL, the audit action, a header the sheet has, a filter the records match, one they do not)
IN_VILLAGE, ELSEWHERE = "village_id={village_id}", "village_id={other_village_id}"
EXPORTS = [
    ("clinics/", "clinics/export.xlsx", "clinic_unit.export", "机构名称", IN_VILLAGE, ELSEWHERE),
    ("clinics/licences/", "clinics/licences/export.xlsx", "clinic_licence.export", "证照编号", "kind=practice",
     "kind=radiology"),
    ("clinics/inspections/", "clinics/inspections/export.xlsx", "clinic_inspection.export", "不合格项目",
     "unit_id={unit_id}", "date_to=2000-12-31"),
    ("clinics/findings/", "clinics/findings/export.xlsx", "clinic_finding.export", "整改期限", "status=open",
     "status=closed"),
    ("funding/", "funding/export.xlsx", "funding.export", "凭证号", "year=2025", "year=2024"),
    ("outreach/", "outreach/export.xlsx", "outreach_activity.export", "活动类别", IN_VILLAGE, ELSEWHERE),
    ("outreach/deliveries/", "outreach/deliveries/export.xlsx", "material_delivery.export", "户编号", IN_VILLAGE,
     ELSEWHERE),
    ("outreach/slogans/", "outreach/slogans/export.xlsx", "outreach_slogan.export", "标语内容", IN_VILLAGE, ELSEWHERE),
    ("outreach/school-sessions/", "outreach/school-sessions/export.xlsx", "school_session.export", "主题",
     IN_VILLAGE, ELSEWHERE),
    ("governance/", "governance/export.xlsx", "leadership_member.export", "小组职务", "active=true", "active=false"),
    ("governance/agreements/", "governance/agreements/export.xlsx", "agreement.export", "考核项目", "year=2025",
     "year=2024"),
    ("governance/duties/", "governance/duties/export.xlsx", "cadre_assignment.export", "包户户编号", IN_VILLAGE,
     ELSEWHERE),
]


def sheet_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    return [["" if value is None else str(value) for value in row] for row in sheet.iter_rows(values_only=True)]


def as_dicts(rows: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def audit_details(app, town, action: str) -> list[dict]:
    return in_town(app, town, lambda: [event.detail for event in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action, AuditEvent.town_code == town.code)
        .order_by(AuditEvent.id))])


@pytest.mark.parametrize(("page", "export", "action", "header", "matching", "excluding"), EXPORTS,
                         ids=[entry[2] for entry in EXPORTS])
def test_each_part2_list_exports_a_masked_audited_workbook(app, signed_in, town, records, page, export, action,
                                                           header, matching, excluding):
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
    assert CLINIC_PHONE not in cells and MEMBER_PHONE not in cells
    assert audit_details(app, town, action), f"no {action} audit entry"

    elsewhere = sheet_rows(signed_in.get(f"{base}{export}?{excluding}"))
    assert elsewhere == [headers]  # the filters apply to the export too
    details = audit_details(app, town, action)
    assert len(details) == 2 and details[0] != details[1]  # the entries name the filters
    assert "测试诊所" not in str(details) and "测试书记" not in str(details) and MEMBER_PHONE not in str(details)


def test_exports_carry_the_values_people_read(app, signed_in, town, records):
    base = f"/t/{town.slug}/"
    units = as_dicts(sheet_rows(signed_in.get(base + "clinics/export.xlsx")))
    assert units == [{"机构名称": "测试诊所", "机构类别": "个体诊所/民营医疗机构", "村/社区代码": town.code + "201",
                      "村/社区": "城关村", "地址": "", "联系人": "赵医生", "联系电话": "*******9000",
                      "服务项目": "人工流产/终止妊娠、普通门诊", "不得开展的服务": "人工流产/终止妊娠",
                      "是否在营": "是", "最近巡查日期": units[0]["最近巡查日期"]}]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", units[0]["最近巡查日期"])

    findings = as_dicts(sheet_rows(signed_in.get(base + "clinics/findings/export.xlsx")))
    assert sorted(row["问题来源"] for row in findings) == ["巡查", "违规开展服务"]
    assert {row["状态"] for row in findings} == {"待整改"}

    inspections = as_dicts(sheet_rows(signed_in.get(base + "clinics/inspections/export.xlsx")))
    assert inspections[0]["机构名称"] == "测试诊所" and inspections[0]["不合格项数"] == "1"
    assert inspections[0]["不合格项目"].endswith("：未登记")  # the failed item and the inspector's note

    members = as_dicts(sheet_rows(signed_in.get(base + "governance/export.xlsx")))
    assert members == [{"排序": "0", "姓名": "测试书记", "职务": "党委书记", "小组职务": "组长",
                        "联系电话": "*******7000", "是否在组": "是"}]

    items = as_dicts(sheet_rows(signed_in.get(base + "governance/agreements/export.xlsx?year=2025")))
    assert [(row["村/社区"], row["考核项目"], row["分值"], row["一票否决"], row["否决类别"]) for row in items] == [
        ("城关村", "宣传品入户", "10", "否", ""), ("城关村", "两非案件", "0", "是", "监管（两非案件）")]
    assert {row["是否上传扫描件"] for row in items} == {"是"}

    deliveries = as_dicts(sheet_rows(signed_in.get(base + "outreach/deliveries/export.xlsx")))
    assert deliveries == [{"发放日期": "2025-04-01", "宣传品名称": "婚育新风宣传册", "宣传品类别": "宣传册",
                           "村/社区代码": town.code + "201", "村/社区": "城关村", "户编号": "H-001", "备注": ""}]
    duties = as_dicts(sheet_rows(signed_in.get(base + "governance/duties/export.xlsx")))
    assert [(row["干部姓名"], row["类别"], row["包户户编号"], row["户数"]) for row in duties] == [
        ("测试书记", "包户", "H-001", "1")]
    funding = as_dicts(sheet_rows(signed_in.get(base + "funding/export.xlsx")))
    assert funding == [{"凭证号": "2025-001", "日期": "2025-03-01", "金额（元）": "1000.00", "类别": "设备",
                        "摘要": "购置服务站电脑"}]


def upload_and_commit(client, town, kind: str, content: bytes) -> str:
    form = {"kind": kind, "file": (io.BytesIO(content), f"{kind}.xlsx")}
    response = post_form(client, f"/t/{town.slug}/imports/", form, token_from=f"/t/{town.slug}/imports/",
                         content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    batch_url = response.headers["Location"]
    return post_form(client, batch_url + "/commit", {}, token_from=batch_url, follow_redirects=True).get_data(
        as_text=True)


# (export URL, the import kind that reads it, the rows it holds)
ROUND_TRIPS = [
    ("funding/export.xlsx", "funding", 1),
    ("clinics/export.xlsx", "clinic_units", 1),
    ("clinics/licences/export.xlsx", "clinic_licences", 1),
    ("outreach/export.xlsx", "outreach_activities", 1),
    ("outreach/deliveries/export.xlsx", "material_deliveries", 1),
    ("outreach/school-sessions/export.xlsx", "school_sessions", 1),
    ("governance/export.xlsx", "leadership_members", 1),
    ("governance/duties/export.xlsx", "cadre_households", 1),
    ("governance/agreements/export.xlsx?year=2025", "agreement_items", 2),
]


def test_an_export_uploaded_again_changes_nothing(app, signed_in, town, records):
    """The exported headers are the import's: a list can be exported, corrected and uploaded again. As it
    stands it updates every record in place (masked phones keep the stored numbers)."""
    base = f"/t/{town.slug}/"
    for export, kind, rows in ROUND_TRIPS:
        exported = signed_in.get(base + export)
        body = upload_and_commit(signed_in, town, kind, exported.data)
        assert 'id="error-rows">0<' in body and 'id="created-count">0<' in body, (kind, body[
            body.find("import-errors"):][:800])
        assert f'id="updated-count">{rows}<' in body, kind
        assert sheet_rows(signed_in.get(base + export)) == sheet_rows(exported), kind

    def phones():
        from tenants.clinics.models import MedicalUnit
        from tenants.governance.models import LeadershipMember

        return ([unit.contact_phone for unit in db.session.scalars(select(MedicalUnit))],
                [member.phone for member in db.session.scalars(select(LeadershipMember))])

    assert in_town(app, town, phones) == ([CLINIC_PHONE], [MEMBER_PHONE])


def test_an_export_never_holds_another_towns_rows(app, client, factory, town, records):
    other = factory.town()
    other_village = factory.village(other, "201", "乙镇的村")
    other_household = factory.household(other, "B-001", village_id=other_village)
    factory.clinic_records(other, other_village)
    factory.funding_entry(other, "B-2025-999")
    factory.outreach_records(other, other_village, other_household)
    factory.governance_records(other, other_village, other_household)
    login(client, town.admin_username)
    for _page, export, action, _header, matching, _excluding in EXPORTS:
        url = f"/t/{town.slug}/{export}"
        text = str(sheet_rows(client.get(url + ("?year=2025" if "year" in matching else ""))))
        assert "乙镇的村" not in text and "B-001" not in text and "B-2025-999" not in text, export
        # The other town's export is not this town's member's to read, and is not audited as its own.
        assert client.get(f"/t/{other.slug}/{export}").status_code == 404
        assert audit_details(app, other, action) == []


def test_viewers_may_export(app, client, factory, town, records):
    factory.user("reader", "town_viewer", town)
    login(client, "reader")
    for _page, export, _action, header, _matching, _excluding in EXPORTS:
        assert header in sheet_rows(client.get(f"/t/{town.slug}/{export}"))[0]
