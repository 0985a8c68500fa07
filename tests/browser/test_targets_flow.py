"""The county sets targets in the grid: a bad cell keeps everything unsaved and says why under the cell;
corrected, every cell is saved; a county viewer sees the same targets without inputs."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import flash, sign_in, url
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_county_sets_targets_in_the_grid(live_server, page, new_page):
    factory = live_server.factory
    factory.user("county_boss", "county_admin")
    factory.user("county_reader", "county_viewer")
    town = factory.town()

    sign_in(page, "county_boss", PASSWORD)
    page.locator('.mainnav a[href="/county/targets"]').click()
    expect(page).to_have_url(url("/county/targets"))
    grid = page.locator("#targets-grid")
    expect(grid).to_contain_text(town.name)
    expect(page.locator('input[name="t-county-birth_rate"]')).to_have_count(0)  # monitored, never targeted

    county_rate = page.locator('input[name="t-county-registration_rate"]')
    town_rate = page.locator(f'input[name="t-{town.code}-registration_rate"]')
    county_srb = page.locator('input[name="t-county-srb"]')
    county_rate.fill("95")
    town_rate.fill("97.5")
    county_srb.fill("150")  # no sex ratio at birth is that high: refused, and nothing is saved
    page.locator("#targets-form button[type=submit]").click()
    expect(county_srb).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#e-t-county-srb")).to_contain_text("80")
    expect(county_rate).to_have_value("95")  # what was typed stays

    county_srb.fill("106")
    page.locator("#targets-form button[type=submit]").click()
    expect(flash(page)).to_contain_text("3")
    expect(page.locator('input[name="t-county-registration_rate"]')).to_have_value("95")
    expect(page.locator(f'input[name="t-{town.code}-registration_rate"]')).to_have_value("97.5")
    expect(page.locator("#targets-history tbody tr")).to_have_count(3)

    viewer = new_page()
    sign_in(viewer, "county_reader", PASSWORD)
    viewer.goto("/county/targets")
    expect(viewer.locator("#targets-grid")).to_contain_text("97.5")
    expect(viewer.locator("#targets-grid input")).to_have_count(0)
    expect(viewer.locator("#targets-import")).to_have_count(0)
