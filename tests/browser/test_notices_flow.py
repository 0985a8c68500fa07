"""A town answers the bureau's 协查 request: the request is pushed signed to the county, the town finds it on
its notices page with the person masked, replies in the browser, and a real worker delivers the reply
signed to the stand-in bureau."""

from __future__ import annotations

import dataclasses

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import flash, sign_in, url
from tests.conftest import PASSWORD
from tests.test_inbound import REGISTERED_ID, SECRET, request_doc, run_worker
from workers.exchange.standin_bureau import StandinBureau
from workers.exchange.standin_inbox import MESSAGES_PATH, REPLIES_PATH

pytestmark = pytest.mark.browser


@pytest.fixture
def bureau(live_server):
    server = StandinBureau(SECRET, org_unit="411524").start()
    app = live_server.app
    app.config["RENKOU_SETTINGS"] = dataclasses.replace(
        app.config["RENKOU_SETTINGS"], bureau_url=server.url, bureau_secret=SECRET, bureau_retry_intervals=(0, 0, 0),
        bureau_messages_url=server.base_url + MESSAGES_PATH, bureau_replies_url=server.base_url + REPLIES_PATH)
    yield server
    server.stop()


def test_a_town_answers_a_verification_request(live_server, page, bureau):
    app, factory = live_server.app, live_server.factory
    town = factory.town(name="城关镇")
    person_id = factory.person(town, name="王小红", resident_id=REGISTERED_ID)
    status, answer = bureau.inbox.push(live_server.url + "/api/v1/bureau/messages",
                                       request_doc(town=town.code, urgent=True))
    assert status == 201, answer
    run_worker(app)  # the town's search links the request to the person on its register

    sign_in(page, town.admin_username, PASSWORD)
    page.locator(f"nav.townnav a[href='/t/{town.slug}/notices/']").click()
    expect(page).to_have_url(url(f"/t/{town.slug}/notices/"))
    row = page.locator("#notices tbody tr").first
    expect(row).to_contain_text("110105********002X")
    expect(row).not_to_contain_text(REGISTERED_ID)
    row.get_by_role("link").first.click()
    expect(page.locator("#person-id")).to_have_text("110105********002X")
    expect(page.locator("#request")).to_contain_text("请核实其现居住地及婚育情况。")
    expect(page.locator("#located a")).to_have_attribute("href", f"/t/{town.slug}/people/{person_id}")

    form = page.locator("form[id^=reply-form]")
    form.locator("select[name=result]").select_option("confirmed")
    form.locator("textarea[name=text]").fill("经核实，王小红现居本镇。")
    form.locator("button[type=submit]").click()
    expect(flash(page)).to_be_visible()
    expect(page.locator("form[id^=reply-form]")).to_have_count(0)  # answered: no second reply
    expect(page.locator(".replies .badge.state-queued")).to_have_count(1)

    run_worker(app)  # a real RQ worker delivers the reply to the stand-in bureau over loopback HTTP
    page.reload()
    expect(page.locator(".replies .badge.state-delivered")).to_have_count(1)
    [stored] = bureau.inbox.replies.values()
    assert stored["reply"]["result"] == "confirmed" and stored["reply"]["town"]["code"] == town.code
