"""A town administrator manages the town's staff: adds an account that works, then disables it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import flash, sign_in, town_nav, url
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

STAFF_PASSWORD = "Staff-pass-2026"
OWN_PASSWORD = "Wang-own-pass-88"


def test_admin_adds_staff_who_works_until_disabled(live_server, page, new_page):
    town = live_server.factory.town(code="411524101", slug="chengguan", name="城关镇")

    # The administrator adds a staff account.
    admin = page
    sign_in(admin, town.admin_username, PASSWORD)
    expect(admin).to_have_url(url("/t/chengguan/"))
    town_nav(admin, "城关镇").get_by_role("link", name="账号管理").click()
    expect(admin).to_have_url(url("/t/chengguan/accounts/"))
    admin.get_by_label("用户名").fill("wang_staff")
    admin.get_by_label("姓名").fill("王小明")
    admin.get_by_label("密码", exact=False).fill(STAFF_PASSWORD)
    admin.get_by_label("角色").select_option(label="乡镇工作人员")
    admin.get_by_role("button", name="添加", exact=True).click()
    expect(admin).to_have_url(url("/t/chengguan/accounts/"))
    expect(flash(admin)).to_have_text("已添加账号 wang_staff。")
    staff_row = admin.get_by_role("row").filter(has_text="wang_staff")
    expect(staff_row).to_contain_text("王小明")
    expect(staff_row).to_contain_text("乡镇工作人员")
    expect(staff_row).to_contain_text("正常")

    # The staff member signs in in a browser session of their own; the administrator chose the password,
    # so they must choose their own first.
    staff = new_page()
    sign_in(staff, "wang_staff", STAFF_PASSWORD)
    expect(staff).to_have_url(url("/account/password"))
    expect(staff.get_by_role("alert")).to_contain_text("请先设置您自己的密码")
    staff.get_by_label("当前密码").fill(STAFF_PASSWORD)
    staff.get_by_label(re.compile(r"^新密码 \*$")).fill("short")
    staff.get_by_label("再次输入新密码").fill("short")
    staff.get_by_role("main").get_by_role("button", name="修改密码").click()
    expect(staff.get_by_role("main")).to_contain_text("密码长度至少")
    staff.get_by_label("当前密码").fill(STAFF_PASSWORD)
    staff.get_by_label(re.compile(r"^新密码 \*$")).fill(OWN_PASSWORD)
    staff.get_by_label("再次输入新密码").fill(OWN_PASSWORD)
    staff.get_by_role("main").get_by_role("button", name="修改密码").click()
    expect(staff).to_have_url(url("/t/chengguan/"))
    expect(staff.locator(".flash-success")).to_contain_text("密码已修改")
    expect(town_nav(staff, "城关镇")).to_contain_text("乡镇工作人员")
    expect(town_nav(staff, "城关镇").get_by_role("link", name="账号管理")).to_have_count(0)
    town_nav(staff, "城关镇").get_by_role("link", name="村/社区", exact=True).click()
    expect(staff).to_have_url(url("/t/chengguan/villages/"))
    staff.get_by_role("link", name="新增村/社区").click()
    staff.get_by_label("村级区划代码").fill("411524101201")
    staff.get_by_label("名称").fill("城关村")
    staff.get_by_role("button", name="保存").click()
    expect(staff).to_have_url(url("/t/chengguan/villages/"))
    expect(staff.get_by_role("row").filter(has_text="城关村")).to_contain_text("411524101201")

    # The administrator disables the account ...
    staff_row.get_by_role("button", name="停用", exact=True).click()
    expect(admin).to_have_url(url("/t/chengguan/accounts/"))
    expect(flash(admin)).to_have_text("已停用账号 wang_staff。")
    expect(staff_row).to_contain_text("已停用")
    expect(staff_row).not_to_contain_text("正常")

    # ... and the staff member's next page load asks them to sign in.
    staff.reload()
    expect(staff).to_have_url(url("/login"))
    expect(staff.get_by_role("heading", level=1)).to_have_text("登录")
    # Signing in again does not bring the town back.
    sign_in(staff, "wang_staff", OWN_PASSWORD)
    response = staff.goto("/t/chengguan/villages/")
    assert response.status == 404
    expect(staff.get_by_role("main")).not_to_contain_text("城关村")
