"""The county administrator watches the background jobs: retries a failed one and changes a schedule."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import flash, save_screenshot, sign_in, url
from tests.conftest import PASSWORD
from tests.test_jobs_page import enqueue, job_id, run_burst_worker

pytestmark = pytest.mark.browser


def test_county_administrator_retries_a_failed_job_and_changes_a_schedule(live_server, page, request):
    app = live_server.app
    live_server.factory.user("county_boss", "county_admin")
    enqueue(app, "tests.test_jobs_page.explode", "上级接口拒绝了报表 (test)", name="submit-1",
            description="报送测试", kind="submissions")
    run_burst_worker(app, "submissions")
    failed_id = job_id(app, "submit-1")

    sign_in(page, "county_boss", PASSWORD)
    page.get_by_role("navigation").get_by_role("link", name="后台任务").click()
    expect(page).to_have_url(url("/county/jobs"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("后台任务")

    # The failed job, with the end of its traceback; Retry puts it back on its queue.
    failed = page.locator(f'[id="failed-{failed_id}"]')
    expect(failed).to_contain_text("报送测试")
    expect(failed).to_contain_text("ValueError: 上级接口拒绝了报表 (test)")
    expect(page.locator("#queue-row-submissions [data-count=failed]")).to_have_text("1")
    save_screenshot(page, "county-jobs.png", request.config)
    failed.get_by_role("button", name="重试").click()
    expect(flash(page)).to_have_text(f"任务 {failed_id} 已重新排队，将再次执行。")
    expect(page.locator(f'[id="failed-{failed_id}"]')).to_have_count(0)
    expect(page.locator("#queue-row-submissions [data-count=queued]")).to_have_text("1")

    # A schedule: a bad cron string is refused in Chinese, a good one is saved and shown in county time.
    nightly = page.locator("#schedule-nightly_recompute")
    cron = nightly.get_by_label("Cron 表达式")
    cron.fill("61 2 * * *")
    nightly.get_by_role("button", name="保存").click()
    nightly = page.locator("#schedule-nightly_recompute")
    cron = nightly.get_by_label("Cron 表达式")
    expect(cron).to_have_attribute("aria-invalid", "true")
    expect(cron).to_have_value("61 2 * * *")
    expect(nightly.locator(".error")).to_contain_text("不是有效的时间表")

    cron.fill("0 3 * * *")
    nightly.get_by_role("button", name="保存").click()
    expect(flash(page)).to_have_text("已保存定时计划 夜间全量重算。")
    nightly = page.locator("#schedule-nightly_recompute")
    expect(nightly).to_contain_text("默认：30 2 * * *")
    expect(nightly.locator(".next-run")).to_have_text(re.compile(r"03:00\s*$"))

    # Printed, the page keeps the tables and drops the buttons and forms.
    page.emulate_media(media="print")
    expect(nightly.get_by_role("button", name="保存")).to_be_hidden()
    expect(page.locator("#queues")).to_be_visible()
