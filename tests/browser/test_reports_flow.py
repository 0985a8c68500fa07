"""A town's office submits last month's report, the county approves it, and the county's grid shows it
approved; the month is then locked on the town's side."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import flash, sign_in, url
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_town_submits_and_county_approves(live_server, new_page):
    from renkou import jobs
    from workers.aggregation.compute import compute_town_period

    factory = live_server.factory
    town = factory.town(code="411524101", slug="chengguan", name="城关镇")
    month = factory.backdate_onboarding(town, months=3)
    jobs.bind_app(live_server.app)
    compute_town_period(town.code, month)  # the nightly recomputation has run
    factory.user("bureau_admin", "county_admin")

    # The town's administrator opens last month's report, adds a note and submits it.
    office = new_page()
    office.on("dialog", lambda dialog: dialog.accept())  # "Submit the report … to the county?"
    sign_in(office, town.admin_username, PASSWORD)
    office.goto("/lang/en")
    office.goto("/t/chengguan/")
    office.get_by_role("link", name="Monthly reports").click()
    expect(office).to_have_url(url("/t/chengguan/reports/"))
    office.locator(f'tr[data-period="{month}"] a').click()
    expect(office.locator("#report-figures")).to_contain_text("Sex ratio at birth")
    office.get_by_label("Note for the county (optional)").fill("本月无出生，数据已核对")
    office.get_by_role("button", name="Save the note").click()
    expect(flash(office)).to_have_text(f"The note is saved with the report of {month}.")
    office.get_by_role("button", name="Submit to the county").click()
    expect(flash(office)).to_have_text(f"The report of {month} is submitted to the county.")
    expect(office.locator("#report-facts")).to_contain_text("Submitted")

    # The county sees it in the grid, opens it and approves it.
    county = new_page()
    sign_in(county, "bureau_admin", PASSWORD)
    county.goto("/lang/en")
    county.goto("/county/towns")
    county.get_by_role("link", name="Town reports").click()
    cell = county.locator(f'tr[data-town="{town.code}"] td[data-period="{month}"]')
    expect(cell).to_have_attribute("data-status", "submitted")
    cell.get_by_role("link").click()
    expect(county.locator("#report-note")).to_have_text("本月无出生，数据已核对")
    county.get_by_role("button", name="Approve").click()
    expect(flash(county)).to_have_text(f"The report of {month} is approved and the month is locked.")
    county.get_by_role("link", name="Town reports").first.click()
    expect(cell).to_have_attribute("data-status", "approved")
    expect(county.locator("#report-tallies tr[data-town='county']")).to_be_visible()

    # On the town's side the month is approved and locked: no more submitting.
    office.reload()
    expect(office.locator("#report-facts")).to_contain_text("Approved")
    expect(office.locator("#figures-state")).to_contain_text("locked")
    expect(office.get_by_role("button", name="Submit to the county")).to_have_count(0)
