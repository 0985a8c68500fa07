"""Bad input is a 404 or a 422 naming the field, never a 500: huge ids, huge numbers, NUL bytes, lone
surrogates, deeply nested JSON; search wildcards are literal; exported user text never becomes a formula."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook
from werkzeug.routing import IntegerConverter

from tests.conftest import bearer, login, post_form

HUGE_IDS = (2**31, 10**20)


def _id_rules(app):
    return [rule for rule in app.url_map.iter_rules()
            if any(isinstance(converter, IntegerConverter) for converter in rule._converters.values())]


def _url(rule, huge: int, town) -> str:
    values = {name: huge if isinstance(converter, IntegerConverter) else "x"
              for name, converter in rule._converters.items()}
    values.update({key: value for key, value in {"town_slug": town.slug, "slug": town.slug, "town_code": town.code,
                                                  "month": "2025-01", "kind": "people"}.items()
                   if key in values})
    path = rule.rule
    for name, value in values.items():
        path = path.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
    return path


def test_every_id_route_answers_404_for_an_id_past_32_bits(app, client, factory, town):
    """Walks the URL map: a town administrator (who passes the town check) calls every route taking an id."""
    rules = _id_rules(app)
    assert len(rules) > 50
    login(client, town.admin_username)
    token = factory.token(town.admin_username)
    for rule in rules:
        for huge in HUGE_IDS:
            url = _url(rule, huge, town)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                headers = bearer(token) if url.startswith("/api/") else {}
                response = client.open(url, method=method, headers=headers)
                assert response.status_code == 404, f"{method} {url} answered {response.status_code}"


def test_county_id_routes_answer_404_for_a_huge_id(app, client, factory):
    factory.user("bureau_admin", "county_admin")
    token = factory.token("bureau_admin")
    for huge in HUGE_IDS:
        response = client.get(f"/api/v1/submissions/{huge}", headers=bearer(token))
        assert response.status_code == 404
        assert response.get_json()["errors"]


def test_numbers_past_range_in_api_arguments_are_field_errors(app, client, factory, api, town):
    huge = "99999999999999999999"
    response = api("GET", f"/people?village_id={huge}")
    assert response.status_code in (200, 422)
    if response.status_code == 422:
        assert "village_id" in response.get_json()["errors"]
    response = api("POST", "/households", json={"number": "H-1", "village_id": int(huge), "address": "路"})
    assert response.status_code == 422
    assert "village_id" in response.get_json()["errors"]
    response = api("POST", "/people", json={"name": "张三", "sex": "M", "birth_date": "1990-01-01",
                                            "household_id": int(huge)})
    assert response.status_code == 422
    assert "household_id" in response.get_json()["errors"]


def test_list_pages_take_numbers_past_range_without_failing(app, client, factory, town):
    login(client, town.admin_username)
    for path in ("/people/?village_id=99999999999999999999", "/people/?age_min=99999999999999999999",
                 "/funding/?year=99999999999999999999", "/households/?village_id=-99999999999999999999"):
        response = client.get(f"/t/{town.slug}{path}")
        assert response.status_code in (200, 404, 422), f"{path} answered {response.status_code}"


@pytest.mark.parametrize("bad", ["a\x00b", "a\ud800b"], ids=["nul", "lone-surrogate"])
def test_nul_bytes_and_lone_surrogates_are_field_errors(api, bad):
    # ASCII JSON: the characters travel escaped
    body = json.dumps({"name": bad, "sex": "M", "birth_date": "1990-01-01"})
    response = api("POST", "/people", data=body, content_type="application/json")
    assert response.status_code == 422
    assert "name" in response.get_json()["errors"]
    if "\x00" in bad:  # a URL cannot carry a lone surrogate (werkzeug decodes bad UTF-8 as U+FFFD)
        response = api("GET", "/people", query_string={"q": bad})
        assert response.status_code == 422
        assert "q" in response.get_json()["errors"]


def test_nul_in_a_query_or_form_or_path_is_refused(app, client, town):
    login(client, town.admin_username)
    assert client.get(f"/t/{town.slug}/people/?q=a%00b").status_code == 422
    assert client.get(f"/t/{town.slug}%00/people/").status_code == 404
    response = post_form(client, f"/t/{town.slug}/villages/new", {"code": town.code + "201", "name": "村\x00"},
                         token_from=f"/t/{town.slug}/villages/")
    assert response.status_code == 422


def test_deeply_nested_json_is_a_422(api):
    body = "[" * 100_000 + "]" * 100_000
    response = api("POST", "/people", data=body, content_type="application/json")
    assert response.status_code == 422
    assert response.get_json()["errors"]["_schema"]


@pytest.mark.parametrize("wildcard", ["%", "_"])
def test_search_wildcards_match_literally(factory, town, api, wildcard):
    village = factory.village(town, "201", "东村")
    factory.household(town, "H-1", village_id=village, address="东街1号")
    factory.person(town, name="王五")
    for path in ("/people", "/households", "/villages"):
        response = api("GET", path, query_string={"q": wildcard})
        assert response.status_code == 200
        assert response.get_json()["items"] == [], path
    factory.person(town, name=f"百分{wildcard}号")
    names = [item["name"] for item in api("GET", "/people", query_string={"q": wildcard}).get_json()["items"]]
    assert len(names) == 1


FORMULA = '=HYPERLINK("http://evil.example/","click")'


def _cells(content: bytes) -> list:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [cell for row in sheet.iter_rows() for cell in row]


def test_exported_text_never_becomes_a_formula(app, client, factory, town):
    village = factory.village(town, "201", "东村")
    factory.household(town, "H-1", village_id=village, address=FORMULA)
    factory.funding_entry(town, voucher_number="2025-001", description="+cmd|' /C calc'!A0")
    factory.outreach_records(town, village, factory.household(town, "H-2", village_id=village, address="@SUM(1)"))
    login(client, town.admin_username)
    for path, text in (("/households/export.xlsx", FORMULA), ("/funding/export.xlsx", "+cmd|' /C calc'!A0")):
        response = client.get(f"/t/{town.slug}{path}")
        assert response.status_code == 200, path
        cells = _cells(response.data)
        assert all(cell.data_type != "f" for cell in cells), path
        assert "'" + text in [cell.value for cell in cells], path


def test_safe_text_keeps_numbers_and_plain_text():
    from renkou.imports.spreadsheets import safe_text

    assert safe_text("-12.5") == "-12.5"
    assert safe_text("-") == "'-"
    assert safe_text("=1+1") == "'=1+1"
    assert safe_text("张三") == "张三"
    assert safe_text(None) == ""
