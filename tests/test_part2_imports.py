"""Spreadsheet import of the part-2 registers: medical units and licences (clinics); activities, materials
delivered to households and population-school sessions (outreach); leadership members, cadres' household
duties and responsibility agreement items (governance).

For each: the template, a dry run that writes nothing and names every bad row with its column and reason,
a commit that writes exactly the valid rows through the area's services (so their rules hold: a private
clinic listing a restricted service gets a finding, a veto item covers only service, oversight or data
quality), and a re-upload that updates instead of duplicating. An import never reaches another town.

Reasons are compared with what the Chinese catalog makes of their message (``zh``), so the tests hold before
and after the catalog has the messages new with this work. Every test runs on PostgreSQL and SQLite.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from renkou.audit.models import AuditEvent
from renkou.extensions import db
from renkou.imports.models import ImportBatch
from tests.conftest import in_town, login, post_form

PART2_KINDS = ("clinic_units", "clinic_licences", "outreach_activities", "material_deliveries", "school_sessions",
               "leadership_members", "cadre_households", "agreement_items")


def xlsx(headers: list[str], rows: list[list]) -> bytes:
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


def duplicate_of(app, row: int) -> str:
    return zh(app, "The same as row %(row)s of this file.", row=row)


@pytest.fixture
def signed_in(client, town):
    login(client, town.admin_username)
    return client


@pytest.fixture
def place(factory, town):
    """Two villages (城关村 with two households, 河西村 with one)."""
    village = factory.village(town, "201", "城关村")
    other = factory.village(town, "202", "河西村")
    return {"village_id": village, "other_village_id": other,
            "h1": factory.household(town, "H-001", village_id=village),
            "h2": factory.household(town, "H-002", village_id=village),
            "h3": factory.household(town, "H-003", village_id=other)}


def upload(client, town, kind: str, content: bytes, filename: str = "upload.xlsx") -> str:
    form = {"kind": kind, "file": (io.BytesIO(content), filename)}
    response = post_form(client, f"/t/{town.slug}/imports/", form, token_from=f"/t/{town.slug}/imports/",
                         content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.headers["Location"]


def commit(client, batch_url: str) -> str:
    return post_form(client, batch_url + "/commit", {}, token_from=batch_url, follow_redirects=True).get_data(
        as_text=True)


def batch_of(app, town, batch_url: str) -> ImportBatch:
    batch_id = int(batch_url.rstrip("/").rsplit("/", 1)[1])

    def read():
        batch = db.session.get(ImportBatch, batch_id)
        db.session.expunge(batch)
        return batch

    return in_town(app, town, read)


def errors_by_row(app, town, batch_url: str) -> dict[int, list[tuple[str, str]]]:
    found: dict[int, list[tuple[str, str]]] = {}
    for error in batch_of(app, town, batch_url).errors:
        found.setdefault(error["row"], []).append((error["column"], error["message"]))
    return found


def counts(batch: ImportBatch) -> tuple[int, int]:
    return batch.created_count, batch.updated_count


def count(app, town, model) -> int:
    return in_town(app, town, lambda: db.session.scalar(select(func.count()).select_from(model)))


def test_the_imports_page_offers_every_part2_kind_with_a_chinese_template(app, signed_in, town):
    page = signed_in.get(f"/t/{town.slug}/imports/").get_data(as_text=True)
    for kind in PART2_KINDS:
        assert f'<option value="{kind}">' in page
        response = signed_in.get(f"/t/{town.slug}/imports/templates/{kind}.xlsx")
        assert response.status_code == 200
        headers = [cell.value for cell in load_workbook(io.BytesIO(response.data)).active[1]]
        assert headers and all(any("\u4e00" <= char <= "\u9fff" for char in header) for header in headers), kind


# ---------------------------------------------------------------------------------------------------------
# Clinics

UNIT_HEADERS = ["机构名称*", "机构类别*", "所有制", "村/社区", "地址", "联系人", "联系电话", "服务项目", "是否在营"]


def test_medical_units_dry_run_commit_findings_and_re_upload(app, signed_in, town, place):
    from tenants.clinics.models import Finding, MedicalUnit

    rows = [
        ["仁和诊所", "诊所", "", "城关村", "解放路12号", "赵医生", "13900139000", "助产、普通门诊", "在营"],  # 2
        ["城关镇卫生院", "乡镇卫生院", "公立", f"{town.code}201", "人民路1号", "", "", "助产", ""],  # 3
        ["无类别诊所", "", "", "", "", "", "", "", ""],  # 4: no kind
        ["公立诊所", "诊所", "公立", "", "", "", "", "", ""],  # 5: contradiction
        ["远方诊所", "村卫生室", "", "无此村", "", "", "", "", ""],  # 6: village
        ["仁和诊所", "村卫生室", "", "", "", "", "", "", ""],  # 7: duplicate
        ["按摩店", "诊所", "", "", "", "", "", "按摩", ""],  # 8: service
        ["民营门诊部", "", "民营", "河西村", "", "", "", "上环", "是"],  # 9: private by ownership
        ["电话错诊所", "诊所", "", "", "", "", "12ab", "", ""],  # 10: phone
        ["民营卫生院", "乡镇卫生院", "民营", "", "", "", "", "", ""],  # 11: private kind
    ]
    batch_url = upload(signed_in, town, "clinic_units", xlsx(UNIT_HEADERS, rows))
    page = signed_in.get(batch_url).get_data(as_text=True)
    assert count(app, town, MedicalUnit) == 0 and count(app, town, Finding) == 0  # the check wrote nothing
    assert 'id="error-rows">7<' in page and 'id="valid-rows">3<' in page
    errors = errors_by_row(app, town, batch_url)
    assert errors == {
        4: [("机构类别", zh(app, "This field is required."))],
        5: [("所有制", zh(app, "个体诊所/民营医疗机构 is not publicly owned: correct the kind or the ownership."))],
        6: [("村/社区", zh(app, "No village with this code or name in this town."))],
        7: [("机构名称", duplicate_of(app, 2))],
        8: [("服务项目", errors[8][0][1])],
        10: [("联系电话", zh(app, "Not a valid phone number."))],
        11: [("机构类别", zh(app, "A privately owned unit is recorded as 个体诊所/民营医疗机构: write that kind or "
                                  "leave the kind blank."))],
    }
    assert "助产" in errors[8][0][1] and "按摩" not in errors[8][0][1]  # it says what may be written
    for messages in errors.values():
        assert messages[0][1] in page

    body = commit(signed_in, batch_url)
    assert 'id="created-count">3<' in body

    def stored():
        units = {unit.name: (unit.kind, unit.village.name if unit.village else None, unit.services, unit.contact_phone)
                 for unit in db.session.scalars(select(MedicalUnit))}
        findings = sorted((finding.unit.name, finding.service_code, finding.status)
                          for finding in db.session.scalars(select(Finding)))
        return units, findings

    units, findings = in_town(app, town, stored)
    assert units == {
        "仁和诊所": ("private", "城关村", ["delivery", "outpatient"], "13900139000"),
        "城关镇卫生院": ("health_centre", "城关村", ["delivery"], None),
        "民营门诊部": ("private", "河西村", ["iud_insertion"], None),
    }
    # The same rule as the form: a private clinic listing a restricted service gets a finding.
    assert findings == [("仁和诊所", "delivery", "open"), ("民营门诊部", "iud_insertion", "open")]

    # The same file again: nothing new, every valid row updates its unit; no second finding.
    again = batch_of(app, town, upload(signed_in, town, "clinic_units", xlsx(UNIT_HEADERS, rows)))
    assert again.error_rows == 7
    second_url = f"/t/{town.slug}/imports/{again.id}"
    commit(signed_in, second_url)
    assert counts(batch_of(app, town, second_url)) == (0, 3)
    assert in_town(app, town, stored) == (units, findings)

    # A corrected list: the restricted service taken off, a masked phone (as exported) keeps the number.
    corrected = [["仁和诊所", "个体诊所/民营医疗机构", "", "城关村", "", "", "*******9000", "普通门诊", "在营"]]
    commit(signed_in, upload(signed_in, town, "clinic_units", xlsx(UNIT_HEADERS, corrected)))
    units, _findings = in_town(app, town, stored)
    assert units["仁和诊所"] == ("private", "城关村", ["outpatient"], "13900139000")


LICENCE_HEADERS = ["机构名称*", "证照类别*", "证照编号*", "发证机关*", "有效期起", "有效期止"]


def test_licences_dry_run_commit_and_re_upload(app, signed_in, factory, town, place):
    from tenants.clinics.models import Licence

    unit_id = factory.clinic_records(town, place["village_id"])["unit_id"]  # 测试诊所 with licence PDY-0001
    rows = [
        ["测试诊所", "母婴保健技术服务执业许可证", "MY-001", "县卫生健康局", "2024-01-01", "2027/12/31"],  # 2
        ["无此诊所", "医疗机构执业许可证", "X-1", "县卫生健康局", "", ""],                             # 3: unit
        ["测试诊所", "营业执照", "X-2", "县市场监管局", "", ""],                                        # 4: kind
        ["测试诊所", "放射诊疗许可证", "FS-1", "县卫生健康局", "2026-01-01", "2025-01-01"],            # 5: ends first
        ["测试诊所", "母婴保健许可证", "MY-001", "县卫生健康局", "", ""],                               # 6: duplicate
        ["测试诊所", "医疗机构执业许可证", "PDY-0001", "市卫生健康委", "", "2031-12-31"],               # 7: update
        ["测试诊所", "其他", "QT-1", "县卫生健康局", "2024年5月1日", "2024-13-01"],                     # 8: date
    ]
    batch_url = upload(signed_in, town, "clinic_licences", xlsx(LICENCE_HEADERS, rows))
    errors = errors_by_row(app, town, batch_url)
    assert sorted(errors) == [3, 4, 5, 6, 8]
    assert errors[3] == [("机构名称", zh(app, "No medical unit with this name: import or add the unit first."))]
    assert errors[4][0][0] == "证照类别" and "医疗机构执业许可证" in errors[4][0][1]
    assert errors[5] == [("有效期止", zh(app, "The licence ends before it starts."))]
    assert errors[6] == [("证照编号", duplicate_of(app, 2))]
    assert errors[8] == [("有效期止", zh(app, "Write the date as 2020-01-31."))]
    assert count(app, town, Licence) == 1

    commit(signed_in, batch_url)
    assert counts(batch_of(app, town, batch_url)) == (1, 1)

    def stored():
        return sorted((lic.kind, lic.number, lic.issuer, lic.unit_id, lic.valid_from, lic.valid_to)
                      for lic in db.session.scalars(select(Licence)))

    assert in_town(app, town, stored) == [
        ("maternal_infant", "MY-001", "县卫生健康局", unit_id, date(2024, 1, 1), date(2027, 12, 31)),
        ("practice", "PDY-0001", "市卫生健康委", unit_id, None, date(2031, 12, 31)),
    ]
    second = upload(signed_in, town, "clinic_licences", xlsx(LICENCE_HEADERS, [rows[0], rows[5]]))
    commit(signed_in, second)
    assert counts(batch_of(app, town, second)) == (0, 2)
    assert count(app, town, Licence) == 2


# ---------------------------------------------------------------------------------------------------------
# Outreach

ACTIVITY_HEADERS = ["日期*", "活动类别*", "村/社区", "参加人数", "活动内容"]


def test_activities_dry_run_commit_and_re_upload(app, signed_in, town, place):
    from tenants.outreach.models import OutreachActivity

    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    rows = [
        ["2026-03-08", "婚育新风进万家文艺演出", "", "120人", "三八节演出"],  # 2: town-wide
        ["2026-03-10", "讲座", "城关村", "35", ""],                           # 3
        ["2026-03-11", "广场舞", "城关村", "", ""],                           # 4: kind
        [tomorrow, "讲座", "城关村", "", ""],                                 # 5: in the future
        ["2026-03-10", "专题讲座", "城关村", "40", ""],                       # 6: the same as row 3
        ["2026-03-12", "宣传咨询日", "河西村", "-3", ""],                     # 7: participants
    ]
    batch_url = upload(signed_in, town, "outreach_activities", xlsx(ACTIVITY_HEADERS, rows))
    errors = errors_by_row(app, town, batch_url)
    assert sorted(errors) == [4, 5, 6, 7]
    assert errors[4][0][0] == "活动类别" and "专题讲座" in errors[4][0][1]
    assert errors[5] == [("日期", zh(app, "The date is in the future."))]
    assert errors[6] == [("活动类别", duplicate_of(app, 3))]
    assert errors[7][0][0] == "参加人数"
    assert count(app, town, OutreachActivity) == 0
    commit(signed_in, batch_url)

    def stored():
        return sorted((a.activity_date.isoformat(), a.kind, a.village.name if a.village else None, a.participants,
                       a.description) for a in db.session.scalars(select(OutreachActivity)))

    assert in_town(app, town, stored) == [("2026-03-08", "new_customs_performance", None, 120, "三八节演出"),
                                          ("2026-03-10", "lecture", "城关村", 35, "")]
    # The attendance corrected: the same activity is updated, not recorded twice.
    second = upload(signed_in, town, "outreach_activities",
                    xlsx(ACTIVITY_HEADERS, [rows[0], ["2026-03-10", "专题讲座", f"{town.code}201", "38", ""]]))
    commit(signed_in, second)
    assert counts(batch_of(app, town, second)) == (0, 2)
    assert in_town(app, town, stored)[1] == ("2026-03-10", "lecture", "城关村", 38, "")


DELIVERY_HEADERS = ["发放日期*", "宣传品名称*", "宣传品类别", "户编号*", "备注"]


def test_deliveries_one_row_per_household_reached_and_coverage(app, signed_in, factory, town, place):
    from tenants.outreach.models import MaterialDelivery, OutreachMaterial
    from tenants.outreach.services.coverage import material_coverage
    from tenants.outreach.services.materials import create_material

    in_town(app, town, lambda: create_material("婚育新风宣传册", "booklet"))
    rows = [
        ["2026-03-15", "婚育新风宣传册", "", "H-001", "入户发放"],   # 2
        ["2026-03-15", "婚育新风宣传册", "", "H-002", ""],           # 3: the same delivery as row 2
        ["2026-03-15", "婚育新风宣传册", "", "H-003", ""],           # 4: another village, another delivery
        ["2026-03-16", "优生优育挂历", "挂历", "H-001", ""],          # 5: a new material, added to the catalogue
        ["2026-03-16", "无此宣传品", "", "H-001", ""],               # 6: not in the catalogue, no kind
        ["2026-03-15", "婚育新风宣传册", "", "H-404", ""],           # 7: household
        ["2026-03-15", "婚育新风宣传册", "", "H-002", ""],           # 8: the same as row 3
        ["2026-03-17", "优生优育挂历", "", "H-002", ""],             # 9: the material of row 5
    ]
    batch_url = upload(signed_in, town, "material_deliveries", xlsx(DELIVERY_HEADERS, rows))
    errors = errors_by_row(app, town, batch_url)
    assert sorted(errors) == [6, 7, 8]
    assert errors[6][0][0] == "宣传品名称"
    assert errors[7] == [("户编号", zh(app, "No household with this number: %(number)s.", number="H-404"))]
    assert errors[8] == [("户编号", duplicate_of(app, 3))]
    assert count(app, town, MaterialDelivery) == 0 and count(app, town, OutreachMaterial) == 1
    commit(signed_in, batch_url)
    assert counts(batch_of(app, town, batch_url)) == (5, 0)

    def stored():
        return sorted((d.delivery_date.isoformat(), d.material.name, d.village.name, [h.number for h in d.households],
                       d.note) for d in db.session.scalars(select(MaterialDelivery)))

    expected = [("2026-03-15", "婚育新风宣传册", "城关村", ["H-001", "H-002"], "入户发放"),
                ("2026-03-15", "婚育新风宣传册", "河西村", ["H-003"], ""),
                ("2026-03-16", "优生优育挂历", "城关村", ["H-001"], ""),
                ("2026-03-17", "优生优育挂历", "城关村", ["H-002"], "")]
    assert in_town(app, town, stored) == expected
    assert in_town(app, town, lambda: material_coverage(date(2026, 3, 1), date(2026, 3, 31))) == (3, 3)

    second = upload(signed_in, town, "material_deliveries", xlsx(DELIVERY_HEADERS, rows))
    commit(signed_in, second)
    assert counts(batch_of(app, town, second)) == (0, 5)  # every household was recorded already
    assert in_town(app, town, stored) == expected and count(app, town, OutreachMaterial) == 2


SESSION_HEADERS = ["日期*", "主题*", "村/社区", "参加人数"]


def test_school_sessions_dry_run_commit_and_re_upload(app, signed_in, town, place):
    from tenants.outreach.models import SchoolSession

    rows = [["2026-04-10", "优生优育知识", "城关村", "45"], ["2026-04-11", "青春期健康", "", "60人"],
            ["2026-04-12", "", "城关村", "10"], ["2026-04-10", "优生优育知识", "城关村", "50"]]
    batch_url = upload(signed_in, town, "school_sessions", xlsx(SESSION_HEADERS, rows))
    errors = errors_by_row(app, town, batch_url)
    assert errors == {4: [("主题", zh(app, "This field is required."))], 5: [("主题", duplicate_of(app, 2))]}
    commit(signed_in, batch_url)

    def stored():
        return sorted((s.session_date.isoformat(), s.topic, s.village.name if s.village else None, s.attendance)
                      for s in db.session.scalars(select(SchoolSession)))

    assert in_town(app, town, stored) == [("2026-04-10", "优生优育知识", "城关村", 45),
                                          ("2026-04-11", "青春期健康", None, 60)]
    corrected = [["2026-04-10", "优生优育知识", "城关村", "47"]]
    second = upload(signed_in, town, "school_sessions", xlsx(SESSION_HEADERS, corrected))
    commit(signed_in, second)
    assert counts(batch_of(app, town, second)) == (0, 1)
    assert in_town(app, town, stored)[0][3] == 47 and count(app, town, SchoolSession) == 2


# ---------------------------------------------------------------------------------------------------------
# Governance

MEMBER_HEADERS = ["姓名*", "职务*", "小组职务*", "联系电话", "排序", "是否在组"]


def test_leadership_members_dry_run_commit_and_re_upload(app, signed_in, town):
    from tenants.governance.models import LeadershipMember

    rows = [["王书记", "党委书记", "组长", "13700137000", "1", "是"], ["李镇长", "镇长", "常务副组长", "", "2", ""],
            ["张委员", "计生办主任", "秘书长", "", "", ""], ["赵委员", "", "成员", "", "", "也许"],
            ["王书记", "镇长", "成员", "", "", ""]]
    batch_url = upload(signed_in, town, "leadership_members", xlsx(MEMBER_HEADERS, rows))
    errors = errors_by_row(app, town, batch_url)
    assert sorted(errors) == [4, 5, 6]
    assert errors[4][0][0] == "小组职务" and "副组长" in errors[4][0][1]
    assert sorted(column for column, _message in errors[5]) == ["是否在组", "职务"]
    assert errors[6] == [("姓名", duplicate_of(app, 2))]
    commit(signed_in, batch_url)

    def stored():
        return sorted((m.name, m.position, m.group_role, m.phone, m.sort_order, m.active)
                      for m in db.session.scalars(select(LeadershipMember)))

    assert in_town(app, town, stored) == [("李镇长", "镇长", "deputy", None, 2, True),
                                          ("王书记", "党委书记", "leader", "13700137000", 1, True)]
    # As exported (the phone masked), one member marked as having left: the number stays.
    second = upload(signed_in, town, "leadership_members",
                    xlsx(MEMBER_HEADERS, [["王书记", "党委书记", "组长", "*******7000", "1", "否"]]))
    commit(signed_in, second)
    assert counts(batch_of(app, town, second)) == (0, 1)
    assert in_town(app, town, stored)[1] == ("王书记", "党委书记", "leader", "13700137000", 1, False)


DUTY_HEADERS = ["干部姓名*", "包户户编号*", "类别", "备注"]


def test_household_duties_replace_the_households_and_give_the_coverage(app, signed_in, factory, town, place):
    from tenants.governance.models import CadreAssignment
    from tenants.governance.services import duties, members

    member_id = in_town(app, town, lambda: members.create_member(
        {"name": "王书记", "position": "党委书记", "group_role": "leader"}).id)
    staff_id = factory.staff(town, place["village_id"], name="李专干")
    rows = [["王书记", "H-001、H-002", "包户", "每季度走访"],   # 2: a member of the group
            ["李专干", "H-003", "", ""],                       # 3: a village staff member
            ["陈干部", "H-001,H-404，H-405", "", ""],           # 4: unknown households
            ["刘干部", "H-003", "包村", ""],                    # 5: not a household duty
            ["王书记", "H-003", "", ""]]                        # 6: the same cadre as row 2
    batch_url = upload(signed_in, town, "cadre_households", xlsx(DUTY_HEADERS, rows))
    errors = errors_by_row(app, town, batch_url)
    assert errors == {
        4: [("包户户编号", zh(app, "No household with these numbers: %(numbers)s.", numbers="H-404、H-405"))],
        5: [("类别", zh(app, "Only household duties (包户) are imported; enter 包片 and 包村 duties on the duties "
                            "page."))],
        6: [("干部姓名", duplicate_of(app, 2))],
    }
    commit(signed_in, batch_url)

    def stored():
        return sorted((d.cadre_name, d.member_id, d.staff_id, [h.number for h in d.households], d.note)
                      for d in db.session.scalars(select(CadreAssignment)))

    assert in_town(app, town, stored) == [("李专干", None, staff_id, ["H-003"], ""),
                                          ("王书记", member_id, None, ["H-001", "H-002"], "每季度走访")]
    assert in_town(app, town, lambda: duties.household_coverage()).numerator == 3

    # The cadre now covers one household only: the duty is given exactly the row's households.
    second = upload(signed_in, town, "cadre_households", xlsx(DUTY_HEADERS, [["王书记", "H-002", "", ""]]))
    commit(signed_in, second)
    assert counts(batch_of(app, town, second)) == (0, 1)
    assert in_town(app, town, stored)[1] == ("王书记", member_id, None, ["H-002"], "每季度走访")
    assert count(app, town, CadreAssignment) == 2


ITEM_HEADERS = ["年度*", "村/社区", "单位名称", "签订日期", "考核项目*", "分值*", "目标", "一票否决", "否决类别"]


def test_agreement_items_keep_the_rules_of_agreements(app, signed_in, town, place):
    from tenants.governance.models import Agreement
    from tenants.governance.services import agreements

    rows = [
        ["2026", "城关村", "", "2026-02-20", "宣传品入户", "10", "入户率≥95%", "否", ""],      # 2
        ["2026年", "城关村", "", "", "两非案件", "0", "", "是", "两非案件"],                     # 3
        ["2026", "城关村", "", "", "控制超生", "10", "", "", ""],                                # 4: forbidden term
        ["2026", "城关村", "", "", "出生人口", "0", "", "是", ""],                              # 5: veto without kind
        ["2026", "城关村", "县医院", "", "随访", "5", "", "", ""],                              # 6: two parties
        ["2026", "", "县妇幼保健院", "2026-02-21", "孕产妇随访", "20分", "随访率100%", "", ""],  # 7: an agency
        ["2026", "城关村", "", "", "宣传品入户", "15", "", "", ""],                             # 8: the same as row 2
        ["2026", "城关村", "", "", "无分值项目", "0", "", "否", ""],                            # 9: no points
    ]
    batch_url = upload(signed_in, town, "agreement_items", xlsx(ITEM_HEADERS, rows))
    errors = errors_by_row(app, town, batch_url)
    assert sorted(errors) == [4, 5, 6, 8, 9]
    assert errors[4] == [("考核项目", zh(app, "Agreements may not set targets on numbers of births, quotas, permits "
                                              "or fees (“%(term)s”).", term="超生"))]
    assert errors[5][0][0] == "否决类别"
    assert errors[6][0][0] == "村/社区"
    assert errors[8] == [("考核项目", duplicate_of(app, 2))]
    assert errors[9] == [("分值", zh(app, "An item that is not a veto item carries at least 1 point."))]
    assert count(app, town, Agreement) == 0
    commit(signed_in, batch_url)
    assert counts(batch_of(app, town, batch_url)) == (3, 0)

    def stored():
        return sorted((a.year, a.party_name, a.signed_on, [(i.description, i.weight, i.target, i.veto, i.veto_kind)
                                                            for i in a.items])
                      for a in db.session.scalars(select(Agreement)))

    expected = [(2026, "县妇幼保健院", date(2026, 2, 21), [("孕产妇随访", 20, "随访率100%", False, None)]),
                (2026, "城关村", date(2026, 2, 20), [("宣传品入户", 10, "入户率≥95%", False, None),
                                                    ("两非案件", 0, "", True, "oversight")])]
    assert in_town(app, town, stored) == expected

    second = upload(signed_in, town, "agreement_items", xlsx(ITEM_HEADERS, [rows[0], rows[1], rows[5]]))
    commit(signed_in, second)
    assert counts(batch_of(app, town, second)) == (0, 3)
    assert in_town(app, town, stored) == expected

    # Once evaluated, an agreement's items no longer change, by import as by the form.
    def evaluate():
        agreement = agreements.find_agreement(2026, place["village_id"])
        scores = [{"item_id": item.id, "score": min(item.weight, 8)} for item in agreement.items]
        agreements.evaluate(agreement, "考核组", scores)

    in_town(app, town, evaluate)
    changed = upload(signed_in, town, "agreement_items",
                     xlsx(ITEM_HEADERS, [["2026", "城关村", "", "", "宣传品入户", "12", "", "", ""]]))
    assert errors_by_row(app, town, changed) == {2: [("考核项目", zh(
        app, "The agreement has been evaluated: its items can no longer be changed."))]}


# ---------------------------------------------------------------------------------------------------------
# Towns stay apart


def test_an_import_reads_and_writes_only_its_own_town(app, client, factory, town, place):
    from tenants.clinics.models import MedicalUnit
    from tenants.governance.models import CadreAssignment

    other = factory.town()
    other_village = factory.village(other, "201", "城关村")
    factory.household(other, "B-001", village_id=other_village)
    factory.clinic_records(other, other_village)  # 测试诊所 in the other town
    login(client, town.admin_username)

    # The other town's household is not found from this town; its clinic's name is free here.
    duty_url = upload(client, town, "cadre_households", xlsx(DUTY_HEADERS, [["王书记", "B-001", "", ""]]))
    assert errors_by_row(app, town, duty_url)[2][0][0] == "包户户编号"
    licence_url = upload(client, town, "clinic_licences",
                         xlsx(LICENCE_HEADERS, [["测试诊所", "其他", "B-2", "县卫生健康局", "", ""]]))
    assert errors_by_row(app, town, licence_url)[2][0][0] == "机构名称"
    units_url = upload(client, town, "clinic_units",
                       xlsx(UNIT_HEADERS, [["测试诊所", "村卫生室", "", "城关村", "", "", "", "", ""]]))
    commit(client, units_url)
    assert counts(batch_of(app, town, units_url)) == (1, 0)

    def units_of_other():
        return [(unit.kind, unit.village_id) for unit in db.session.scalars(select(MedicalUnit))]

    assert in_town(app, other, units_of_other) == [("private", other_village)]  # untouched
    assert count(app, other, CadreAssignment) == 0
    # The other town's batch is not visible from here, nor this town's from there.
    assert client.get(f"/t/{other.slug}/imports/{batch_of(app, town, units_url).id}").status_code == 404
    events = in_town(app, town, lambda: db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "clinic_unit.create", AuditEvent.town_code == other.code)))
    assert events == 1  # only the factory's own unit in the other town
