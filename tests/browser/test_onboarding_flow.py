"""A town's first day: the county onboards it, its administrator adds a village, other towns cannot see it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import flash, save_screenshot, sign_in, town_nav, url
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

ONBOARD = {
    "code": "411524105",
    "name": "新集镇",
    "slug": "xinji",
    "admin_username": "xinji_admin",
    "admin_password": "Xinji-admin-2026",
}


def fill_onboarding(page, values: dict) -> None:
    for name, value in values.items():
        page.locator(f"#f-{name}").fill(value)
    page.get_by_role("button", name="开通", exact=True).click()


def test_county_onboards_a_town_whose_administrator_adds_a_village(live_server, page, new_page, request):
    factory = live_server.factory
    factory.user("county_boss", "county_admin")

    # The county administrator signs in and lands on the towns page.
    county = page
    sign_in(county, "county_boss", PASSWORD)
    expect(county).to_have_url(url("/county/towns"))
    expect(county.get_by_role("heading", level=1)).to_contain_text("乡镇")

    # A bad code: the form comes back with a Chinese error under the code field, and what was typed kept.
    fill_onboarding(county, {**ONBOARD, "code": "123"})
    code = county.get_by_label("乡镇区划代码")
    expect(code).to_have_accessible_description("乡镇区划代码必须为 9 位数字。")
    error = county.locator("#" + code.get_attribute("aria-describedby"))  # the message the field points to
    expect(error).to_be_visible()
    expect(error).to_have_text("乡镇区划代码必须为 9 位数字。")
    expect(code).to_have_value("123")
    expect(county.get_by_label("名称")).to_have_value("新集镇")
    expect(county.get_by_label("网址标识")).to_have_value("xinji")
    expect(county.get_by_label("管理员用户名")).to_have_value("xinji_admin")
    expect(county.get_by_role("row").filter(has_text="新集镇")).to_have_count(0)

    # Corrected, the town is onboarded: a success message, and the town in the table.
    fill_onboarding(county, ONBOARD)
    expect(county).to_have_url(url("/county/towns"))
    expect(flash(county)).to_have_text("已开通乡镇“新集镇”，其管理员 xinji_admin 现在即可登录。")
    row = county.get_by_role("row").filter(has_text="新集镇")
    expect(row).to_contain_text("411524105")
    expect(row).to_contain_text("xinji")
    expect(row).to_contain_text("正常")

    # The new town's administrator, in a browser session of their own, lands on the town and adds a village.
    admin = new_page()
    sign_in(admin, "xinji_admin", "Xinji-admin-2026")
    expect(admin).to_have_url(url("/t/xinji/"))
    expect(admin.get_by_role("heading", level=1)).to_contain_text("新集镇")
    town_nav(admin, "新集镇").get_by_role("link", name="村/社区", exact=True).click()
    expect(admin).to_have_url(url("/t/xinji/villages/"))
    expect(admin.get_by_role("main")).to_contain_text("未找到符合条件的村/社区。")
    admin.get_by_role("link", name="新增村/社区").click()
    admin.get_by_label("村级区划代码").fill("411524105201")
    admin.get_by_label("名称").fill("新集村")
    admin.get_by_role("button", name="保存").click()
    expect(admin).to_have_url(url("/t/xinji/villages/"))
    expect(flash(admin)).to_have_text("已新增村/社区“新集村”。")
    expect(admin.get_by_role("row").filter(has_text="新集村")).to_contain_text("411524105201")

    # A member of another town: the new town's pages do not exist for them, and its village is not theirs.
    other = factory.town(code="411524102", slug="yangang", name="鄢岗镇")
    factory.village(other, "201", "鄢岗村")
    outsider = new_page()
    sign_in(outsider, other.admin_username, PASSWORD)
    expect(outsider).to_have_url(url("/t/yangang/"))
    response = outsider.goto("/t/xinji/villages/")
    assert response.status == 404
    expect(outsider.get_by_role("heading", level=1)).to_have_text("页面不存在")
    expect(outsider.get_by_role("main")).to_contain_text("该页面不存在，或您无权访问。")
    expect(outsider.get_by_role("main")).not_to_contain_text("新集")
    outsider.goto("/t/yangang/villages/")
    expect(outsider.get_by_role("row").filter(has_text="鄢岗村")).to_be_visible()
    expect(outsider.get_by_role("main")).not_to_contain_text("新集村")

    # The README's picture: the county's towns page with three towns.
    factory.town(code="411524203", slug="changzhuyuan", name="长竹园乡")
    county.goto("/county/towns")
    towns = county.get_by_role("row").filter(has=county.get_by_role("cell", name=re.compile(r"^411524\d{3}$")))
    expect(towns).to_have_count(3)
    save_screenshot(county, "county-towns.png", request.config)
