"""Funding in the browser: the office records two entries of this year in two categories (the first with
an amount in tenths of a fen, refused with the Chinese message and the form keeping what was typed), finds
them in the list by year and category, reads the yearly summary (totals by category, per head, the SVG
chart), exports the list to a workbook, and sees the same amount check in English.

The funding pages have their Chinese catalog entries, so the flow reads Chinese until its last step.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.helpers import flash, sign_in, town_nav, url
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_entries_summary_per_head_and_export(live_server, page, tmp_path):
    factory = live_server.factory
    town = factory.town(code="411524101", slug="chengguan", name="城关镇")
    village = factory.village(town, "201", "城关村")
    home = factory.household(town, "CG-001", village_id=village)
    # Four people living in the town: the year's population that funding per head divides by.
    for name in ("王大", "李秀", "王小", "王二"):
        factory.person(town, name=name, household_id=home)
    with live_server.app.app_context():
        from tenants.funding import services

        today = services.today()
    year = today.year
    # Last year's entry: the list's year filter leaves it out, the year-by-year table keeps it.
    factory.funding_entry(town, "JF-PREV-01", entry_date=date(year - 1, 6, 1), amount=Decimal("2000"),
                          category="training")

    sign_in(page, town.admin_username, PASSWORD)
    town_nav(page, "城关镇").get_by_role("link", name="经费投入", exact=True).click()
    expect(page).to_have_url(url("/t/chengguan/funding/"))
    subnav = page.get_by_role("navigation", name="经费投入")

    # An amount in tenths of a fen is refused in Chinese; everything typed is still on the form.
    page.get_by_role("link", name="登记经费投入").click()
    expect(page.get_by_label("日期")).to_have_value(today.isoformat())
    page.get_by_label("凭证号").fill("JF-001")
    page.get_by_label("金额（元）").fill("12000.505")
    page.get_by_label("类别").select_option(label="设备")
    page.locator("#f-description").fill("采购B超机一台")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#e-amount")).to_have_text("金额以元为单位，最多保留两位小数（到分）。")
    expect(page.get_by_label("凭证号")).to_have_value("JF-001")
    expect(page.get_by_label("金额（元）")).to_have_value("12000.505")
    expect(page.get_by_label("类别")).to_have_value("equipment")
    expect(page.locator("#f-description")).to_have_value("采购B超机一台")
    page.get_by_label("金额（元）").fill("12000.50")
    page.get_by_role("button", name="保存").click()
    expect(flash(page)).to_have_text("经费投入（凭证号 JF-001）已保存。")
    expect(page).to_have_url(url("/t/chengguan/funding/"))

    page.get_by_role("link", name="登记经费投入").click()
    page.get_by_label("凭证号").fill("JF-002")
    page.get_by_label("金额（元）").fill("3000")
    page.get_by_label("类别").select_option(label="宣传")
    page.locator("#f-description").fill("印制宣传册")
    page.get_by_role("button", name="保存").click()
    expect(flash(page)).to_have_text("经费投入（凭证号 JF-002）已保存。")

    # The list opens on the year just recorded; all years bring last year's entry back; a category narrows it.
    entries = page.locator("#funding-entries tbody tr")
    expect(page.get_by_label("年度")).to_have_value(str(year))
    expect(entries).to_have_count(2)
    expect(entries.filter(has_text="JF-001")).to_contain_text("12,000.50")
    expect(entries.filter(has_text="JF-001")).to_contain_text("设备")
    expect(page.locator("#filtered-total")).to_have_text("按筛选条件的经费合计：¥15,000.50")
    page.get_by_label("年度").select_option(label="全部")
    page.get_by_role("button", name="筛选").click()
    expect(entries).to_have_count(3)
    expect(page.locator("#filtered-total")).to_have_text("按筛选条件的经费合计：¥17,000.50")
    page.get_by_label("年度").select_option(str(year))
    page.get_by_label("类别").select_option(label="宣传")
    page.get_by_role("button", name="筛选").click()
    expect(entries).to_have_count(1)
    expect(entries).to_contain_text("JF-002")
    expect(entries).to_contain_text("印制宣传册")
    expect(page.locator("#filtered-total")).to_have_text("按筛选条件的经费合计：¥3,000.00")

    # The yearly summary: every category (zeros too), the total, the population on 31 December and per head.
    subnav.get_by_role("link", name="年度汇总").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{year} 年经费投入")
    by_category = page.locator("#by-category")
    expect(by_category.get_by_role("row").filter(has_text="设备")).to_contain_text("12,000.50")
    expect(by_category.get_by_role("row").filter(has_text="宣传")).to_contain_text("3,000.00")
    expect(by_category.get_by_role("row").filter(has_text="培训")).to_contain_text("0.00")
    expect(by_category.locator("tfoot")).to_contain_text("15,000.50")
    per_capita = page.locator("#per-capita")
    expect(per_capita).to_contain_text("全年经费投入¥15,000.50")
    expect(per_capita).to_contain_text(f"{year}-12-31 人口数4")
    expect(per_capita).to_contain_text("人均经费投入¥3,750.13")  # 15,000.50 / 4, rounded to the fen
    chart = page.locator("#category-chart svg")
    expect(chart).to_be_visible()
    expect(chart).to_have_attribute("aria-label", f"{year} 年分类别经费投入")
    expect(chart.locator("rect")).to_have_count(7)  # one bar per category
    expect(chart).to_contain_text("12,000.50")
    years = page.locator("#years tbody tr")
    expect(years).to_have_count(2)
    expect(years.filter(has_text=str(year - 1))).to_contain_text("2,000.00")
    expect(page.locator("#year-chart svg")).to_be_visible()

    # The year's list as a workbook, latest first, under the headers the funding import reads.
    subnav.get_by_role("link", name="经费投入明细").click()
    page.get_by_label("年度").select_option(str(year))
    page.get_by_role("button", name="筛选").click()
    expect(entries).to_have_count(2)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出 Excel").click()
    download = download_info.value
    assert download.suggested_filename == "funding-entries.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    rows = list(load_workbook(saved, read_only=True).active.iter_rows(values_only=True))
    assert rows == [
        ("凭证号", "日期", "金额（元）", "类别", "摘要"),
        ("JF-002", today.isoformat(), "3000.00", "宣传", "印制宣传册"),
        ("JF-001", today.isoformat(), "12000.50", "设备", "采购B超机一台"),
    ]

    # In English the same check reads in English, and the form again keeps what was typed.
    page.get_by_role("link", name="English").click()
    page.get_by_role("link", name="Record funding").click()
    page.get_by_label("Voucher number").fill("JF-003")
    page.get_by_label("Amount (yuan)").fill("500.123")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#e-amount")).to_have_text("Give the amount in yuan with at most two decimals (fen).")
    expect(page.get_by_label("Voucher number")).to_have_value("JF-003")
    expect(page.get_by_label("Amount (yuan)")).to_have_value("500.123")
