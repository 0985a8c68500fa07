"""The county sets a target, a town changes its registers, and the county dashboard follows by itself.

A real RQ worker (with its scheduler, for the debounce delay) runs in a separate process beside the live
server, as `renkou worker` does in production.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import flash, sign_in, url
from tests.conftest import PASSWORD, in_town

pytestmark = pytest.mark.browser


def _run_worker(settings) -> None:
    """In a spawned process: the app from the same settings, working the aggregation queue."""
    from rq import Worker

    from renkou import jobs
    from renkou.app import create_app

    app = create_app(settings)
    jobs.bind_app(app)
    with app.app_context():
        queue = jobs.get_queue("aggregation")
        Worker([queue], connection=queue.connection).work(with_scheduler=True)


@pytest.fixture
def worker(live_server):
    settings = dataclasses.replace(live_server.app.config["RENKOU_SETTINGS"])
    process = multiprocessing.get_context("spawn").Process(target=_run_worker, args=(settings,))
    process.start()
    yield process
    process.terminate()
    process.join(timeout=10)


def registration_cell(page, town_code: str):
    return page.locator(f'tr[data-town="{town_code}"] td[data-indicator="registration_rate"]')


def reload_until(page, condition, what: str, seconds: int = 60) -> None:
    """Reload until ``condition()`` holds (the page also refreshes itself while recomputing)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"the dashboard never showed {what}"
        time.sleep(1)
        page.reload()


def wait_for_status(page, town_code: str, status: str) -> None:
    reload_until(page, lambda: registration_cell(page, town_code).get_attribute("data-status") == status, status)


def test_target_then_register_change_moves_the_dashboard(live_server, worker, new_page):
    factory = live_server.factory
    town = factory.town(code="411524101", slug="chengguan", name="城关镇")
    village = factory.village(town, "201", "城关村")
    household = factory.household(town, "H-001", village_id=village)
    mother = factory.person(town, name="王芳", sex="F", birth_date=date(1995, 5, 1), household_id=household)
    year = datetime.now(ZoneInfo("Asia/Shanghai")).year

    def record_birth():
        from tenants.births.services import births

        births.create_birth({"mother_id": mother, "sex": "F", "birth_order": 1,
                             "born_at": datetime(year, 1, 15, 8, tzinfo=ZoneInfo("Asia/Shanghai"))})
    in_town(live_server.app, town, record_birth)
    factory.user("bureau_admin", "county_admin")

    # The county sets this year's birth-registration target for the whole county.
    county = new_page()
    sign_in(county, "bureau_admin", PASSWORD)
    county.goto("/lang/en")
    county.goto(f"/county/targets?period={year}")
    county.locator("input[name='t-county-registration_rate']").fill("95")
    county.get_by_role("button", name="Save targets").click()
    expect(flash(county)).to_be_visible()

    # The dashboard shows the town's birth without a registration: 0 % against 95 %, missed.
    county.get_by_role("link", name="Dashboard", exact=True).click()
    expect(county).to_have_url(url("/county/dashboard"))
    county.goto(f"/county/dashboard?period={year}")  # it opens on the last complete period
    wait_for_status(county, town.code, "missed")
    expect(registration_cell(county, town.code)).to_contain_text("0.00%")
    expect(registration_cell(county, town.code)).to_contain_text("95.00%")

    # The town's office files the family's birth registration.
    office = new_page()
    sign_in(office, town.admin_username, PASSWORD)
    office.goto("/lang/en")
    office.goto("/t/chengguan/births/registrations/")
    office.get_by_role("link", name="New application").click()
    office.locator("#f-mother_id").select_option(str(mother))
    office.locator("#f-timing").select_option("after_birth")
    office.get_by_label("Child's birth date").fill(f"{year}-01-15")
    office.get_by_role("button", name="Save").click()
    expect(flash(office)).to_have_text("Application for 王芳 saved.")
    # Only a completed registration counts: the office accepts the application, then registers it.
    office.get_by_role("button", name="Accept").click()
    office.get_by_role("button", name="Register").click()

    # Within seconds the county dashboard has the new figure: 1 of 1 births registered, target met.
    wait_for_status(county, town.code, "met")
    expect(registration_cell(county, town.code)).to_contain_text("100.00%")
    reload_until(county, lambda: "up to date" in county.locator("#freshness").inner_text(), "up to date")
