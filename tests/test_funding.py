"""Funding (经费投入): entries in fen, totals by category, funding per head of the year-end population,
the API, the pages with their server-drawn chart, viewers, and the idempotent spreadsheet import.

New messages are checked in English. Every test taking ``app`` runs on PostgreSQL and SQLite.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from renkou.audit.models import AuditEvent
from renkou.extensions import db
from tests.conftest import bearer, in_town, login, post_form

IMPORT_HEADERS = ["凭证号", "日期", "金额（元）", "类别", "摘要"]


@pytest.fixture
def signed_in(client, town):
    login(client, town.admin_username)
    client.get("/lang/en")
    return client


def url(town, path=""):
    return f"/t/{town.slug}/funding/{path}"


@pytest.fixture
def ledger(factory, town):
    """Four residents at the end of 2023; one moves out in June 2024, so three at the end of 2024 and 2025.

    2023: other 99.00 · 2024: equipment 1,000.00 + 234.56, training 500.10, publicity 0.01 · 2025: child
    health 300.00
    """
    village = factory.village(town, "201", "城关村")
    home = factory.household(town, "H-1", village_id=village)
    for name, born in (("甲", date(1980, 1, 1)), ("乙", date(1990, 1, 1)), ("丙", date(1985, 1, 1))):
        factory.person(town, name=name, birth_date=born, household_id=home)
    leaver = factory.person(town, name="丁", birth_date=date(1970, 1, 1), household_id=home)
    factory.movement(town, leaver, "move_out", date(2024, 6, 1))
    entries = [("V-2023-01", date(2023, 12, 31), "99.00", "other"),
               ("V-2024-01", date(2024, 1, 15), "1000.00", "equipment"),
               ("V-2024-02", date(2024, 5, 20), "234.56", "equipment"),
               ("V-2024-03", date(2024, 12, 31), "500.10", "training"),
               ("V-2024-04", date(2024, 7, 1), "0.01", "publicity"),
               ("V-2025-01", date(2025, 1, 1), "300", "child_health")]
    return {voucher: factory.funding_entry(town, voucher, entry_date=day, amount=Decimal(amount), category=category)
            for voucher, day, amount, category in entries}


def entry_count(app, town) -> int:
    from tenants.funding.models import FundingEntry

    return in_town(app, town, lambda: db.session.scalar(select(func.count()).select_from(FundingEntry)))


# ---------------------------------------------------------------------------------------------------------
# Totals and per head


def test_totals_by_category_and_per_head(app, town, ledger):
    from tenants.funding import services

    def run():
        summary = services.year_summary(2024)
        return {
            "by_category": summary.by_category, "total": summary.total, "population": summary.population,
            "per_capita": summary.per_capita, "population_on": summary.population_on,
            "indicator": services.funding_per_capita(date(2024, 1, 1), date(2024, 12, 31)),
            "first_half": services.funding_per_capita(date(2024, 1, 1), date(2024, 6, 30)),
            "years": [(row.year, row.total, row.population, row.per_capita) for row in services.years_overview()],
        }

    result = in_town(app, town, run)
    assert result["by_category"] == {"equipment": Decimal("1234.56"), "technical_services": Decimal("0"),
                                     "child_health": Decimal("0"), "publicity": Decimal("0.01"),
                                     "training": Decimal("500.10"), "network": Decimal("0"), "other": Decimal("0")}
    assert str(result["total"]) == "1734.67" and result["population"] == 3
    assert result["population_on"] == date(2024, 12, 31)
    assert result["per_capita"] == Decimal("578.22")  # 1734.67 / 3 = 578.2233…
    assert result["indicator"] == (Decimal("1734.67"), 3)
    assert result["first_half"] == (Decimal("1234.56"), 3)  # the leaver had gone by 30 June
    assert result["years"] == [(2025, Decimal("300.00"), 3, Decimal("100.00")),
                               (2024, Decimal("1734.67"), 3, Decimal("578.22")),
                               (2023, Decimal("99.00"), 4, Decimal("24.75"))]


def test_a_town_without_people_has_no_funding_per_head(app, factory, town):
    factory.funding_entry(town, "V-1", entry_date=date(2024, 3, 1), amount=Decimal("50"))
    from tenants.funding import services

    summary = in_town(app, town, lambda: services.year_summary(2024))
    assert (summary.total, summary.population, summary.per_capita) == (Decimal("50.00"), 0, None)
    empty = in_town(app, town, lambda: services.year_summary(2020))
    assert empty.total == 0 and empty.per_capita is None and in_town(app, town, services.funded_years) == [2024]


# ---------------------------------------------------------------------------------------------------------
# API


def test_api_round_trip(app, api, town):
    created = api("POST", "/funding-entries", json={"entry_date": "2024-03-01", "amount": "1234.5",
                                                     "category": "equipment", "voucher_number": " V-9 ",
                                                     "description": "服务站电脑"})
    assert created.status_code == 201, created.get_json()
    entry = created.get_json()
    assert entry["amount"] == "1234.50" and entry["voucher_number"] == "V-9"
    assert api("GET", f"/funding-entries/{entry['id']}").get_json()["description"] == "服务站电脑"

    changed = api("PATCH", f"/funding-entries/{entry['id']}", json={"amount": 0.1, "category": "training"})
    assert changed.status_code == 200 and changed.get_json()["amount"] == "0.10"
    assert changed.get_json()["category"] == "training"
    api("POST", "/funding-entries", json={"entry_date": "2023-05-01", "amount": 7, "category": "training",
                                          "voucher_number": "V-10"})
    listing = api("GET", "/funding-entries?year=2024&category=training").get_json()
    assert [item["voucher_number"] for item in listing["items"]] == ["V-9"] and listing["meta"]["total"] == 1
    assert api("GET", "/funding-entries").get_json()["meta"]["total"] == 2

    summary = api("GET", "/funding-summary?year=2024").get_json()
    assert summary["total"] == "0.10" and summary["population"] == 0 and summary["per_capita"] is None
    assert {row["category"]: row["amount"] for row in summary["categories"]}["training"] == "0.10"
    assert len(summary["categories"]) == 7 and summary["population_on"] == "2024-12-31"

    assert api("DELETE", f"/funding-entries/{entry['id']}").status_code == 204
    assert api("GET", f"/funding-entries/{entry['id']}").status_code == 404
    assert api("PATCH", f"/funding-entries/{entry['id']}", json={}).status_code == 404
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.record_type == "funding_entry")).all()
        detail = db.session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "funding.update"))
    assert sorted(actions) == ["funding.create", "funding.create", "funding.delete", "funding.update"]
    assert detail == {"fields": ["amount", "category"]}


def test_api_errors(app, api, town):
    good = {"entry_date": "2024-03-01", "amount": "10", "category": "equipment", "voucher_number": "V-1"}
    assert api("POST", "/funding-entries", json=good).status_code == 201
    duplicate = api("POST", "/funding-entries", json=good)
    assert duplicate.status_code == 409 and "voucher_number" in duplicate.get_json()["errors"]

    missing = api("POST", "/funding-entries", json={}).get_json()["errors"]
    assert set(missing) == {"entry_date", "amount", "category", "voucher_number"}
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    for changes, field in (({"amount": "10.005"}, "amount"), ({"amount": "-5"}, "amount"), ({"amount": "0"}, "amount"),
                           ({"amount": "NaN"}, "amount"), ({"amount": "ten"}, "amount"),
                           ({"category": "fines"}, "category"), ({"entry_date": tomorrow}, "entry_date"),
                           ({"colour": "red"}, "colour")):
        response = api("POST", "/funding-entries", json={**good, "voucher_number": "V-2", **changes})
        assert response.status_code == 422, changes
        assert field in response.get_json()["errors"], (changes, response.get_json())
    assert "two decimals" in api("POST", "/funding-entries", json={**good, "voucher_number": "V-3",
                                                                     "amount": "1.999"}).get_data(as_text=True)
    second = api("POST", "/funding-entries", json={**good, "voucher_number": "V-2"}).get_json()
    taken = api("PATCH", f"/funding-entries/{second['id']}", json={"voucher_number": "V-1"})
    assert taken.status_code == 409
    assert api("GET", "/funding-summary?year=abc").status_code == 422
    assert api("GET", "/funding-summary?year=1800").status_code == 422
    assert api("GET", "/funding-entries/999").status_code == 404
    assert entry_count(app, town) == 2


# ---------------------------------------------------------------------------------------------------------
# Pages


def test_entries_pages(app, signed_in, town, ledger):
    listing = signed_in.get(url(town, "?year=2024&category=equipment")).get_data(as_text=True)
    assert "V-2024-01" in listing and "V-2024-02" in listing and "V-2024-03" not in listing
    assert "1,234.56" in listing  # the total of the entries the filters keep

    form_url = url(town, "new")
    invalid = post_form(signed_in, form_url, {"voucher_number": "V-NEW", "entry_date": "2024-08-01", "amount": "12.345",
                                              "category": "training"}, token_from=form_url)
    assert invalid.status_code == 422 and 'value="12.345"' in invalid.get_data(as_text=True)
    saved = post_form(signed_in, form_url, {"voucher_number": "V-NEW", "entry_date": "2024-08-01", "amount": "12.34",
                                            "category": "training", "description": "培训教材"}, token_from=form_url)
    assert saved.status_code == 302 and saved.headers["Location"].endswith("?year=2024")
    taken = post_form(signed_in, form_url, {"voucher_number": "V-NEW", "entry_date": "2024-08-01", "amount": "1",
                                            "category": "training"}, token_from=form_url)
    assert taken.status_code == 409

    edit_url = url(town, f"{ledger['V-2024-04']}/edit")
    assert 'value="0.01"' in signed_in.get(edit_url).get_data(as_text=True)
    assert post_form(signed_in, edit_url, {"amount": "0.99"}, token_from=edit_url).status_code == 302
    assert "History" in signed_in.get(edit_url).get_data(as_text=True)
    deleted = post_form(signed_in, url(town, f"{ledger['V-2023-01']}/delete"), {}, token_from=url(town))
    assert deleted.status_code == 302
    after = signed_in.get(url(town)).get_data(as_text=True)
    assert "Funding entry V-2023-01 deleted." in after and "<td class=\"mono\">V-2023-01</td>" not in after
    assert "<td class=\"mono\">V-2024-01</td>" in after
    assert signed_in.get(url(town, "999/edit")).status_code == 404


def test_summary_page_shows_both_numbers_and_draws_its_own_chart(app, signed_in, town, ledger):
    page = signed_in.get(url(town, "summary?year=2024")).get_data(as_text=True)
    per_capita = page[page.index('id="per-capita"'):]
    assert "1,734.67" in per_capita and ">3<" in per_capita and "578.22" in per_capita
    assert "2024-12-31" in per_capita
    chart = page[page.index('id="category-chart"'):page.index("</figure>")]
    assert chart.count("<rect") == 7 and "Equipment" in chart and "1,234.56" in chart
    widest = max(float(width) for width in re.findall(r'<rect[^>]* width="([\d.]+)"', chart))
    assert widest == 420.0
    assert 'id="year-chart"' in page and "24.75" in page and "100.00" in page  # the years table
    # Drawn by the app: no script but its own, nothing from elsewhere, no inline styles (CSP, print).
    assert re.findall(r'<script[^>]*src="([^"]+)"', page) == ["/static/app.js"]
    assert "https://" not in page and 'style="' not in page
    assert signed_in.get(url(town, "summary")).status_code == 200


def test_viewers_read_but_cannot_write(app, client, factory, town, ledger):
    viewer = factory.user("funding_viewer", "town_viewer", town)
    login(client, viewer)
    assert client.get(url(town)).status_code == 200
    assert client.get(url(town, "summary")).status_code == 200
    for path in ("new", f"{ledger['V-2024-01']}/edit"):
        assert client.get(url(town, path)).status_code == 403, path
    assert post_form(client, url(town, "new"), {"voucher_number": "X"}, token_from=url(town)).status_code == 403
    assert post_form(client, url(town, f"{ledger['V-2024-01']}/delete"), {}, token_from=url(town)).status_code == 403

    headers = bearer(factory.token(viewer))
    base = f"/api/v1/towns/{town.slug}/funding-entries"
    assert client.get(base, headers=headers).status_code == 200
    assert client.post(base, json={}, headers=headers).status_code == 403
    assert client.patch(f"{base}/{ledger['V-2024-01']}", json={}, headers=headers).status_code == 403
    assert client.delete(f"{base}/{ledger['V-2024-01']}", headers=headers).status_code == 403
    assert entry_count(app, town) == 6


# ---------------------------------------------------------------------------------------------------------
# Import


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(IMPORT_HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload_and_commit(client, town, content: bytes) -> tuple[str, str]:
    """(the checked batch's page, the page after the commit)."""
    imports = f"/t/{town.slug}/imports/"
    response = post_form(client, imports, {"kind": "funding", "file": (io.BytesIO(content), "funding.xlsx")},
                         token_from=imports, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    batch_url = response.headers["Location"]
    checked = client.get(batch_url).get_data(as_text=True)
    committed = post_form(client, batch_url + "/commit", {}, token_from=batch_url, follow_redirects=True)
    return checked, committed.get_data(as_text=True)


ROWS = [["V-1", "2024-03-01", "1,200.50", "设备", "服务站电脑"],
        ["V-2", date(2024, 4, 1), 300, "培训", ""],
        ["V-3", "2024-05-01", "abc", "宣传", ""],
        ["V-4", "2024-06-01", "100", "招待", ""]]


def test_import_reports_bad_rows_and_a_re_upload_updates(app, signed_in, town):
    template = signed_in.get(f"/t/{town.slug}/imports/templates/funding.xlsx")
    assert template.status_code == 200
    checked, committed = upload_and_commit(signed_in, town, xlsx(ROWS))
    assert 'id="error-rows">2<' in checked and 'id="valid-rows">2<' in checked
    errors = checked[checked.index('id="import-errors"'):]
    assert "<td>4</td>" in errors and "<td>5</td>" in errors and "金额（元）" in errors and "类别" in errors
    assert 'id="created-count">2<' in committed
    assert entry_count(app, town) == 2

    fixed = [row[:] for row in ROWS]
    fixed[0][2] = "¥1,300.00"
    fixed[2][2], fixed[3][3] = "88.8", "其他"
    _checked, committed = upload_and_commit(signed_in, town, xlsx(fixed))
    assert 'id="created-count">2<' in committed and 'id="updated-count">2<' in committed
    _checked, committed = upload_and_commit(signed_in, town, xlsx(fixed))
    assert 'id="created-count">0<' in committed and 'id="updated-count">4<' in committed
    assert entry_count(app, town) == 4

    from tenants.funding import services

    summary = in_town(app, town, lambda: services.year_summary(2024))
    assert summary.by_category["equipment"] == Decimal("1300.00") and summary.total == Decimal("1788.80")


def test_a_voucher_twice_in_one_file_is_an_error(app, signed_in, town):
    checked, _committed = upload_and_commit(signed_in, town, xlsx([ROWS[0], ROWS[0]]))
    assert 'id="error-rows">1<' in checked
    assert entry_count(app, town) == 1
