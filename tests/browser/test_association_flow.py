"""The association in the browser: the office opens a member home, founds a member group there, makes a
registry person a member who leads the group, gives them a liaison household and sees the village's
liaison coverage.

The association's pages are new and their Chinese catalog entries may not exist yet, so this test
switches the session to English (the language link every page has) after signing in.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import flash, sign_in, town_nav, url
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_home_group_member_liaison_and_coverage(live_server, page):
    factory = live_server.factory
    town = factory.town(code="411524101", slug="chengguan", name="城关镇")
    village = factory.village(town, "201", "城关村")
    first = factory.household(town, "CG-001", village_id=village, address="城关村一组1号")
    factory.household(town, "CG-002", village_id=village, address="城关村一组2号")
    factory.person(town, name="李梅", resident_id="11010519491231002X", household_id=first)

    sign_in(page, town.admin_username, PASSWORD)
    page.goto("/lang/en")
    expect(page).to_have_url(url("/t/chengguan/"))
    town_nav(page, "城关镇").get_by_role("link", name="Association").click()
    expect(page).to_have_url(url("/t/chengguan/association/"))
    subnav = page.get_by_role("navigation", name="Association")

    # A member home of the village.
    subnav.get_by_role("link", name="Member homes").click()
    page.get_by_role("link", name="Add a member home").click()
    page.locator("#f-name").fill("城关村会员之家")
    page.locator("#f-village_id").select_option(label="城关村")
    page.locator("#f-address").fill("村委会二楼")
    page.locator("#f-facilities").fill("活动室、图书角")
    page.get_by_role("button", name="Save").click()
    expect(flash(page)).to_have_text("城关村会员之家 saved.")

    # A group meeting there (no leader yet: the village has no members).
    page.get_by_role("link", name="Add a member group").click()
    page.locator("#f-name").fill("第一会员小组")
    page.get_by_role("button", name="Save").click()
    expect(flash(page)).to_have_text("第一会员小组 saved.")
    expect(page.locator("#group")).to_contain_text("城关村会员之家")

    # A member from the registry, found by name, in that group.
    page.get_by_role("link", name="Add an association member").click()
    page.get_by_label("Find the person in the registry").fill("李梅")
    page.get_by_role("button", name="Search the registry").click()
    page.get_by_label("李梅", exact=False).check()
    page.locator("#f-member_number").fill("XH-0001")
    page.locator("#f-role").select_option("group_leader")
    page.locator("#f-phone").fill("13800138000")
    page.get_by_role("button", name="Save").click()
    expect(flash(page)).to_have_text("Member XH-0001 saved.")
    expect(page.locator("#member")).to_contain_text("第一会员小组")
    expect(page.locator("#phone")).to_have_text("13800138000")

    # The member list masks the name and the phone.
    subnav.get_by_role("link", name="Association members").click()
    row = page.locator("#members").get_by_role("row").filter(has_text="XH-0001")
    expect(row).to_contain_text("李*")
    expect(row).to_contain_text("*******8000")
    expect(page.locator("#members")).not_to_contain_text("李梅")

    # One of the village's two households is kept in touch with.
    row.get_by_role("link", name="XH-0001").click()
    page.get_by_role("link", name="Assign liaison households").click()
    page.get_by_label("CG-001", exact=False).check()
    page.get_by_role("button", name="Save").click()
    expect(flash(page)).to_have_text("Liaison households assigned: 1.")
    expect(page.locator("#member-liaisons")).to_contain_text("CG-001")
    expect(page.locator("#member-liaisons")).to_contain_text("In touch")

    subnav.get_by_role("link", name="Summary by village").click()
    village_row = page.locator("#summary").get_by_role("row").filter(has_text="城关村")
    expect(village_row).to_contain_text("50.0%")
    expect(page.locator("#town-total")).to_contain_text("50.0%")
    expect(page.locator("#coverage-chart")).to_be_visible()
