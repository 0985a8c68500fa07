"""Medical unit oversight in the browser: the office records a private clinic offering terminations, sees the
finding that raises, records an inspection with a failed item, and follows the findings to rectification.

The clinics pages are new and their Chinese catalog entries may not exist yet, so this test switches the
session to English (the language link every page has) after signing in.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import flash, sign_in, town_nav, url
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_private_clinic_offering_terminations_gets_a_finding(live_server, page):
    factory = live_server.factory
    town = factory.town(code="411524101", slug="chengguan", name="城关镇")
    factory.village(town, "201", "城关村")

    sign_in(page, town.admin_username, PASSWORD)
    page.goto("/lang/en")
    expect(page).to_have_url(url("/t/chengguan/"))

    # The office records a private clinic, ticking terminations among its services.
    town_nav(page, "城关镇").get_by_role("link", name="Medical units", exact=True).click()
    expect(page).to_have_url(url("/t/chengguan/clinics/"))
    page.get_by_role("link", name="Add a medical unit").click()
    page.locator("#f-kind").select_option("private")
    page.get_by_label("Name").fill("便民诊所")
    page.locator("#f-village_id").select_option(label="411524101201 城关村")
    page.get_by_label("Contact person").fill("钱医生")
    page.get_by_label("Phone").fill("13700137000")
    page.get_by_label("Terminations of pregnancy").check()
    page.get_by_label("General outpatient care").check()
    page.get_by_role("button", name="Save").click()
    expect(flash(page).first).to_have_text("便民诊所 saved.")
    expect(flash(page).nth(1)).to_contain_text("may not provide: Terminations of pregnancy")
    expect(page.get_by_role("heading", level=1)).to_contain_text("便民诊所")
    expect(page.locator("#services")).to_contain_text("Not permitted for this kind of unit")
    finding_row = page.locator("#findings").get_by_role("row").filter(has_text="Terminations of pregnancy")
    expect(finding_row).to_contain_text("Awaiting rectification")
    expect(finding_row).to_contain_text("不得开展")

    # The list masks the contact's phone.
    page.get_by_role("navigation", name="Medical unit oversight").get_by_role("link", name="Medical units").click()
    unit_row = page.get_by_role("row").filter(has_text="便民诊所")
    expect(unit_row).to_contain_text("*******7000")
    expect(unit_row).to_contain_text("1")  # one finding not closed

    # An inspection finds the termination drugs unrecorded: a second finding.
    unit_row.get_by_role("link", name="便民诊所").click()
    page.get_by_role("link", name="Record an inspection").click()
    page.get_by_label("Inspectors").fill("王主任、李干事")
    for row in page.locator("#checklist tbody tr").all():
        row.get_by_label("Pass", exact=True).check()
    drugs = page.locator("#checklist tbody tr").filter(has_text="Termination drugs recorded and controlled")
    drugs.get_by_label("Fail", exact=True).check()
    drugs.get_by_role("textbox").fill("米非司酮无购销登记")
    page.get_by_role("button", name="Save").click()
    expect(flash(page)).to_have_text("Inspection saved; 1 findings raised.")
    expect(page.locator("#findings")).to_contain_text("米非司酮无购销登记")

    # Both findings are on the findings list; the inspection's is rectified and closed.
    page.get_by_role("navigation", name="Medical unit oversight").get_by_role("link", name="Findings").click()
    expect(page.locator("#findings tbody tr")).to_have_count(2)
    page.get_by_role("link", name="米非司酮无购销登记").click()
    page.get_by_label("How it was put right").fill("已建立购销登记")
    page.get_by_role("button", name="Mark rectified").click()
    expect(flash(page)).to_have_text("The finding is now: Rectified.")
    page.get_by_role("button", name="Close", exact=True).click()
    expect(flash(page)).to_have_text("The finding is now: Closed.")
    page.get_by_role("navigation", name="Medical unit oversight").get_by_role("link", name="Findings").click()
    open_rows = page.locator("#findings tbody tr")
    expect(open_rows).to_have_count(1)
    expect(open_rows).to_contain_text("Terminations of pregnancy")
    with live_server.app.app_context():
        from tenants.clinics import rules

        due = rules.today() + timedelta(days=30)
    expect(open_rows).to_contain_text(due.isoformat())
