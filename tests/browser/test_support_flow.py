"""Family support in the browser: the office finds a 61-year-old among the roll's candidates (and sees why
his 58-year-old wife is not eligible yet), declares his rural hukou and confirms him onto the year's roll,
is stopped from paying more than the yearly amount, pays it, then takes a childcare-subsidy application
through review to payment and records 三结合 training for a household.

The support pages are new and their Chinese catalog entries may not exist yet, so this test switches the
session to English (the language link every page has) after signing in.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import flash, sign_in, town_nav, url
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_roll_payment_subsidy_and_assistance(live_server, page):
    factory = live_server.factory
    town = factory.town(code="411524101", slug="chengguan", name="城关镇")
    village = factory.village(town, "201", "城关村")
    home = factory.household(town, "H-1", village_id=village)
    with live_server.app.app_context():
        from tenants.support import rules

        today = rules.today()
    year = today.year
    husband = factory.person(town, name="王大", sex="M", birth_date=date(year - 61, 3, 1), household_id=home,
                             relation="head")
    wife = factory.person(town, name="李秀", sex="F", birth_date=date(year - 58, 6, 1), household_id=home,
                          relation="spouse")
    factory.person(town, name="王小", sex="M", birth_date=date(year - 30, 1, 1), household_id=home, relation="child")
    baby = factory.person(town, name="王宝", sex="F", birth_date=today - timedelta(days=300), household_id=home,
                          relation="grandchild")

    sign_in(page, town.admin_username, PASSWORD)
    page.goto("/lang/en")
    town_nav(page, "城关镇").get_by_role("link", name="Family support").click()
    expect(page).to_have_url(url("/t/chengguan/support/"))
    expect(page.locator("#roll")).to_contain_text("Nobody is on this roll yet.")

    # The candidates: his wife's age stands in the way; his own rural hukou is to be checked.
    subnav = page.get_by_role("navigation", name="Family support")
    subnav.get_by_role("link", name="Candidates").click()
    page.get_by_label("Show").select_option("all")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(f"#candidate-{wife}")).to_contain_text("年龄未满60周岁（58岁）")
    expect(page.locator(f"#candidate-{wife}")).to_contain_text("Not eligible")
    row = page.locator(f"#candidate-{husband}")
    expect(row).to_contain_text("年满60周岁（61岁）")
    expect(row).to_contain_text("本人及配偶为农业户口或农村居民：待核实")
    row.get_by_label("Rural hukou (the person and spouse)").check()
    row.get_by_label("Checked by").fill("王干事")
    row.get_by_role("button", name="Confirm").click()
    expect(flash(page)).to_have_text(f"王大 is on the {year} roll: Reward support, ¥960.00.")
    expect(page.locator(f"#candidate-{husband}")).to_contain_text("On the roll")

    # The roll and the entry: a payment over the yearly amount is refused, the full amount is paid.
    subnav.get_by_role("link", name="Yearly roll").click()
    expect(page.locator("#roll-totals")).to_contain_text("1 on the roll: ¥960.00 due, ¥0.00 paid")
    page.locator("#roll").get_by_role("link", name="王大").click()
    expect(page.get_by_text("本人及配偶为农业户口或农村居民（王干事")).to_be_visible()
    page.get_by_label("Amount (yuan)").fill("1000")
    page.get_by_label("Voucher or reference").fill("FF-0001")
    page.get_by_role("button", name="Record payment").click()
    expect(page.get_by_text("at most ¥960.00 more")).to_be_visible()
    page.get_by_label("Amount (yuan)").fill("960")
    page.get_by_role("button", name="Record payment").click()
    expect(flash(page)).to_have_text("Payment FF-0001 recorded.")
    expect(page.locator("#entry-outstanding")).to_have_text("¥0.00")
    subnav.get_by_role("link", name="Payment ledger").click()
    expect(page.locator("#ledger")).to_contain_text("FF-0001")
    expect(page.locator("#ledger-totals")).to_contain_text("960.00")

    # A childcare-subsidy application, reviewed, approved and paid.
    subnav.get_by_role("link", name="Childcare subsidy").click()
    page.get_by_role("link", name="New application").click()
    page.locator("#f-child_id").select_option(str(baby))
    page.locator("#f-applicant_id").select_option(str(wife))
    page.get_by_label("Applicant's phone").fill("13812345678")
    page.get_by_role("button", name="Save").click()
    expect(flash(page)).to_have_text("Childcare subsidy application for 王宝 saved.")
    with live_server.app.app_context():
        due = rules.review_due(today)
    expect(page.locator("#due-on")).to_contain_text(due.isoformat())
    page.get_by_role("button", name="Start review").click()
    expect(page.locator("#subsidy-status")).to_have_text("Under review")
    page.get_by_role("button", name="Approve").click()
    page.get_by_label("Voucher or reference").fill("YE-0001")
    page.get_by_role("button", name="Record payment").click()
    expect(page.locator("#subsidy-status")).to_have_text("Paid")
    subnav.get_by_role("link", name="Childcare subsidy").click()
    expect(page.locator("#subsidies")).to_contain_text("*******5678")

    # 三结合 training for the household.
    subnav.get_by_role("link", name="三结合 assistance").click()
    page.get_by_role("link", name="Record assistance").click()
    page.get_by_label("Household number").fill("H-1")
    page.locator("#f-kind").select_option("training")
    page.get_by_label("Value (yuan)").fill("800")
    page.get_by_label("Description").fill("食用菌种植培训")
    page.get_by_role("button", name="Save").click()
    expect(flash(page)).to_have_text("Assistance to household H-1 saved.")
    expect(page.locator("#assistance")).to_contain_text("食用菌种植培训")
    page.get_by_role("link", name="Totals by year and kind").click()
    expect(page.locator("#assistance-years")).to_contain_text("800.00")
