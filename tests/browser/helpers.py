"""What the browser tests do the way a person would: sign in, find things by the words on the page.

The interface is Chinese by default (zh_CN, platform/renkou/translations/zh), so the tests read Chinese.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from playwright.sync_api import Page, expect

REPO = Path(__file__).resolve().parents[2]


def url(path: str) -> re.Pattern:
    """A page's address: this path on the live server, with or without a query string."""
    return re.compile(rf"^https?://[^/]+{re.escape(path)}(\?.*)?$")


def artifacts_dir(config) -> Path:
    """test-artifacts/ at the repository root (git-ignored): screenshots of failures and for the README."""
    path = Path(config.rootpath) / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


def sign_in(page: Page, username: str, password: str) -> None:
    """Sign in; where the second step is asked for, enter a TOTP code (enrolling first if need be)."""
    from tests.conftest import TOTP_SECRETS, totp_code

    page.goto("/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("main").get_by_role("button", name="登录", exact=True).click()
    expect(page).not_to_have_url(url("/login"))
    if re.search(r"/login/enrol$", page.url):
        TOTP_SECRETS[username] = page.locator("#totp-secret").inner_text()
        page.get_by_label("验证码").fill(totp_code(TOTP_SECRETS[username]))
        page.get_by_role("button", name="开启").click()
        page.get_by_role("link", name="继续").click()
    elif re.search(r"/login/code$", page.url):
        page.get_by_label("验证码").fill(totp_code(TOTP_SECRETS[username]))
        page.get_by_role("button", name="验证").click()
    expect(page).not_to_have_url(re.compile(r"/login(/\w+)?(\?.*)?$"))


def flash(page: Page):
    """The message a page shows after an action (已开通… / 已新增…)."""
    return page.get_by_role("status")


def town_nav(page: Page, town_name: str):
    """The navigation bar of the town the page belongs to (概况 · 村/社区 · 账号管理)."""
    return page.get_by_role("navigation").filter(has_text=town_name)


def save_screenshot(page: Page, name: str, config) -> Path:
    """Save a full-page PNG in test-artifacts/; with RENKOU_UPDATE_SCREENSHOT=1 also refresh the copy in
    deploy/screenshots/ that the README shows."""
    path = artifacts_dir(config) / name
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("RENKOU_UPDATE_SCREENSHOT") == "1":
        published = REPO / "deploy" / "screenshots"
        published.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, published / name)
    return path
