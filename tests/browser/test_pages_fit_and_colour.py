"""How the county dashboard, the targets grid and a town's home page look: status badges in their colours
(the CSP blocks inline styles, so they must come from app.css), tables that fit a 1366 px screen and an A4
landscape page, and the drill-down's target line. The browser fixture also fails on any CSP violation.

The figures are stored as the aggregation job would store them; periods are named, never "today".
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from renkou.extensions import db
from renkou.indicators import catalog
from renkou.indicators.models import IndicatorValue
from renkou.indicators.periods import YEAR, parse
from renkou.types import utcnow
from tests.browser.helpers import save_screenshot, sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
# A4 landscape, 297 mm less 10 mm margins each side, at 96 px per inch.
A4_LANDSCAPE_PRINTABLE = {"width": round((297 - 20) / 25.4 * 96), "height": round((210 - 20) / 25.4 * 96)}
OK, WARN, BRAND = "rgb(31, 122, 77)", "rgb(181, 71, 8)", "rgb(180, 35, 24)"


def put_values(app, town_id: int, period: str, figures: dict[str, tuple[int, int]]) -> None:
    parsed = parse(period)
    with app.app_context():
        for code, (numerator, denominator) in figures.items():
            db.session.add(IndicatorValue(
                town_id=town_id, indicator=code, period=period, period_kind=parsed.kind, period_start=parsed.start,
                numerator=Decimal(numerator), denominator=Decimal(denominator),
                value=catalog.get(code).value(Decimal(numerator), Decimal(denominator)), computed_at=utcnow()))
        db.session.commit()


def set_target(app, code: str, period: str, town_id: int | None, value: str) -> None:
    from renkou.targets.services import set_target as set_one

    with app.app_context():
        set_one(code, period, town_id, Decimal(value), "county", None)
        db.session.commit()


@pytest.fixture
def county(live_server):
    """Three towns with a figure on every yearly indicator in 2026, and targets that make every status."""
    app, factory = live_server.app, live_server.factory
    factory.user("bureau_admin", "county_admin")
    towns = [factory.town(name=name) for name in ("城关镇", "上石桥镇", "长竹园乡")]
    for index, town in enumerate(towns):
        figures = {indicator.code: (90 - index * 20, 100) for indicator in catalog.applying_to(YEAR)}
        figures.update(srb=(105 + index * 20, 100), birth_rate=(9, 1000), natural_increase=(3, 1000))
        put_values(app, town.id, "2026", figures)
    for indicator in catalog.applying_to(YEAR):
        if indicator.direction == catalog.HIGHER_IS_BETTER:
            set_target(app, indicator.code, "2026", None, "85")
    return towns


def badge_colour(page: Page, selector: str) -> str:
    return page.locator(selector).first.evaluate("element => getComputedStyle(element).color")


def fits(page: Page, table: str) -> bool:
    """The table shows, is no wider than the box it scrolls in, and the page no wider than the window."""
    return page.evaluate("""(selector) => {
        const table = document.querySelector(selector);
        const box = table.parentElement;
        return table.offsetWidth > 0 && table.scrollWidth <= box.clientWidth + 1
            && document.documentElement.scrollWidth <= window.innerWidth;
    }""", table)


def test_status_badges_are_coloured_on_the_dashboard_and_the_town_home(live_server, new_page, county, request):
    page = new_page()
    page.set_viewport_size(LAPTOP)
    sign_in(page, "bureau_admin", PASSWORD)
    page.goto("/county/dashboard?period=2026&indicator=registration_rate")
    first, second, _third = county
    cell = f'tr[data-town="{first.code}"] td[data-indicator="registration_rate"] .badge'
    expect(page.locator(cell)).to_have_text("符合")
    assert badge_colour(page, cell) == OK
    assert badge_colour(page, f'tr[data-town="{second.code}"] td[data-indicator="registration_rate"] .badge') == BRAND
    assert badge_colour(page, f'tr[data-town="{second.code}"] td[data-indicator="srb"] .badge') == BRAND
    save_screenshot(page, "county-dashboard.png", request.config)

    town_page = new_page()
    town_page.set_viewport_size(LAPTOP)
    sign_in(town_page, first.admin_username, PASSWORD)
    town_page.goto(f"/t/{first.slug}/?period=2026")
    expect(town_page.locator('tr[data-indicator="registration_rate"] .badge')).to_have_text("符合")
    assert badge_colour(town_page, 'tr[data-indicator="registration_rate"] .badge') == OK
    save_screenshot(town_page, "town-home.png", request.config)


def test_league_table_and_targets_grid_fit_a_laptop_screen_and_a4_landscape(live_server, new_page, county, request):
    page = new_page()
    page.set_viewport_size(LAPTOP)
    sign_in(page, "bureau_admin", PASSWORD)
    page.goto("/county/dashboard?period=2026")
    expect(page.locator("#league-table thead th")).to_have_count(1 + len(catalog.applying_to(YEAR)))
    assert fits(page, "#league-table"), "the league table is wider than a 1366 px screen"
    page.goto("/county/targets?period=2026")
    expect(page.locator("#targets-grid")).to_be_visible()
    assert fits(page, "#targets-grid"), "the targets grid is wider than a 1366 px screen"
    save_screenshot(page, "targets-grid.png", request.config)

    page.emulate_media(media="print")
    page.set_viewport_size(A4_LANDSCAPE_PRINTABLE)
    assert fits(page, "#targets-grid"), "the targets grid does not fit an A4 landscape page"
    page.goto("/county/dashboard?period=2026")
    assert fits(page, "#league-table"), "the league table does not fit an A4 landscape page"


def test_drill_down_draws_the_target_line_its_caption_promises(live_server, new_page, county):
    first = county[0]
    put_values(live_server.app, first.id, "2025", {"registration_rate": (80, 100)})  # no target in 2025
    page = new_page()
    sign_in(page, "bureau_admin", PASSWORD)
    page.goto(f"/county/dashboard/towns/{first.code}?period=2026&indicator=registration_rate")
    chart = page.locator("#chart-history")
    expect(chart.locator("figcaption")).to_contain_text("虚线为目标")
    expect(chart.locator('polyline[stroke-dasharray]')).to_have_count(1)
    page.goto(f"/county/dashboard/towns/{first.code}?period=2026&indicator=srb")  # monitored: no target
    expect(page.locator("#chart-history polyline[stroke-dasharray]")).to_have_count(0)
    expect(page.locator("#chart-history figcaption")).not_to_contain_text("虚线")
