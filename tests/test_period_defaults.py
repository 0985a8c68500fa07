"""Pages of figures open on the last complete period, never offer future ones, and say when the period
shown is not over; a chart promises a target line only when it draws one.

The clock is passed in (or the county's "today" replaced), so nothing depends on the day the tests run.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from renkou.indicators.periods import MONTH, QUARTER, STAT_YEAR, YEAR, parse
from renkou.targets import period_input
from renkou.web import charts
from tests.conftest import login

DAY = date(2026, 12, 7)


def test_last_complete_period_of_each_kind(app):
    with app.app_context():
        assert period_input.last_complete(YEAR, DAY).id == "2025"
        assert period_input.last_complete(MONTH, DAY).id == "202611"
        assert period_input.last_complete(QUARTER, DAY).id == "2026Q3"
        assert period_input.last_complete(STAT_YEAR, DAY).id == "2025Oct"  # Oct 2025 – Sep 2026 has ended
        assert period_input.is_incomplete(parse("2026"), DAY)
        assert period_input.is_incomplete(parse("202612"), DAY)
        assert not period_input.is_incomplete(parse("202611"), DAY)


def test_figure_choices_stop_at_the_current_period(app):
    with app.app_context():
        years = period_input.figure_choices(parse("2025"), DAY)
        assert years[-1].id == "2026" and parse("2025") in years
        assert len(years) == 13 and years[0].id == "2014"
        months = period_input.figure_choices(parse("202611"), DAY)
        assert months[-1].id == "202612"


@pytest.fixture
def december_7(monkeypatch):
    monkeypatch.setattr(period_input, "today", lambda: DAY)


def options(text: str) -> list[str]:
    picker = text.split('id="period-picker"', 1)[1].split("</select>", 1)[0]
    return picker.split("<option")[1:]


def test_the_county_dashboard_opens_on_the_last_complete_year(app, client, factory, december_7):
    factory.user("bureau_admin", "county_admin")
    login(client, "bureau_admin")
    text = client.get("/county/dashboard").get_data(as_text=True)
    picker = options(text)
    assert [option for option in picker if "selected" in option][0].startswith(' value="2025"')
    assert picker[-1].startswith(' value="2026"') and "未结束" in picker[-1]
    assert not any(option.startswith(' value="2027"') for option in picker)
    assert 'id="period-incomplete"' not in text
    current = client.get("/county/dashboard?period=2026").get_data(as_text=True)
    assert 'id="period-incomplete"' in current and "尚未结束" in current
    month = client.get("/county/dashboard?kind=month").get_data(as_text=True)
    assert [option for option in options(month) if "selected" in option][0].startswith(' value="202611"')


def test_the_town_home_opens_on_the_last_complete_year(app, client, town, december_7):
    login(client, town.admin_username)
    picker = options(client.get(f"/t/{town.slug}/").get_data(as_text=True))
    assert [option for option in picker if "selected" in option][0].startswith(' value="2025"')
    assert not any(option.startswith(' value="2027"') for option in picker)


def test_one_target_draws_a_target_dash():
    chart = charts.line_chart([("2024", Decimal(80), None), ("2025", Decimal(90), Decimal(95))])
    assert len(chart.target) == 1
    (start, end) = chart.target[0].split()
    assert start.split(",")[1] == end.split(",")[1] and start != end  # level, and wider than a point
    assert charts.line_chart([("2024", Decimal(80), None), ("2025", Decimal(90), None)]).target == []
