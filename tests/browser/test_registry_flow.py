"""Town staff keep the register in the browser: a household and a person, then a spreadsheet import."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from tests.browser.helpers import flash, sign_in, town_nav, url
from tests.conftest import PASSWORD
from tests.test_imports import BAD, HEADERS, people_rows

pytestmark = pytest.mark.browser


@pytest.fixture
def town(live_server):
    town = live_server.factory.town(code="411524101", slug="chengguan", name="城关镇")
    live_server.factory.village(town, "201", "城关村")
    return town


def test_register_a_household_and_a_person(live_server, page, town):
    sign_in(page, town.admin_username, PASSWORD)
    town_nav(page, "城关镇").get_by_role("link", name="户籍").click()
    page.get_by_role("link", name="新增户").click()
    page.get_by_label("户编号").fill("CG-001")
    page.get_by_label("村/社区").select_option(label="411524101201 城关村")
    page.get_by_label("地址").fill("城关村一组3号")
    page.get_by_role("button", name="保存").click()
    expect(flash(page)).to_contain_text("CG-001")

    page.get_by_role("link", name="新增家庭成员").click()
    page.get_by_label("姓名").fill("李梅")
    page.get_by_label("身份证号码").fill("11010519491231002x")
    page.get_by_label("与户主关系").select_option(label="户主")
    page.get_by_label("婚姻状况").select_option(label="已婚")
    page.get_by_role("button", name="保存").click()
    expect(flash(page)).to_contain_text("李梅")
    expect(page.locator("#resident-id")).to_contain_text("110105********002X")
    expect(page.locator("dl.record")).to_contain_text("1949-12-31")

    # The full number only after an explicit, audited reveal.
    page.get_by_role("button", name="显示完整号码（将记入审计日志）").click()
    expect(page.locator("#resident-id")).to_contain_text("11010519491231002X")
    expect(page.locator("section.history")).to_contain_text("查看完整身份证号码")

    page.get_by_role("link", name="CG-001").click()
    expect(page.locator("#members")).to_contain_text("李梅")
    expect(page.locator("#members")).to_contain_text("户主")

    # A wrong ID number is explained on the form, which keeps what was typed.
    town_nav(page, "城关镇").get_by_role("link", name="人员", exact=True).click()
    page.get_by_role("link", name="新增人员").click()
    page.get_by_label("姓名").fill("王强")
    page.get_by_label("身份证号码").fill("110105194912310021")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#e-resident_id")).to_contain_text("校验位")
    expect(page.get_by_label("姓名")).to_have_value("王强")


def test_import_500_people_with_3_bad_rows(live_server, page, town, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for row in people_rows(500, BAD):
        sheet.append(row)
    path = tmp_path / "村民.xlsx"
    workbook.save(path)

    sign_in(page, town.admin_username, PASSWORD)
    town_nav(page, "城关镇").get_by_role("link", name="数据导入").click()
    expect(page).to_have_url(url("/t/chengguan/imports/"))
    page.get_by_label("文件内容").select_option(label="人员")
    page.get_by_label("文件（.xlsx 或 .csv）").set_input_files(str(path))
    page.get_by_role("button", name="上传并检查").click()

    expect(page.locator("#error-rows")).to_have_text("3")
    expect(page.locator("#valid-rows")).to_have_text("497")
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(3)
    for row_number in ("43", "224", "482"):
        expect(page.locator("#import-errors")).to_contain_text(row_number)

    page.get_by_role("button", name="导入 497 行有效数据").click()
    expect(flash(page)).to_contain_text("新增 497 条")
    expect(page.locator("#created-count")).to_have_text("497")

    town_nav(page, "城关镇").get_by_role("link", name="人员", exact=True).click()
    expect(page.locator("p.count")).to_contain_text("497")
    assert io  # the workbook was written to disk for the file chooser
