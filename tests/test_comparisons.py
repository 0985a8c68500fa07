"""Comparisons of towns against targets (renkou.indicators.comparisons) and the county API over them.

Figures are hand-made rows in shared.indicator_values (our own table), so every expected number below is
worked out by hand. Every test taking ``app`` runs on PostgreSQL and SQLite.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from renkou.extensions import db
from renkou.indicators import catalog
from renkou.indicators.catalog import LOWER_IS_BETTER, PERCENT, Indicator
from renkou.indicators.comparisons import (
    AT_RISK,
    AT_RISK_THRESHOLD,
    MET,
    MISSED,
    MONITORED_STATUS,
    NO_DATA,
    NO_TARGET,
    OUTSIDE_RANGE,
    TOO_FEW,
    Figures,
    attainment,
    compare,
    county_figures,
    history,
    ranks,
    status_of,
    values_of,
)
from renkou.indicators.models import IndicatorValue
from renkou.indicators.periods import parse
from renkou.targets.models import Target
from renkou.tenancy.models import Town
from tests.conftest import bearer

# A lower-is-better indicator: the catalog has none yet, the rules must still hold for one.
WAITING = Indicator("test_waiting", "等待天数占比", "Share of late cases", "late cases", "cases", PERCENT, 100,
                    LOWER_IS_BETTER)
REGISTRATION = catalog.get("registration_rate")
SRB = catalog.get("srb")


def d(text) -> Decimal:
    return Decimal(str(text))


def add_values(app, period_id: str, rows, indicator: Indicator = REGISTRATION) -> None:
    """rows: (town_id, numerator, denominator); the value is worked out as the aggregation job does."""
    period = parse(period_id)
    with app.app_context():
        for town_id, numerator, denominator in rows:
            db.session.add(IndicatorValue(
                town_id=town_id, indicator=indicator.code, period=period.id, period_kind=period.kind,
                period_start=period.start, numerator=d(numerator), denominator=d(denominator),
                value=indicator.value(d(numerator), d(denominator), period.months)))
        db.session.commit()


def add_target(app, indicator: str, period_id: str, value, town=None) -> None:
    """A target row written straight into shared.targets (the service's own checks are in test_targets)."""
    period = parse(period_id)
    with app.app_context():
        db.session.add(Target(indicator=indicator, period=period.id, period_kind=period.kind,
                              scope=town.code if town else "county", town_id=town.id if town else None,
                              value=d(value), source="county", note=""))
        db.session.commit()


@pytest.fixture
def towns(factory):
    return [factory.town() for _ in range(4)]


def compared(app, period_id: str, indicators=None):
    with app.app_context():
        result = compare(parse(period_id), indicators)
        return {row.town.code: row.cells for row in result.towns}, result.county.cells, result


# ---------------------------------------------------------------------------------------------------------
# The rules on plain values


def test_attainment_by_direction():
    assert attainment(REGISTRATION, d(90), d(95)) == d("94.74")  # 90 / 95 × 100
    assert attainment(WAITING, d(4), d(5)) == d("125.00")  # 5 / 4 × 100: below the ceiling is good
    assert attainment(REGISTRATION, d(90), d(0)) is None  # nothing to divide by
    assert attainment(WAITING, d(0), d(5)) is None
    assert attainment(SRB, d(105), d(106)) is None  # a range is met or not, never "reached by %"


def test_status_thresholds_around_at_risk():
    assert AT_RISK_THRESHOLD == 95
    target = d(100)
    assert status_of(REGISTRATION, Figures(d(1), d(1), d(100)), target) == MET
    assert status_of(REGISTRATION, Figures(d(1), d(1), d(95)), target) == AT_RISK  # exactly 95 %
    assert status_of(REGISTRATION, Figures(d(1), d(1), d("94.99")), target) == MISSED
    assert status_of(REGISTRATION, Figures(d(1), d(1), d(99)), None) == NO_TARGET
    assert status_of(REGISTRATION, Figures(d(0), d(0), None), target) == NO_DATA
    assert status_of(WAITING, Figures(d(1), d(1), d(5)), d(5)) == MET
    assert status_of(WAITING, Figures(d(1), d(1), d("5.2")), d(5)) == AT_RISK  # 5 / 5.2 = 96.15 %
    assert status_of(WAITING, Figures(d(1), d(1), d(6)), d(5)) == MISSED  # 83.33 %
    assert status_of(WAITING, Figures(d(0), d(1), d(0)), d(5)) == MET
    assert status_of(SRB, Figures(d(107), d(100), d(107)), None) == MET  # the range's ends are inside it
    assert status_of(SRB, Figures(d(10701), d(10000), d("107.01")), None) == OUTSIDE_RANGE
    birth_rate = catalog.get("birth_rate")
    assert status_of(birth_rate, Figures(d(5), d(1000), d(5)), None) == MONITORED_STATUS


def test_ranks_share_ties_skip_after_and_leave_out_missing():
    assert ranks(REGISTRATION, {"a": d(90), "b": d(90), "c": d(80), "d": None}) == {"a": 1, "b": 1, "c": 3, "d": None}
    assert ranks(WAITING, {"a": d(4), "b": d(6), "c": d(4)}) == {"a": 1, "c": 1, "b": 3}
    # Distance from 103–107: 105 → 0, 110 → 3, 100 → 3, 98 → 5.
    assert ranks(SRB, {"a": d(110), "b": d(105), "c": d(100), "d": d(98)}) == {"b": 1, "a": 2, "c": 2, "d": 4}
    assert ranks(catalog.get("birth_rate"), {"a": d(5), "b": d(7)}) == {"a": None, "b": None}


def test_county_figures_sum_numerators_and_denominators():
    rows = [Figures(d(9), d(10), d(90)), Figures(d(1), d(2), d(50)), Figures(d(90), d(100), d(90)), Figures()]
    county = county_figures(REGISTRATION, rows)
    assert (county.numerator, county.denominator, county.value) == (d(100), d(112), d("89.29"))
    assert county_figures(REGISTRATION, [Figures()]).value is None


# ---------------------------------------------------------------------------------------------------------
# From the shared tables


def test_county_row_is_sum_over_sum_never_the_average_of_rates(app, towns):
    a, b, c, _d = towns
    add_values(app, "2026", [(a.id, 9, 10), (b.id, 1, 2), (c.id, 90, 100)])
    cells, county, _result = compared(app, "2026")
    assert [cells[town.code]["registration_rate"].value for town in (a, b, c)] == [d(90), d(50), d(90)]
    total = county["registration_rate"]
    assert (total.numerator, total.denominator, total.value) == (d(100), d(112), d("89.29"))
    assert total.value != (d(90) + d(50) + d(90)) / 3  # 76.67: what averaging the rates would wrongly say


def test_zero_denominator_and_missing_rows_are_no_data_and_unranked(app, towns):
    a, b, c, e = towns
    add_values(app, "2026", [(a.id, 9, 10), (b.id, 0, 0), (c.id, 8, 10)])
    add_target(app, "registration_rate", "2026", 85)
    cells, county, result = compared(app, "2026")
    zero = cells[b.code]["registration_rate"]
    assert (zero.status, zero.value, zero.rank, zero.attainment, zero.gap) == (NO_DATA, None, None, None, None)
    assert zero.target == d(85)  # the target is still shown
    missing = cells[e.code]["registration_rate"]
    assert (missing.status, missing.rank, missing.numerator) == (NO_DATA, None, None)
    assert [cells[t.code]["registration_rate"].rank for t in (a, c)] == [1, 2]
    assert result.ranked["registration_rate"] == 2
    # The zero row adds nothing to the county: 17 / 20.
    assert county["registration_rate"].value == d(85) and county["registration_rate"].status == MET


def test_statuses_attainment_gap_and_town_target_before_county_target(app, towns):
    a, b, c, e = towns
    # 96 %, 92 %, 80 %, 80 %
    add_values(app, "2026", [(a.id, 96, 100), (b.id, 92, 100), (c.id, 80, 100), (e.id, 80, 100)])
    add_target(app, "registration_rate", "2026", 95)
    add_target(app, "registration_rate", "2026", 80, town=e)  # e's own target, lower than the county's
    cells, county, result = compared(app, "2026")
    met, at_risk, missed, own = (cells[t.code]["registration_rate"] for t in (a, b, c, e))
    assert (met.status, met.attainment, met.gap, met.target_scope) == (MET, d("101.05"), d(1), "county")
    assert (at_risk.status, at_risk.attainment, at_risk.gap) == (AT_RISK, d("96.84"), d(-3))
    assert (missed.status, missed.attainment, missed.gap) == (MISSED, d("84.21"), d(-15))
    assert (own.status, own.target, own.target_scope, own.attainment) == (MET, d(80), "town", d("100.00"))
    assert [cell.rank for cell in (met, at_risk, missed, own)] == [1, 2, 3, 3]  # c and e tie
    total = county["registration_rate"]  # 348 / 400 = 87 % against the county's 95
    assert (total.value, total.target, total.status, total.attainment) == (d(87), d(95), MISSED, d("91.58"))
    assert result.status_counts("registration_rate")[MET] == 2
    # An indicator with figures and no target anywhere:
    add_values(app, "2026", [(a.id, 50, 100)], catalog.get("material_coverage"))
    cells, _county, _result = compared(app, "2026")
    assert cells[a.code]["material_coverage"].status == NO_TARGET


def test_lower_is_better(app, towns):
    a, b, c, e = towns
    add_values(app, "2026", [(a.id, 4, 100), (b.id, 52, 1000), (c.id, 6, 100), (e.id, 4, 100)], WAITING)
    add_target(app, WAITING.code, "2026", 5)
    cells, county, _result = compared(app, "2026", [WAITING])
    rows = [cells[t.code][WAITING.code] for t in (a, b, c, e)]
    assert [cell.value for cell in rows] == [d(4), d("5.2"), d(6), d(4)]
    assert [cell.status for cell in rows] == [MET, AT_RISK, MISSED, MET]
    assert [cell.attainment for cell in rows] == [d("125.00"), d("96.15"), d("83.33"), d("125.00")]
    assert [cell.gap for cell in rows] == [d(-1), d("0.2"), d(1), d(-1)]
    assert [cell.rank for cell in rows] == [1, 3, 4, 1]  # the lowest is best; a and e tie
    # 66 / 1300 = 5.08 %: at risk against 5.
    assert (county[WAITING.code].value, county[WAITING.code].status) == (d("5.08"), AT_RISK)


def test_normal_range_ranks_by_distance_and_ignores_targets_for_status(app, towns):
    a, b, c, e = towns
    # Male / female live births × 100: 105, 110, 100, 98.
    add_values(app, "2026", [(a.id, 105, 100), (b.id, 110, 100), (c.id, 100, 100), (e.id, 98, 100)], SRB)
    add_target(app, "srb", "2026", 106)
    cells, county, _result = compared(app, "2026")
    rows = [cells[t.code]["srb"] for t in (a, b, c, e)]
    assert [cell.status for cell in rows] == [MET, OUTSIDE_RANGE, OUTSIDE_RANGE, OUTSIDE_RANGE]
    assert [cell.rank for cell in rows] == [1, 2, 2, 4]
    assert [cell.attainment for cell in rows] == [None] * 4
    assert rows[0].gap == d(-1)  # 105 − 106: shown, but the range decides the status
    # 413 boys / 400 girls = 103.25: inside the range.
    assert (county["srb"].value, county["srb"].status) == (d("103.25"), MET)


def test_a_sex_ratio_on_too_few_births_is_neither_judged_nor_ranked(app, towns):
    a, b, c, _e = towns
    # 1 boy and 1 girl; 12 boys and 8 girls (20 births, the default minimum); 11 boys and 8 girls (19).
    add_values(app, "2026", [(a.id, 1, 1), (b.id, 12, 8), (c.id, 11, 8)], SRB)
    cells, county, _result = compared(app, "2026")
    assert (cells[a.code]["srb"].value, cells[a.code]["srb"].status, cells[a.code]["srb"].rank) == (
        d(100), TOO_FEW, None)
    assert (cells[b.code]["srb"].status, cells[b.code]["srb"].rank) == (OUTSIDE_RANGE, 1)
    assert (cells[c.code]["srb"].status, cells[c.code]["srb"].rank) == (TOO_FEW, None)
    assert county["srb"].status == OUTSIDE_RANGE  # 24 boys / 17 girls over 41 births: judged
    with app.app_context():  # the minimum is configuration
        app.config["RENKOU_SETTINGS"] = dataclasses.replace(app.config["RENKOU_SETTINGS"], srb_min_births=42)
    _cells, county, _result = compared(app, "2026")
    assert county["srb"].status == TOO_FEW


def test_attainment_and_gap_come_from_the_counts_not_the_rounded_value(app, towns):
    a, _b, _c, _e = towns
    add_values(app, "2026", [(a.id, 1, 3)])  # 33.333…%, shown as 33.33
    add_target(app, "registration_rate", "2026", 90)
    cells, _county, _result = compared(app, "2026")
    cell = cells[a.code]["registration_rate"]
    assert cell.value == d("33.33")
    assert cell.attainment == d("37.04")  # 33.333… / 90; from the rounded 33.33 it would be 37.03
    assert cell.gap == d("-56.67")


def test_sub_year_birth_rates_are_annualised_and_say_so(app, towns):
    from renkou.indicators.labels import with_unit

    a, b, _c, _e = towns
    birth_rate = catalog.get("birth_rate")
    add_values(app, "202601", [(a.id, 5, 1000), (b.id, 10, 3000)], birth_rate)
    cells, county, _result = compared(app, "202601")
    assert cells[a.code]["birth_rate"].value == d(60)  # 5 per 1,000 in a month: 60 per 1,000 a year
    assert (county["birth_rate"].numerator, county["birth_rate"].denominator) == (d(15), d(4000))
    assert county["birth_rate"].value == d(45)  # Σ/Σ, then annualised
    assert birth_rate.value(d(5), d(1000), parse("2026").months) == d(5)
    with app.test_request_context():  # the unit says it is a yearly rate, in the UI's Chinese
        assert with_unit("birth_rate", d(60)) == "60.00‰（年率）"


def test_monitored_indicators_take_no_target_and_no_rank(app, towns):
    a, b, _c, _e = towns
    birth_rate = catalog.get("birth_rate")
    add_values(app, "2026", [(a.id, 10, 1000), (b.id, 20, 1000)], birth_rate)
    add_target(app, "birth_rate", "2026", 8)  # a stray row (the services refuse one) is never used
    cells, county, _result = compared(app, "2026")
    for cell in (cells[a.code]["birth_rate"], cells[b.code]["birth_rate"], county["birth_rate"]):
        assert (cell.status, cell.target, cell.rank, cell.attainment, cell.gap) == (MONITORED_STATUS, None, None,
                                                                                    None, None)
    assert county["birth_rate"].value == d(15)  # 30 / 2000 × 1000 ‰


def test_change_against_the_previous_period(app, towns):
    a, b, c, _e = towns
    add_values(app, "2026Q1", [(a.id, 80, 100), (b.id, 9, 10)])
    add_values(app, "2026Q2", [(a.id, 90, 100), (b.id, 0, 0), (c.id, 5, 10)])
    cells, county, result = compared(app, "2026Q2")
    assert result.previous_period.id == "2026Q1"
    assert (cells[a.code]["registration_rate"].previous, cells[a.code]["registration_rate"].change) == (d(80), d(10))
    assert cells[b.code]["registration_rate"].change is None  # no data now
    assert (cells[c.code]["registration_rate"].previous, cells[c.code]["registration_rate"].change) == (None, None)
    # County: 95 / 110 = 86.36 now, 89 / 110 = 80.91 before.
    assert (county["registration_rate"].value, county["registration_rate"].previous) == (d("86.36"), d("80.91"))
    assert county["registration_rate"].change == d("5.45")


def test_monthly_comparison_leaves_out_indicators_not_measured_monthly(app, towns):
    _cells, _county, result = compared(app, "202611")
    codes = [indicator.code for indicator in result.indicators]
    assert "agreement_coverage" not in codes and "registration_rate" in codes


def test_archived_town_counts_where_it_has_figures(app, factory, towns):
    from renkou.tenancy.services import archive_town, get_town_by_slug

    a, b, _c, _e = towns
    add_values(app, "2025", [(a.id, 1, 2), (b.id, 1, 2)])
    with app.app_context():
        archive_town(get_town_by_slug(a.slug))
        db.session.commit()
    cells_2025, county, _result = compared(app, "2025")
    assert a.code in cells_2025 and county["registration_rate"].denominator == d(4)
    cells_2026, _county, _result = compared(app, "2026")
    assert a.code not in cells_2026


def test_history_of_a_town_and_of_the_county(app, towns):
    a, b, _c, _e = towns
    add_values(app, "2025Q4", [(a.id, 7, 10), (b.id, 1, 10)])
    add_values(app, "2026Q2", [(a.id, 9, 10), (b.id, 3, 10)])
    add_target(app, "registration_rate", "2026Q2", 95)
    add_target(app, "registration_rate", "2026Q2", 85, town=a)
    with app.app_context():
        points = history("registration_rate", parse("2026Q2"), 4, a.id)
        county = history(REGISTRATION, parse("2026Q2"), 4)
    assert [point.period.id for point in points] == ["2025Q3", "2025Q4", "2026Q1", "2026Q2"]
    assert [point.value for point in points] == [None, d(70), None, d(90)]
    assert [point.target for point in points] == [None, None, None, d(85)]  # the town's own
    assert [point.value for point in county] == [None, d(40), None, d(60)]  # 8/20, 12/20
    assert county[-1].target == d(95)
    with app.app_context():
        from renkou.targets.period_input import current

        by_kind = history("registration_rate", "quarter", 3, b.id)  # ending with this quarter
        assert [point.period for point in by_kind] == [current("quarter").previous().previous(),
                                                       current("quarter").previous(), current("quarter")]


def test_values_of_a_period(app, towns):
    a, b, _c, _e = towns
    add_values(app, "2026", [(a.id, 9, 10), (b.id, 1, 2)])
    with app.app_context():
        every = values_of(parse("2026"), indicators=[REGISTRATION])
        one = values_of(parse("2026"), db.session.get(Town, a.id), [REGISTRATION])
        assert [(row.scope, row.figures.value) for row in every] == [(a.code, d(90)), (b.code, d(50)),
                                                                     ("county", d("83.33"))]
        assert [(row.scope, row.figures.value) for row in one] == [(a.code, d(90))]


# ---------------------------------------------------------------------------------------------------------
# The API


@pytest.fixture
def county_api(client, factory):
    factory.user("bureau_viewer", "county_viewer")
    headers = {**bearer(factory.token("bureau_viewer")), "Accept-Language": "en"}

    def call(path, token_headers=None):
        return client.get(path, headers=token_headers or headers)

    return call


def test_api_comparisons(app, county_api, towns):
    a, b, c, _e = towns
    add_values(app, "2026", [(a.id, 96, 100), (b.id, 92, 100), (c.id, 0, 0)])
    add_target(app, "registration_rate", "2026", 95)
    response = county_api("/api/v1/comparisons?period=2026")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["period"] == "2026" and body["previous_period"] == "2025" and body["at_risk_threshold"] == "95"
    rows = {row["scope"]: {cell["indicator"]: cell for cell in row["cells"]} for row in body["towns"]}
    cell = rows[a.code]["registration_rate"]
    assert (cell["value"], cell["target"], cell["attainment"], cell["status"], cell["rank"]) == \
        ("96.00", "95.00", "101.05", "met", 1)
    assert rows[b.code]["registration_rate"]["status"] == "at_risk"
    assert rows[c.code]["registration_rate"]["status"] == "no_data"
    county = {cell["indicator"]: cell for cell in body["county"]["cells"]}
    assert county["registration_rate"]["value"] == "94.00" and body["county"]["town"] is None
    assert "birth_rate" in body["indicators"]


def test_api_indicator_values(app, county_api, towns):
    a, b, _c, _e = towns
    add_values(app, "2026", [(a.id, 9, 10), (b.id, 1, 2)])
    body = county_api("/api/v1/indicator-values?period=2026&indicator=registration_rate").get_json()
    assert [(item["scope"], item["value"]) for item in body["items"]] == [(a.code, "90.00"), (b.code, "50.00"),
                                                                          ("county", "83.33")]
    county = body["items"][-1]
    assert (Decimal(county["numerator"]), Decimal(county["denominator"]), county["town"]) == (d(10), d(12), None)
    one = county_api(f"/api/v1/indicator-values?period=2026&town={a.slug}").get_json()
    assert {item["scope"] for item in one["items"]} == {a.code}
    assert county_api("/api/v1/indicator-values?period=2026&town=nowhere").status_code == 404


def test_api_indicator_catalog(app, county_api, factory, towns):
    body = county_api("/api/v1/indicators").get_json()
    by_code = {item["code"]: item for item in body["items"]}
    assert by_code["birth_rate"]["targetable"] is False and by_code["birth_rate"]["direction"] == "monitored"
    srb = by_code["srb"]
    assert (srb["normal_low"], srb["normal_high"], srb["direction"], srb["unit"]) == ("103", "107", "range", "ratio")
    assert by_code["registration_rate"]["numerator"] == "Births in the period whose registration is completed"
    assert "month" not in by_code["agreement_coverage"]["periods"]
    assert by_code["birth_rate"]["annualised"] is True and "annualised" in by_code["birth_rate"]["help_text"]
    assert len(body["items"]) == len(catalog.INDICATORS)


@pytest.mark.parametrize("path", ["/api/v1/comparisons?period=2026Q5", "/api/v1/comparisons",
                                  "/api/v1/indicator-values?period=202613", "/api/v1/comparisons?period=2025Mar",
                                  "/api/v1/targets?period=26"])
def test_api_bad_period_is_400(app, county_api, path):
    response = county_api(path)
    assert response.status_code == 400
    assert response.get_json()["errors"]["period"]


def test_api_reads_need_a_county_role(app, client, factory, towns):
    town_headers = bearer(factory.token(towns[0].admin_username))
    for path in ("/api/v1/comparisons?period=2026", "/api/v1/indicator-values?period=2026", "/api/v1/targets"):
        assert client.get(path, headers=town_headers).status_code == 403
        assert client.get(path).status_code == 401
    assert client.get("/api/v1/indicators", headers=town_headers).status_code == 200
    assert client.get("/api/v1/indicators").status_code == 401
