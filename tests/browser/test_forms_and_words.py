"""What a new user met on the forms and lists: every error of a form at once, messages that say what is
expected, Chinese words where codes or English showed, and cells that do not wrap one character a line."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_onboarding_lists_every_problem_at_once(live_server, page):
    factory = live_server.factory
    factory.user("bureau_admin", "county_admin")
    taken = factory.town()
    sign_in(page, "bureau_admin", PASSWORD)
    page.goto("/county/towns")
    form = page.locator("#onboard-form")
    expect(form).not_to_contain_text("<slug>")  # the hint gives an example address, not a placeholder
    form.locator("input[name=code]").fill("411524999")  # 999 names no kind of township
    form.locator("input[name=name]").fill("新镇")
    form.locator("input[name=slug]").fill(taken.slug)
    form.locator("input[name=admin_username]").fill("x")
    form.locator("input[name=admin_password]").fill("short")
    form.locator("button[type=submit]").click()
    expect(page.locator("#e-code")).to_contain_text("999")
    expect(page.locator("#e-slug")).to_contain_text("已")
    expect(page.locator("#e-admin_username")).to_be_visible()
    expect(page.locator("#e-admin_password")).to_contain_text("10")


def test_an_amount_in_the_wrong_form_says_how_to_write_it(live_server, page):
    town = live_server.factory.town()
    sign_in(page, town.admin_username, PASSWORD)
    page.goto(f"/t/{town.slug}/funding/new")
    page.locator("input[name=amount]").fill("1,200.5元")
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("#e-amount")).to_contain_text("1200.50")
    expect(page.locator("#e-amount")).not_to_have_text("取值无效。")


def test_support_candidates_name_column_and_state_on_one_line(live_server, page):
    factory = live_server.factory
    town = factory.town()
    village = factory.village(town)
    household = factory.household(town, "H-001", village_id=village)
    factory.person(town, name="张大爷", sex="M", birth_date=date(1964, 3, 1), household_id=household)
    sign_in(page, town.admin_username, PASSWORD)
    page.goto(f"/t/{town.slug}/support/candidates?year=2025&kind=reward")
    expect(page.locator("#candidates thead th").first).to_contain_text("姓名")
    tag = page.locator("#candidates tbody .tag", has_text="待核实").first
    expect(tag).to_be_visible()
    box = tag.bounding_box()
    assert box["width"] > box["height"] * 1.5, "待核实 wraps one character per line"


def test_jobs_page_names_schedules_in_chinese_with_room_for_the_cron_string(live_server, page):
    live_server.factory.user("bureau_admin", "county_admin")
    sign_in(page, "bureau_admin", PASSWORD)
    page.goto("/county/jobs")
    schedules = page.locator("#schedules")
    expect(schedules.locator("#schedule-nightly_recompute strong")).to_have_text("夜间全量重算")
    expect(schedules).not_to_contain_text("nightly_recompute")
    expect(schedules).not_to_contain_text("dirty_sweep")
    width = page.locator("#cron-nightly_recompute").bounding_box()["width"]
    assert width >= 150, f"the cron input is {width} px wide"


def test_targets_grid_headings_show_names_and_units_without_codes(live_server, page):
    live_server.factory.user("bureau_admin", "county_admin")
    sign_in(page, "bureau_admin", PASSWORD)
    page.goto("/county/targets?period=2026")
    headings = page.locator("#targets-grid thead")
    expect(headings).to_contain_text("生育登记率")
    expect(headings).not_to_contain_text("registration_rate")


def test_short_words_read_as_meant_where_they_stand(live_server, page):
    """"Home" as a place of birth, "Received" as a status, "Births" as a list beside the town's birth
    services, and the imports table in words (人员, 已检查) instead of its codes (people, checked)."""
    from renkou.extensions import db
    from renkou.tenancy.context import town_session
    from renkou.tenancy.services import get_town_by_slug
    from tenants.births.services import births

    factory = live_server.factory
    town = factory.town()
    household = factory.household(town, "H-001")
    mother = factory.person(town, name="王芳", resident_id="11010519491231002X", household_id=household)
    factory.support_records(town, household, mother)  # a childcare-subsidy application, received
    factory.import_batch(town)
    with live_server.app.app_context(), town_session(get_town_by_slug(town.slug)):
        birth_id = births.create_birth({"mother_id": mother, "born_at": datetime(2025, 5, 1, 0, 30, tzinfo=UTC),
                                        "sex": "M", "birth_order": 1, "place_type": "home"}).id
        db.session.commit()
    sign_in(page, town.admin_username, PASSWORD)
    page.goto(f"/t/{town.slug}/births/{birth_id}")
    expect(page.locator("dl.record")).to_contain_text("家中")
    expect(page.get_by_role("navigation", name="乡镇").get_by_role("link", name="生育服务")).to_be_visible()
    expect(page.locator("main nav.subnav").get_by_role("link", name="出生", exact=True)).to_be_visible()
    page.goto(f"/t/{town.slug}/support/subsidies/")
    expect(page.locator("main table tbody")).to_contain_text("已受理")
    page.goto(f"/t/{town.slug}/imports/")
    recent = page.locator("main table").last
    cells = recent.locator("tbody tr").first.locator("td")
    expect(cells.nth(1)).to_have_text("人员")  # the kind, not "people"
    expect(cells.nth(3)).to_have_text("已检查")  # the status, not "checked"
    expect(recent.locator("thead")).to_contain_text("上传时间")
