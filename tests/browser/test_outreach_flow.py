"""Outreach in the browser: the office records a lecture in a village, adds a booklet to the catalogue and
hands it to two of the village's three households, sees the village's and the town's household coverage
move, records a slogan and a population-school session, and exports the deliveries to a workbook.

The outreach pages have their Chinese catalog entries, so the flow reads Chinese.
"""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.helpers import flash, sign_in, town_nav, url
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_activity_delivery_coverage_slogan_session_and_export(live_server, page, tmp_path):
    factory = live_server.factory
    town = factory.town(code="411524101", slug="chengguan", name="城关镇")
    chengguan = factory.village(town, "201", "城关村")
    hexi = factory.village(town, "202", "河西村")
    for number in ("CG-001", "CG-002", "CG-003"):
        factory.household(town, number, village_id=chengguan, address=f"城关村一组{number[-1]}号")
    factory.household(town, "HX-001", village_id=hexi, address="河西村二组1号")
    with live_server.app.app_context():
        from tenants.outreach.services import common

        today = common.today().isoformat()

    sign_in(page, town.admin_username, PASSWORD)
    town_nav(page, "城关镇").get_by_role("link", name="宣传教育", exact=True).click()
    expect(page).to_have_url(url("/t/chengguan/outreach/"))
    subnav = page.get_by_role("navigation", name="宣传教育")
    expect(page.locator("#activities")).to_contain_text("暂无记录。")

    # A lecture in 城关村.
    page.get_by_role("link", name="登记宣传活动").click()
    page.get_by_label("类型").select_option(label="专题讲座")
    expect(page.get_by_label("日期")).to_have_value(today)
    page.locator("#f-village_id").select_option(label="城关村")
    page.get_by_label("参加人数").fill("45")
    page.locator("#f-description").fill("优生优育知识讲座")
    page.get_by_role("button", name="保存").click()
    expect(flash(page)).to_have_text("宣传活动已登记。")
    activity = page.locator("#activities tbody tr")
    expect(activity).to_have_count(1)
    expect(activity).to_contain_text("专题讲座")
    expect(activity).to_contain_text("城关村")
    expect(activity).to_contain_text("45")

    # A booklet in the catalogue.
    subnav.get_by_role("link", name="宣传品", exact=True).click()
    page.get_by_role("link", name="添加宣传品").click()
    page.get_by_label("名称").fill("婚育新风宣传册")
    page.get_by_label("类型").select_option(label="宣传册")
    page.get_by_role("button", name="保存").click()
    expect(flash(page)).to_have_text("宣传品已加入目录。")
    material = page.locator("#materials tbody tr").filter(has_text="婚育新风宣传册")
    expect(material).to_contain_text("宣传册")

    # Nothing delivered yet: no household of either village is reached.
    subnav.get_by_role("link", name="入户率").click()
    coverage = page.locator("#coverage")
    expect(coverage.get_by_role("row").filter(has_text="城关村")).to_contain_text("0.00%")
    expect(page.locator("#town-total")).to_contain_text("0.00%")

    # The booklet reaches two of 城关村's three households, chosen on the village's list.
    subnav.get_by_role("link", name="宣传品", exact=True).click()
    material.get_by_role("link", name="发放入户").click()
    page.locator("form.filters").get_by_label("村/社区").select_option(label="城关村")
    page.get_by_role("button", name="列出该村的户").click()
    households = page.locator("#households")
    expect(households).to_contain_text("发放到该村全部户（3 户）")
    expect(page.locator("#f-material_id option:checked")).to_have_text("婚育新风宣传册")
    expect(page.locator("#f-village_id")).to_have_value(str(chengguan))
    households.get_by_label("CG-001").check()
    households.get_by_label("CG-002").check()
    page.get_by_label("备注").fill("随讲座发放")
    page.get_by_role("button", name="保存").click()
    expect(flash(page)).to_have_text("已登记发放到 2 户。")
    expect(page.get_by_role("heading", level=1)).to_have_text("婚育新风宣传册 发放记录")
    delivered = page.locator("#delivered-households tbody tr")
    expect(delivered).to_have_count(2)
    expect(delivered.first).to_contain_text("CG-001")
    expect(delivered.last).to_contain_text("CG-002")

    # The village's coverage is 2 of 3, the town's 2 of 4; 河西村 is not reached.
    subnav.get_by_role("link", name="入户率").click()
    row = coverage.get_by_role("row").filter(has_text="城关村")
    expect(row.get_by_role("cell")).to_have_text(["城关村", "2", "3", "66.67%"])
    expect(coverage.get_by_role("row").filter(has_text="河西村").get_by_role("cell")).to_have_text(
        ["河西村", "0", "1", "0.00%"])
    expect(page.locator("#town-total th")).to_have_text(["全镇合计", "2", "4", "50.00%"])

    # A slogan on the wall of 城关村's committee.
    subnav.get_by_role("link", name="宣传标语").click()
    page.get_by_role("link", name="登记宣传标语").click()
    page.get_by_label("标语内容").fill("婚育新风进万家")
    page.get_by_label("地点").fill("村委会外墙")
    page.locator("#f-village_id").select_option(label="城关村")
    expect(page.get_by_label("张贴/书写日期")).to_have_value(today)
    page.get_by_role("button", name="保存").click()
    expect(flash(page)).to_have_text("宣传标语已登记。")
    slogan = page.locator("#slogans tbody tr")
    expect(slogan).to_have_count(1)
    expect(slogan).to_contain_text("婚育新风进万家")
    expect(slogan).to_contain_text("村委会外墙")

    # A population-school session of the town school (no village).
    subnav.get_by_role("link", name="人口学校").click()
    page.get_by_role("link", name="登记授课").click()
    page.get_by_label("授课主题").fill("孕前优生健康检查")
    page.get_by_label("听课人数").fill("60")
    page.get_by_role("button", name="保存").click()
    expect(flash(page)).to_have_text("人口学校授课已登记。")
    session = page.locator("#sessions tbody tr")
    expect(session).to_have_count(1)
    expect(session).to_contain_text("镇人口学校")
    expect(session).to_contain_text("60")

    # The booklet's deliveries, found from the catalogue, exported: one row per household reached.
    subnav.get_by_role("link", name="宣传品", exact=True).click()
    material.get_by_role("link", name="宣传品入户").click()
    deliveries = page.locator("#deliveries tbody tr")
    expect(deliveries).to_have_count(1)
    expect(deliveries).to_contain_text("城关村")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出 Excel").click()
    download = download_info.value
    assert download.suggested_filename == "material-deliveries.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    rows = list(load_workbook(saved, read_only=True).active.iter_rows(values_only=True))
    assert rows == [
        ("发放日期", "宣传品名称", "宣传品类别", "村/社区代码", "村/社区", "户编号", "备注"),
        (today, "婚育新风宣传册", "宣传册", "411524101201", "城关村", "CG-001", "随讲座发放"),
        (today, "婚育新风宣传册", "宣传册", "411524101201", "城关村", "CG-002", "随讲座发放"),
    ]
