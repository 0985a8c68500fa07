"""Birth services in the browser: a family's birth registration is filed and registered (its number shows);
a birth notice from the health centre arrives and its follow-up tasks appear on the task list.

The births pages are new and their Chinese catalog entries may not exist yet, so this test switches the
session to English (the language link every page has) after signing in.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import flash, sign_in, town_nav, url
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_registration_is_registered_and_a_notice_opens_follow_up_tasks(live_server, page):
    factory = live_server.factory
    town = factory.town(code="411524101", slug="chengguan", name="城关镇")
    village = factory.village(town, "201", "城关村")
    factory.staff(town, village, name="刘专干")
    household = factory.household(town, "H-001", village_id=village)
    mother = factory.person(town, name="王芳", sex="F", birth_date=date(1995, 5, 1), household_id=household)

    sign_in(page, town.admin_username, PASSWORD)
    page.goto("/lang/en")
    expect(page).to_have_url(url("/t/chengguan/"))

    # The office files the couple's application and registers it: the number shows.
    town_nav(page, "城关镇").get_by_role("link", name="Births", exact=True).click()
    expect(page).to_have_url(url("/t/chengguan/births/registrations/"))
    page.get_by_role("link", name="New application").click()
    page.locator("#f-mother_id").select_option(str(mother))
    page.get_by_label("Father's name (if not on the register)").fill("刘强")
    page.get_by_label("Expected date of birth").fill("2027-03-01")
    page.get_by_role("button", name="Save").click()
    expect(flash(page)).to_have_text("Application for 王芳 saved.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Submitted")
    page.get_by_role("button", name="Accept", exact=True).click()
    expect(flash(page)).to_have_text("The application is now: Accepted.")
    page.get_by_role("button", name="Register", exact=True).click()
    expect(flash(page)).to_have_text("The application is now: Registered.")
    expect(page.locator("#registration-number")).to_have_text(re.compile(r"^411524101-\d{4}-00001$"))
    page.get_by_role("navigation", name="Birth services").get_by_role("link", name="Birth registrations").click()
    expect(page.get_by_role("row").filter(has_text="王芳")).to_contain_text("411524101-")

    # The health centre's notice arrives the morning after the birth; the birth is recorded with it.
    now = datetime.now(ZoneInfo("Asia/Shanghai")).replace(second=0, microsecond=0)
    born, received = now - timedelta(hours=20), now - timedelta(hours=2)
    page.get_by_role("navigation", name="Birth services").get_by_role("link", name="Birth notices").click()
    page.get_by_role("link", name="Receive a birth notice").first.click()
    page.get_by_label("Source").fill("城关镇卫生院")
    page.get_by_label("Received at").fill(received.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Born at").fill(born.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#f-mother_id").select_option(str(mother))
    page.locator("#f-sex").select_option("F")
    page.get_by_label("Weight (g)").fill("3200")
    page.get_by_label("Birth order").fill("1")
    page.get_by_role("button", name="Save").click()
    expect(flash(page)).to_have_text("Birth notice received; 2 follow-up tasks opened.")
    expect(page.locator("#notices")).to_contain_text("On time")

    # The follow-up tasks are on the task list, for the village's cadre; the registration is already filed.
    page.get_by_role("navigation", name="Birth services").get_by_role("link", name="Follow-up tasks").click()
    expect(page).to_have_url(url("/t/chengguan/births/tasks/"))
    visit = page.get_by_role("row").filter(has_text="Postnatal visit")
    expect(visit).to_contain_text("王芳")
    expect(visit).to_contain_text("刘专干")
    expect(visit).to_contain_text((received.date() + timedelta(days=7)).isoformat())
    expect(page.get_by_role("row").filter(has_text="Childcare subsidy intake")).to_contain_text("刘专干")
    expect(page.get_by_role("row").filter(has_text="Birth registration")).to_have_count(0)
    visit.get_by_label("Note").fill("已上门访视")
    visit.get_by_role("button", name="Mark done").click()
    expect(flash(page)).to_have_text("Task done: Postnatal visit.")
    expect(page.get_by_role("row").filter(has_text="Postnatal visit")).to_have_count(0)
