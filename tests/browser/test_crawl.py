"""Follow every link reachable from the main county and town pages, as their administrators: no page or
asset answers 4xx/5xx, and (through the browser fixture) no page breaks the Content Security Policy.

Bounded: each kind of page is opened once (ids and query strings are folded: /people/12 stands for every
person), downloads are fetched without rendering, and signing out or switching the language is left alone.
"""

from __future__ import annotations

import re
from collections import deque
from datetime import date
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser.helpers import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

MAX_PAGES = 90
SKIPPED = re.compile(r"^/(lang/|logout|static/)")


def page_kind(path: str) -> str:
    """/t/town101/people/12/edit → /t/town101/people/#/edit: one visit per kind of page."""
    return re.sub(r"/\d+(?=/|$)", "/#", path)


def _opened(page, path: str, failures: list[str]) -> bool:
    """Open ``path`` in the page; a download (a spreadsheet, a scan) is fetched instead. False if so."""
    try:
        page.goto(path)
        return True
    except PlaywrightError as error:
        if "Download is starting" not in str(error):
            raise
    response = page.request.get(path)
    if response.status >= 400:
        failures.append(f"{response.status} {path}")
    return False


def crawl(page, starts: list[str], prefixes: tuple[str, ...]) -> list[str]:
    """Visit pages breadth-first from ``starts``, staying under ``prefixes``; return what failed."""
    failures: list[str] = []
    page.on("response", lambda response: failures.append(f"{response.status} {response.url}")
            if response.status >= 400 else None)
    seen, queue, visited = set(), deque(starts), 0
    while queue and visited < MAX_PAGES:
        path = queue.popleft()
        if page_kind(path) in seen:
            continue
        seen.add(page_kind(path))
        if not _opened(page, path, failures):
            continue
        visited += 1
        for href in page.eval_on_selector_all("a[href]", "links => links.map(link => link.getAttribute('href'))"):
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith(prefixes) or SKIPPED.match(parts.path):
                continue
            link = parts.path + (f"?{parts.query}" if parts.query else "")
            if page_kind(parts.path) not in seen:
                queue.append(link)
    assert visited >= 10, f"the crawl found only {visited} pages"
    return failures


@pytest.fixture
def county(live_server):
    factory = live_server.factory
    factory.user("bureau_admin", "county_admin")
    town = factory.town()
    village = factory.village(town, "201", "城关村")
    group = factory.group(town, village)
    factory.staff(town, village)
    household = factory.household(town, "H-001", village_id=village, group_id=group)
    mother = factory.person(town, name="王芳", resident_id="11010519491231002X", household_id=household)
    factory.birth_records(town, mother)
    factory.counselling_visit(town, mother)
    factory.follow_up_visit(town, mother)
    factory.movement(town, factory.person(town, name="李四", household_id=household), "move_out", date(2025, 3, 1))
    factory.clinic_records(town, village)
    factory.funding_entry(town)
    factory.outreach_records(town, village, household)
    factory.governance_records(town, village, household)
    factory.association_records(town, village, household, mother)
    factory.support_records(town, household, mother)
    factory.bureau_notice(town)
    factory.import_batch(town)
    return town


def test_every_link_from_the_county_pages_answers(live_server, page, county):
    sign_in(page, "bureau_admin", PASSWORD)
    failures = crawl(page, ["/county/dashboard", "/county/towns", "/county/targets", "/county/reports",
                            "/county/submissions", "/county/notices", "/county/jobs"], ("/county/",))
    assert not failures, "\n".join(failures)


def test_every_link_from_the_town_pages_answers(live_server, page, county):
    sign_in(page, county.admin_username, PASSWORD)
    failures = crawl(page, [f"/t/{county.slug}/"], (f"/t/{county.slug}/",))
    assert not failures, "\n".join(failures)
