"""Outreach (宣传教育): activities, the materials catalogue and deliveries to households, household coverage
(a household reached twice counts once; no households, no rate), slogans, population-school sessions,
the API, the pages and viewers.

New messages are checked in English. Every test taking ``app`` runs on PostgreSQL and SQLite.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from renkou.audit.models import AuditEvent
from renkou.extensions import db
from tests.conftest import bearer, in_town, login, post_form


@pytest.fixture
def signed_in(client, town):
    login(client, town.admin_username)
    client.get("/lang/en")
    return client


def url(town, path=""):
    return f"/t/{town.slug}/outreach/{path}"


@pytest.fixture
def place(factory, town):
    """Village A with households A1–A3, village B with B1–B2, village C with none."""
    villages = {"A": factory.village(town, "201", "甲村"), "B": factory.village(town, "202", "乙村"),
                "C": factory.village(town, "203", "丙村")}
    homes = {number: factory.household(town, number, village_id=villages[number[0]], address=f"{number}号")
             for number in ("A1", "A2", "A3", "B1", "B2")}
    return {**villages, **homes}


def post(api, path, body, status=201):
    response = api("POST", path, json=body)
    assert response.status_code == status, response.get_json()
    return response.get_json()


@pytest.fixture
def deliveries(api, place):
    """2025: a leaflet to A1 and A2, a calendar to A1 again, the leaflet to every household of B;
    2024-12-31: the leaflet to A3 (before the 2025 period)."""
    leaflet = post(api, "/materials", {"name": "婚育新风宣传单", "kind": "leaflet"})["id"]
    calendar = post(api, "/materials", {"name": "计生协会挂历", "kind": "calendar"})["id"]
    return {
        "leaflet": leaflet, "calendar": calendar,
        "a": post(api, "/material-deliveries", {"material_id": leaflet, "village_id": place["A"],
                                                "delivery_date": "2025-03-01",
                                                "household_ids": [place["A1"], place["A2"], place["A2"]]}),
        "a_again": post(api, "/material-deliveries", {"material_id": calendar, "village_id": place["A"],
                                                      "delivery_date": "2025-05-01", "household_ids": [place["A1"]]}),
        "b": post(api, "/material-deliveries", {"material_id": leaflet, "village_id": place["B"],
                                                "delivery_date": "2025-06-01", "all_households": True}),
        "early": post(api, "/material-deliveries", {"material_id": leaflet, "village_id": place["A"],
                                                    "delivery_date": "2024-12-31", "household_ids": [place["A3"]]}),
    }


# ---------------------------------------------------------------------------------------------------------
# Coverage


def test_material_coverage_counts_each_household_once(app, town, place, deliveries):
    from tenants.outreach.services.coverage import coverage_by_village, material_coverage

    year = (date(2025, 1, 1), date(2025, 12, 31))

    def run():
        rows, total = coverage_by_village(*year)
        return {
            "town": material_coverage(*year),
            "A": material_coverage(*year, village_id=place["A"]),
            "B": material_coverage(*year, village_id=place["B"]),
            "C": material_coverage(*year, village_id=place["C"]),
            "two_years": material_coverage(date(2024, 1, 1), date(2025, 12, 31)),
            "one_day": material_coverage(date(2025, 5, 1), date(2025, 5, 1)),
            "rows": [(row.village_name, row.reached, row.households, row.rate) for row in rows],
            "total": (total.reached, total.households, total.rate),
        }

    result = in_town(app, town, run)
    assert result["town"] == (4, 5)  # A1 (twice), A2, B1, B2 of five households
    assert (result["A"], result["B"], result["C"]) == ((2, 3), (2, 2), (0, 0))
    assert result["two_years"] == (5, 5) and result["one_day"] == (1, 5)
    assert result["rows"] == [("甲村", 2, 3, pytest.approx(200 / 3)), ("乙村", 2, 2, 100.0), ("丙村", 0, 0, None)]
    assert result["total"] == (4, 5, 80.0)


def test_a_town_without_households_has_no_coverage(app, town):
    from tenants.outreach.services.coverage import coverage_by_village, material_coverage

    assert in_town(app, town, lambda: material_coverage(date(2025, 1, 1), date(2025, 12, 31))) == (0, 0)
    rows, total = in_town(app, town, lambda: coverage_by_village(date(2025, 1, 1), date(2025, 12, 31)))
    assert rows == [] and total.rate is None


def test_coverage_page_and_api(app, signed_in, api, town, place, deliveries):
    page = signed_in.get(url(town, "coverage?date_from=2025-01-01&date_to=2025-12-31")).get_data(as_text=True)
    table = page[page.index('id="coverage"'):]
    assert "66.67%" in table and "100.00%" in table and "丙村" in table
    total = table[table.index('id="town-total"'):]
    assert "<th>4</th>" in total and "<th>5</th>" in total and "80.00%" in total
    swapped = signed_in.get(url(town, "coverage?date_from=2025-12-31&date_to=2025-01-01"))
    assert swapped.status_code == 422 and "The start is after the end." in swapped.get_data(as_text=True)

    body = api("GET", "/material-coverage?date_from=2025-01-01&date_to=2025-12-31").get_json()
    assert body["town"] == {"reached": 4, "households": 5, "rate": 80.0}
    assert [(row["village_name"], row["rate"]) for row in body["villages"]] == [("甲村", 66.67), ("乙村", 100.0),
                                                                                ("丙村", None)]
    assert api("GET", "/material-coverage?date_from=2025-12-31&date_to=2025-01-01").status_code == 422
    assert api("GET", "/material-coverage?date_from=nonsense").status_code == 422


def test_deleting_a_household_or_an_empty_village_keeps_the_rest(app, api, town, place, deliveries):
    """A household entered by mistake leaves the deliveries with it; an empty village's records go town-wide."""
    assert api("DELETE", f"/households/{place['A2']}").status_code == 204
    delivery = api("GET", f"/material-deliveries/{deliveries['a']['id']}").get_json()
    assert [household["number"] for household in delivery["households"]] == ["A1"]
    from tenants.outreach.services.coverage import material_coverage

    assert in_town(app, town, lambda: material_coverage(date(2025, 1, 1), date(2025, 12, 31))) == (3, 4)
    activity = post(api, "/outreach-activities", {"kind": "lecture", "activity_date": "2025-02-01",
                                                  "village_id": place["C"]})
    slogan = post(api, "/slogans", {"place": "村口", "content": "关爱女孩", "slogan_date": "2025-02-01",
                                    "village_id": place["C"]})
    assert api("DELETE", f"/villages/{place['C']}").status_code == 204
    assert api("GET", f"/outreach-activities/{activity['id']}").get_json()["village_id"] is None
    assert api("GET", f"/slogans/{slogan['id']}").get_json()["village_name"] is None


# ---------------------------------------------------------------------------------------------------------
# API


def test_delivery_api(app, api, town, place, deliveries):
    one = api("GET", f"/material-deliveries/{deliveries['a']['id']}").get_json()
    assert one["household_count"] == 2 and one["material_name"] == "婚育新风宣传单"  # A2 listed twice, once
    assert [household["number"] for household in one["households"]] == ["A1", "A2"]
    assert deliveries["b"]["household_count"] == 2 and deliveries["b"]["village_name"] == "乙村"
    listing = api("GET", f"/material-deliveries?village_id={place['A']}&date_from=2025-01-01").get_json()
    assert listing["meta"]["total"] == 2 and "households" not in listing["items"][0]
    by_material = api("GET", f"/material-deliveries?material_id={deliveries['calendar']}").get_json()
    assert [item["id"] for item in by_material["items"]] == [deliveries["a_again"]["id"]]

    base = {"material_id": deliveries["leaflet"], "village_id": place["A"], "delivery_date": "2025-07-01"}
    errors = {
        "stranger": {**base, "household_ids": [place["A1"], place["B1"]]},
        "nobody": base,
        "empty village": {**base, "village_id": place["C"], "all_households": True},
        "no material": {**base, "material_id": 999, "household_ids": [place["A1"]]},
        "no village": {**base, "village_id": 999, "household_ids": [place["A1"]]},
        "future": {**base, "delivery_date": (date.today() + timedelta(days=2)).isoformat(),
                   "household_ids": [place["A1"]]},
        "bad ids": {**base, "household_ids": ["x"]},
    }
    expected = {"stranger": "household_ids", "nobody": "household_ids", "empty village": "household_ids",
                "no material": "material_id", "no village": "village_id", "future": "delivery_date",
                "bad ids": "household_ids"}
    for name, body in errors.items():
        response = api("POST", "/material-deliveries", json=body)
        assert response.status_code == 422, name
        assert expected[name] in response.get_json()["errors"], (name, response.get_json())
    assert str(place["B1"]) in api("POST", "/material-deliveries", json=errors["stranger"]).get_json()[
        "errors"]["household_ids"][0]
    assert api("GET", "/material-deliveries/999").status_code == 404
    assert api("GET", "/material-deliveries").get_json()["meta"]["total"] == 4
    with app.app_context():
        detail = db.session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "material_delivery.create"))
    assert detail["households"] == 2 and "household_ids" not in detail


def test_materials_activities_slogans_and_sessions_api(app, api, town, place):
    material = post(api, "/materials", {"name": " 优生优育手册 ", "kind": "booklet"})
    assert material["name"] == "优生优育手册"
    assert api("POST", "/materials", json={"name": "优生优育手册", "kind": "leaflet"}).status_code == 409
    assert api("POST", "/materials", json={"name": "x", "kind": "gift"}).status_code == 422
    assert api("GET", f"/materials/{material['id']}").get_json()["kind"] == "booklet"
    assert api("GET", "/materials?q=优生").get_json()["meta"]["total"] == 1
    assert api("GET", "/materials?kind=leaflet").get_json()["meta"]["total"] == 0

    show = post(api, "/outreach-activities", {"kind": "new_customs_performance", "activity_date": "2025-01-20",
                                              "village_id": place["A"], "participants": 320,
                                              "description": "婚育新风进万家文艺演出"})
    town_wide = post(api, "/outreach-activities", {"kind": "consultation_day", "activity_date": "2025-05-29"})
    assert show["village_name"] == "甲村" and town_wide["village_id"] is None and town_wide["participants"] == 0
    assert api("GET", f"/outreach-activities/{show['id']}").get_json()["participants"] == 320
    assert api("GET", "/outreach-activities?kind=consultation_day").get_json()["items"][0]["id"] == town_wide["id"]
    assert api("GET", f"/outreach-activities?village_id={place['A']}").get_json()["meta"]["total"] == 1
    assert api("GET", "/outreach-activities?date_from=2025-02-01").get_json()["meta"]["total"] == 1
    for body, field in (({"activity_date": "2025-01-01"}, "kind"), ({"kind": "rally"}, "kind"),
                        ({"kind": "lecture", "activity_date": "2025-01-01", "participants": -1}, "participants"),
                        ({"kind": "lecture", "activity_date": "2025-01-01", "village_id": 999}, "village_id"),
                        ({"kind": "lecture"}, "activity_date")):
        response = api("POST", "/outreach-activities", json=body)
        assert response.status_code == 422 and field in response.get_json()["errors"], body

    for number in range(3):
        post(api, "/slogans", {"place": f"村委会墙{number}", "content": "生男生女都一样",
                               "slogan_date": f"2025-03-0{number + 1}", "village_id": place["B"]})
    first_page = api("GET", "/slogans?per_page=2").get_json()
    assert first_page["meta"] == {"page": 1, "per_page": 2, "total": 3, "pages": 2}
    assert first_page["items"][0]["place"] == "村委会墙2"  # latest first
    assert api("GET", "/slogans?q=墙1").get_json()["meta"]["total"] == 1
    assert api("POST", "/slogans", json={"content": "x", "slogan_date": "2025-01-01"}).status_code == 422

    session = post(api, "/school-sessions", {"topic": "科学育儿", "session_date": "2025-04-10", "attendance": 45})
    assert session["village_id"] is None
    assert api("GET", f"/school-sessions/{session['id']}").get_json()["attendance"] == 45
    assert api("GET", "/school-sessions?date_to=2025-04-09").get_json()["meta"]["total"] == 0
    assert api("POST", "/school-sessions", json={"topic": "x", "session_date": "2025-01-01",
                                                 "attendance": -3}).status_code == 422
    for path in ("/outreach-activities/999", "/materials/999", "/slogans/999", "/school-sessions/999"):
        assert api("GET", path).status_code == 404, path


# ---------------------------------------------------------------------------------------------------------
# Pages


def test_delivery_form_chooses_households_of_a_village(app, signed_in, api, town, place):
    material = post(api, "/materials", {"name": "宣传单", "kind": "leaflet"})["id"]
    form_url = url(town, "deliveries/new")
    empty = signed_in.get(form_url).get_data(as_text=True)
    assert "Choose the village above" in empty
    chosen = signed_in.get(f"{form_url}?village_id={place['A']}&material_id={material}").get_data(as_text=True)
    assert chosen.count('name="household_ids"') == 3 and "A3号" in chosen and "B1" not in chosen

    fields = {"material_id": str(material), "village_id": str(place["A"]), "delivery_date": "2025-03-01"}
    refused = post_form(signed_in, form_url, fields, token_from=form_url)
    assert refused.status_code == 422 and "Choose the households reached" in refused.get_data(as_text=True)
    saved = signed_in.post(form_url, data={**fields, "household_ids": [str(place["A1"]), str(place["A3"])],
                                           "csrf_token": csrf(signed_in, form_url)})
    assert saved.status_code == 302
    page = signed_in.get(saved.headers["Location"]).get_data(as_text=True)
    assert "A1号" in page and "A3号" in page and "A2号" not in page
    everyone = post_form(signed_in, form_url, {**fields, "village_id": str(place["B"]), "all_households": "true"},
                         token_from=form_url, follow_redirects=True)
    assert "Delivery to 2 households recorded." in everyone.get_data(as_text=True)
    listing = signed_in.get(url(town, "deliveries/")).get_data(as_text=True)
    assert listing.count("宣传单") >= 2
    coverage = signed_in.get(url(town, "coverage?date_from=2025-01-01&date_to=2025-12-31")).get_data(as_text=True)
    assert "80.00%" in coverage


def csrf(client, path):
    from tests.conftest import csrf_token

    return csrf_token(client, path)


def test_record_forms_and_lists(app, signed_in, town, place):
    cases = [
        ("activities/new", {"kind": "lecture", "activity_date": "2025-02-01", "village_id": str(place["A"]),
                            "participants": "40", "description": "优生优育讲座"}, "", "优生优育讲座"),
        ("materials/new", {"name": "新婚夫妇手册", "kind": "booklet"}, "materials/", "新婚夫妇手册"),
        ("slogans/new", {"content": "关爱女孩 共建和谐", "place": "村委会外墙", "slogan_date": "2025-02-02"},
         "slogans/", "关爱女孩 共建和谐"),
        ("school-sessions/new", {"topic": "孕前优生健康", "session_date": "2025-02-03", "attendance": "36"},
         "school-sessions/", "孕前优生健康"),
    ]
    for form_path, fields, list_path, shown in cases:
        form_url = url(town, form_path)
        assert signed_in.get(form_url).status_code == 200, form_path
        response = post_form(signed_in, form_url, fields, token_from=form_url)
        assert response.status_code == 302, (form_path, response.get_data(as_text=True))
        assert shown in signed_in.get(url(town, list_path)).get_data(as_text=True), list_path
    listing = signed_in.get(url(town, "school-sessions/")).get_data(as_text=True)
    assert "Town school" in listing
    filtered = signed_in.get(url(town, f"?village_id={place['B']}")).get_data(as_text=True)
    assert "优生优育讲座" not in filtered

    invalid = post_form(signed_in, url(town, "activities/new"), {"kind": "lecture", "participants": "-2",
                                                                 "description": "保留的说明"},
                        token_from=url(town, "activities/new"))
    body = invalid.get_data(as_text=True)
    assert invalid.status_code == 422 and 'value="保留的说明"' in body and "This field is required." in body
    taken = post_form(signed_in, url(town, "materials/new"), {"name": "新婚夫妇手册", "kind": "leaflet"},
                      token_from=url(town, "materials/new"))
    assert taken.status_code == 409


def test_viewers_read_but_cannot_write(app, client, factory, town, place):
    records = factory.outreach_records(town, place["A"], place["A1"])
    viewer = factory.user("outreach_viewer", "town_viewer", town)
    login(client, viewer)
    for path in ("", "materials/", "deliveries/", f"deliveries/{records['delivery_id']}", "slogans/",
                 "school-sessions/", "coverage"):
        assert client.get(url(town, path)).status_code == 200, path
    for path in ("activities/new", "materials/new", "deliveries/new", "slogans/new", "school-sessions/new"):
        assert client.get(url(town, path)).status_code == 403, path
        assert post_form(client, url(town, path), {}, token_from=url(town)).status_code == 403, path

    headers = bearer(factory.token(viewer))
    base = f"/api/v1/towns/{town.slug}"
    for path in ("/outreach-activities", "/materials", "/material-deliveries", "/slogans", "/school-sessions"):
        assert client.get(base + path, headers=headers).status_code == 200, path
        assert client.post(base + path, json={}, headers=headers).status_code == 403, path
