"""The county dashboard, its drill-down, the review of flagged values, and the town's own dashboard."""

from __future__ import annotations

from decimal import Decimal

import pytest

from renkou.extensions import db
from renkou.indicators.models import IndicatorValue, ValidationFlag
from renkou.types import utcnow
from tests.conftest import login, post_form

DASHBOARD = "/county/dashboard"


def put_values(app, town, period: str, **figures) -> None:
    """Store figures as the aggregation job would (our own shared table, written directly)."""
    from renkou.indicators import catalog, periods

    parsed = periods.parse(period)
    with app.app_context():
        for code, (numerator, denominator) in figures.items():
            db.session.add(IndicatorValue(
                town_id=town.id, indicator=code, period=period, period_kind=parsed.kind, period_start=parsed.start,
                numerator=Decimal(numerator), denominator=Decimal(denominator),
                value=catalog.get(code).value(Decimal(numerator), Decimal(denominator), parsed.months),
                computed_at=utcnow()))
        db.session.commit()


def set_target(app, code: str, period: str, town, value: str) -> None:
    from renkou.targets.services import set_target as set_one

    with app.app_context():
        set_one(code, period, town.id if town else None, Decimal(value), "county", None)
        db.session.commit()


@pytest.fixture
def county(app, factory):
    factory.user("bureau_admin", "county_admin")
    factory.user("bureau_viewer", "county_viewer")
    towns = [factory.town(name=name) for name in ("甲镇", "乙镇", "丙镇")]
    put_values(app, towns[0], "2026", registration_rate=(90, 100), srb=(105, 100), material_coverage=(98, 100))
    put_values(app, towns[1], "2026", registration_rate=(47, 50), srb=(130, 100), material_coverage=(40, 50))
    put_values(app, towns[2], "2026", registration_rate=(0, 0), srb=(0, 0), material_coverage=(0, 0))
    set_target(app, "registration_rate", "2026", None, "95")
    set_target(app, "registration_rate", "2026", towns[0], "85")
    return towns


def cell(page: str, town: str, indicator: str) -> str:
    row = page.split(f'data-town="{town}"', 1)[1].split("</tr>", 1)[0]
    return row.split(f'data-indicator="{indicator}"', 1)[1].split("</td>", 1)[0]


def test_league_table_statuses_ranks_and_the_county_row(app, client, county):
    login(client, "bureau_viewer")
    page = client.get(f"{DASHBOARD}?period=2026&indicator=registration_rate", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    first, second, third = county
    assert 'data-status="met"' in cell(text, first.code, "registration_rate")  # 90 % against its own 85 %
    assert "第 2 名（共 2）" in cell(text, first.code, "registration_rate")  # 90 % ranks below the other's 94 %
    assert "第 1 名（共 2）" in cell(text, second.code, "registration_rate")
    assert 'data-status="at_risk"' in cell(text, second.code, "registration_rate")  # 94 % of the county's 95 %
    assert 'data-status="no_data"' in cell(text, third.code, "registration_rate")
    assert 'data-status="outside_range"' in cell(text, second.code, "srb")
    county_cell = cell(text, "county", "registration_rate")
    assert "91.33%" in county_cell and "137 / 150" in county_cell  # Σ numerators / Σ denominators
    # The league is ordered by the chosen indicator's rank: 94 % before 90 %, the town without data last.
    assert text.index(f'data-town="{second.code}"') < text.index(f'data-town="{first.code}"') < text.index(
        f'data-town="{third.code}"')
    for chart in ("chart-attainment", "chart-srb", "chart-coverage"):
        assert f'id="{chart}"' in text and "<svg" in text


def test_drill_down_shows_a_towns_history(app, client, county):
    put_values(app, county[0], "2025", registration_rate=(70, 100))
    login(client, "bureau_viewer")
    page = client.get(f"{DASHBOARD}/towns/{county[0].code}?period=2026&indicator=registration_rate",
                      headers={"Accept-Language": "en"}).get_data(as_text=True)
    history = page.split('id="history"', 1)[1]
    assert "90.00%" in history and "70.00%" in history and "85.00%" in history  # 2026 value, 2025 value, target
    assert 'id="chart-history"' in page
    assert client.get(f"{DASHBOARD}/towns/999999999").status_code == 404


def test_bad_period_is_400(app, client, county):
    login(client, "bureau_viewer")
    assert client.get(f"{DASHBOARD}?period=2026Q7").status_code == 400


def test_flags_are_reviewed_by_the_county_administrator_only(app, client, county):
    with app.app_context():
        flag = ValidationFlag(town_id=county[1].id, indicator="srb", period="2026", rule="srb_implausible",
                              details={"value": "130.00"}, status="open", raised_at=utcnow())
        db.session.add(flag)
        db.session.commit()
        flag_id = flag.id
    login(client, "bureau_viewer")
    assert f'data-flag="{flag_id}"' in client.get(DASHBOARD).get_data(as_text=True)
    path = f"{DASHBOARD}/flags/{flag_id}/review"
    assert post_form(client, path, {"note": "核实无误"}, token_from=DASHBOARD).status_code == 403
    client.post("/logout", data={})
    login(client, "bureau_admin")
    empty = post_form(client, path, {"note": " "}, token_from=DASHBOARD, follow_redirects=True)
    assert "请填写核查结论。" in empty.get_data(as_text=True)
    assert post_form(client, path, {"note": "核实：录入错误已更正"}, token_from=DASHBOARD).status_code == 303
    with app.app_context():
        reviewed = db.session.get(ValidationFlag, flag_id)
        assert reviewed.status == "reviewed" and reviewed.review_note == "核实：录入错误已更正"
    assert f'data-flag="{flag_id}"' not in client.get(DASHBOARD).get_data(as_text=True)


@pytest.mark.parametrize("role", ["town_admin", "town_staff", "town_viewer"])
def test_town_users_cannot_reach_the_county_dashboard(app, client, factory, county, role):
    login(client, factory.user(f"someone_{role}", role, county[0]))
    for path in (DASHBOARD, f"{DASHBOARD}/towns/{county[1].code}"):
        assert client.get(path).status_code == 403, path
    assert post_form(client, f"{DASHBOARD}/flags/1/review", {"note": "x"}).status_code == 403


def test_the_town_dashboard_shows_only_its_own_figures(app, client, county):
    first, second, _third = county
    login(client, first.admin_username)
    page = client.get(f"/t/{first.slug}/?period=2026", headers={"Accept-Language": "en"}).get_data(as_text=True)
    row = page.split('data-indicator="registration_rate"', 1)[1].split("</tr>", 1)[0]
    assert 'data-status="met"' in row and "90.00%" in row and "85.00%" in row
    assert "乙镇" not in page and "94.00%" not in page
    assert 'id="chart-town-rates"' in page and 'id="chart-town-srb"' in page


def test_a_change_in_the_registers_shows_as_recomputing_until_the_job_runs(app, client, factory):
    from tests.conftest import in_town

    town = factory.town()
    factory.user("bureau_viewer", "county_viewer")

    def record():
        from tenants.network.services import create_village

        create_village(town.code + "201", "一村")
    in_town(app, town, record)
    login(client, "bureau_viewer")
    page = client.get(DASHBOARD, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'http-equiv="refresh"' in page
    assert "正在重新计算" in page.split('id="freshness"', 1)[1].split("</p>", 1)[0]
