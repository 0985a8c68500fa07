"""Two-factor sign-in in the browser: a county administrator enrols after the password, keeps recovery
codes, then signs in with a code; they change their own password from their account page."""

from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import sign_in, url
from tests.conftest import PASSWORD, TOTP_SECRETS, totp_code

pytestmark = pytest.mark.browser


def test_county_administrator_enrols_then_signs_in_with_a_code(live_server, page, new_page):
    live_server.factory.user("bureau_admin", "county_admin")

    page.goto("/login")
    page.get_by_label("用户名").fill("bureau_admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(url("/login/enrol"))
    expect(page.get_by_role("heading", level=1)).to_have_text("设置双因素登录")
    qr = page.get_by_role("img", name="身份验证器应用的二维码")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth") > 0  # drawn by the app, allowed by the CSP
    secret = page.locator("#totp-secret").inner_text()
    wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    page.get_by_label("验证码").fill(wrong)
    page.get_by_role("button", name="开启").click()
    expect(page.get_by_role("main")).to_contain_text("验证码不正确或已过期")
    page.get_by_label("验证码").fill(totp_code(secret))
    page.get_by_role("button", name="开启").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("双因素登录已开启")
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="继续").click()
    expect(page).to_have_url(url("/county/towns"))
    TOTP_SECRETS["bureau_admin"] = secret

    # Another browser: the password, then the code.
    other = new_page()
    other.goto("/login")
    other.get_by_label("用户名").fill("bureau_admin")
    other.get_by_label("密码").fill(PASSWORD)
    other.get_by_role("main").get_by_role("button", name="登录", exact=True).click()
    expect(other).to_have_url(url("/login/code"))
    assert other.goto("/county/towns").url.endswith("/login?next=/county/towns")  # not signed in yet
    other.goto("/login/code")
    other.get_by_label("验证码").fill(totp_code(secret))
    other.get_by_role("button", name="验证").click()
    expect(other).to_have_url(url("/county/towns"))


def test_a_person_changes_their_own_password_and_other_sessions_end(live_server, page, new_page):
    town = live_server.factory.town(code="411524101", slug="chengguan", name="城关镇")
    other = new_page()
    sign_in(other, town.admin_username, PASSWORD)
    sign_in(page, town.admin_username, PASSWORD)
    page.locator("header .user a").click()
    expect(page).to_have_url(url("/account/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("我的账号")
    page.get_by_role("link", name="修改密码").click()
    page.get_by_label("当前密码").fill(PASSWORD)
    page.get_by_label(re.compile(r"^新密码 \*$")).fill("Brand-new-pass-9")
    page.get_by_label("再次输入新密码").fill("Brand-new-pass-8")
    page.get_by_role("main").get_by_role("button", name="修改密码").click()
    expect(page.get_by_role("main")).to_contain_text("两次输入的新密码不一致")
    page.get_by_label("当前密码").fill(PASSWORD)
    page.get_by_label(re.compile(r"^新密码 \*$")).fill("Brand-new-pass-9")
    page.get_by_label("再次输入新密码").fill("Brand-new-pass-9")
    page.get_by_role("main").get_by_role("button", name="修改密码").click()
    expect(page.locator(".flash-success")).to_contain_text("密码已修改")
    other.reload()
    expect(other).to_have_url(url("/login"))
