"""Browser tests: the real application served over HTTP, driven through Debian's chromium by Playwright.

Playwright cannot download its own browser here, so every launch uses /usr/bin/chromium (override with
RENKOU_TEST_CHROMIUM). The application runs on PostgreSQL only: the embedded SQLite mode is covered by
the ordinary test-client tests, and one backend keeps the browser suite fast.

Fixtures:
- ``browser``: one chromium for the whole session.
- ``live_server``: the app built on PostgreSQL, served by Werkzeug in a thread; ``.url``, ``.app``, ``.factory``.
- ``new_page``: opens a page in a fresh browser context (a fresh browser session: its own cookies);
  ``page`` is the first such page. Contexts close after the test; when a test fails, a screenshot of every
  page it opened is saved in test-artifacts/. Every test also fails when the browser reports a Content
  Security Policy violation on any page it visited (an inline style or script the CSP blocks renders
  wrong without any other sign).
"""

from __future__ import annotations

import dataclasses
import os
import re
import threading

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from werkzeug.serving import make_server

from tests.browser.helpers import artifacts_dir
from tests.conftest import Factory, build_app, make_settings, reset_storage

CHROMIUM = os.environ.get("RENKOU_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# expect() waits this long for a page to show what a test asserts (Playwright's default is 5 s).
expect.set_options(timeout=10_000)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item (rep_setup, rep_call, rep_teardown) for the fixtures."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclasses.dataclass
class LiveServer:
    url: str
    app: object
    factory: Factory


@pytest.fixture
def live_server(tmp_path, pg_url, redis_url):
    app = build_app(make_settings("postgresql", tmp_path, pg_url, redis_url))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app, factory=Factory(app))
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        reset_storage(app)


@pytest.fixture
def new_page(browser: Browser, live_server, request):
    """Open a page in a fresh browser context (zh-CN, 1280×800) whose relative URLs go to the live server.

    Depends on live_server so that the contexts close before the server stops.
    """
    contexts = []
    violations: list[str] = []

    def open_page() -> Page:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800},
                                      base_url=live_server.url)
        context.on("console", lambda message: _record_csp_violation(message, violations))
        contexts.append(context)
        return context.new_page()

    yield open_page

    report = getattr(request.node, "rep_call", None) or getattr(request.node, "rep_setup", None)
    if report is not None and report.failed:
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        folder = artifacts_dir(request.config)
        for number, context in enumerate(contexts, start=1):
            for index, opened in enumerate(context.pages, start=1):
                try:
                    opened.screenshot(path=str(folder / f"{name}-{number}.{index}.png"), full_page=True)
                except Exception as error:  # a crashed page must not hide the test's own failure
                    print(f"could not save a screenshot of {opened.url}: {error}")
    for context in contexts:
        context.close()
    assert not violations, "the Content Security Policy blocked something:\n" + "\n".join(violations)


def _record_csp_violation(message, violations: list[str]) -> None:
    """Chromium reports every blocked inline style, script or outside source on the console."""
    if "Content Security Policy" in message.text:
        violations.append(f"{message.page.url if message.page else '?'}: {message.text}")


@pytest.fixture
def page(new_page) -> Page:
    return new_page()
