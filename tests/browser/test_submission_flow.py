"""The county builds its monthly report for the higher bureau: refused while a town's month is not approved
(the page says which), built once it is, sent; a real worker delivers it to the stand-in bureau and the
page, following the delivery, shows the bureau's receipt and import summary."""

from __future__ import annotations

import dataclasses

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import flash, save_screenshot, sign_in, url
from tests.conftest import PASSWORD
from tests.test_submissions import COUNTY_ADMIN, SECRET, approve, joined_long_ago, record_birth, run_worker
from workers.exchange.standin_bureau import StandinBureau

pytestmark = pytest.mark.browser


@pytest.fixture
def bureau(live_server):
    server = StandinBureau(SECRET, org_unit="411524").start()
    app = live_server.app
    app.config["RENKOU_SETTINGS"] = dataclasses.replace(app.config["RENKOU_SETTINGS"], bureau_url=server.url,
                                                        bureau_secret=SECRET, bureau_retry_intervals=(0, 0, 0))
    yield server
    server.stop()


def test_county_builds_sends_and_sees_the_bureaus_receipt(live_server, page, bureau, request):
    from datetime import date

    app, factory = live_server.app, live_server.factory
    factory.user(COUNTY_ADMIN, "county_admin")
    first, second = factory.town(name="城关镇"), factory.town(name="上石桥镇")
    joined_long_ago(app, first, second)
    record_birth(app, first, "M", date(2026, 7, 10))
    record_birth(app, second, "F", date(2026, 7, 12))
    approve(app, first, ["202607"])

    sign_in(page, COUNTY_ADMIN, PASSWORD)
    page.get_by_role("navigation").get_by_role("link", name="上级报送").click()
    expect(page).to_have_url(url("/county/submissions"))
    expect(page.locator("#submissions")).to_contain_text("暂无报送记录")
    page.get_by_role("link", name="生成报送").click()
    page.locator("#f-report").select_option("monthly")
    page.locator("#f-period").fill("202607")
    page.get_by_role("button", name="生成", exact=True).click()
    # 上石桥镇 has not had July approved: nothing is built, and the page says so.
    expect(page.locator(".form-error, .error").first).to_contain_text("并非所有月份都已审核通过")
    expect(page.locator("#missing")).to_contain_text("上石桥镇")
    expect(page.locator("#missing")).not_to_contain_text("城关镇")

    approve(app, second, ["202607"])
    page.get_by_role("button", name="生成", exact=True).click()
    expect(flash(page)).to_contain_text("请核对后报送")
    expect(page.locator("#submission-state")).to_have_text("草稿")
    expect(page.locator("#by-town")).to_contain_text("城关镇")
    expect(page.locator("#json-preview")).to_contain_text('"dataSet": "RK_POP_MONTHLY"')

    page.get_by_role("button", name="报送上级").click()
    expect(flash(page)).to_contain_text("已排队等待报送上级")
    expect(page.locator("#submission-state")).to_have_text("排队中")
    run_worker(app)  # a real RQ worker delivers it to the stand-in bureau over loopback HTTP
    # The page follows the delivery and reloads with the bureau's answer.
    expect(page.locator("#submission-state")).to_have_text("已受理")
    expect(page.locator("#summary-status")).to_have_text("SUCCESS")
    expect(page.locator("#receipt")).not_to_be_empty()
    expect(page.locator("#attempts .http-status")).to_have_text("200")
    assert len(bureau.accepted()) == 1
    save_screenshot(page, "county-submission.png", request.config)

    page.locator("#f-reason").fill("复核后更正")
    page.get_by_role("button", name="生成更正版本").click()
    expect(flash(page)).to_contain_text("第 2 版")
    expect(page.locator("#revisions tbody tr")).to_have_count(2)
