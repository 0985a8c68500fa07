"""Deaths and moves (人口变动): the register's status follows them, cancelling undoes them, and the
population and mean population for rates come from them.

New messages are checked in English. Every test taking ``app`` runs on PostgreSQL and SQLite.
"""

from __future__ import annotations

from datetime import date

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
    return f"/t/{town.slug}/movements/{path}"


def status_of(app, town, person_id):
    from tenants.registry.models import Person

    return in_town(app, town, lambda: db.session.get(Person, person_id).status)


@pytest.fixture
def village_people(app, factory, town):
    """Six people with known histories in 2024 (two in village A, the rest in village B):

    p1 born 1980, no events                       p4 moved in 2024-07-15, registered with the move
    p2 born 1970, died 2024-05-10                 p5 born 2024-02-01, no events
    p3 born 1990, out 2024-03-01, back 2024-09-01 p6 born 1985, moved out 2024-12-31
    """
    village_a = factory.village(town, "201", "甲村")
    village_b = factory.village(town, "202", "乙村")
    home_a = factory.household(town, "A-1", village_id=village_a)
    home_b = factory.household(town, "B-1", village_id=village_b)
    people = {
        "p1": factory.person(town, name="一", birth_date=date(1980, 1, 1), household_id=home_a),
        "p2": factory.person(town, name="二", birth_date=date(1970, 1, 1), household_id=home_a),
        "p3": factory.person(town, name="三", birth_date=date(1990, 1, 1), household_id=home_b),
        "p5": factory.person(town, name="五", birth_date=date(2024, 2, 1), household_id=home_b),
        "p6": factory.person(town, name="六", birth_date=date(1985, 1, 1), household_id=home_b),
    }
    events = {
        "p2_death": factory.movement(town, people["p2"], "death", date(2024, 5, 10)),
        "p3_out": factory.movement(town, people["p3"], "move_out", date(2024, 3, 1), place="广州"),
        "p3_in": factory.movement(town, people["p3"], "move_in", date(2024, 9, 1), place="广州"),
        "p4_in": factory.movement(town, None, "move_in", date(2024, 7, 15), place="邻县",
                                  person={"name": "四", "sex": "F", "birth_date": date(1996, 6, 6),
                                          "household_id": home_b}),
        "p6_out": factory.movement(town, people["p6"], "move_out", date(2024, 12, 31), place="县城"),
    }
    from tenants.movements.models import Movement

    people["p4"] = in_town(app, town, lambda: db.session.get(Movement, events["p4_in"]).person_id)
    return {"village_a": village_a, "village_b": village_b, **people, **events}


# ---------------------------------------------------------------------------------------------------------
# Population


POPULATION = [
    (date(2023, 12, 31), 4),  # p1 p2 p3 p6 (p4 not here yet, p5 not born)
    (date(2024, 2, 29), 5),   # + p5
    (date(2024, 3, 1), 4),    # p3 moved out that day
    (date(2024, 6, 30), 3),   # p1 p5 p6: p2 died, p3 away
    (date(2024, 7, 15), 4),   # + p4 moved in that day
    (date(2024, 9, 1), 5),    # + p3 back
    (date(2024, 12, 30), 5),  # p1 p3 p4 p5 p6
    (date(2024, 12, 31), 4),  # p6 moved out that day
]


def test_population_on_a_day(app, town, village_people):
    from tenants.movements.services import population

    assert in_town(app, town, lambda: [(day, population(day)) for day, _ in POPULATION]) == POPULATION


def test_mean_population_deaths_and_village(app, town, village_people):
    from tenants.movements.services import deaths, mean_population, population

    def run():
        return {
            "year": mean_population(date(2023, 12, 31), date(2024, 12, 31)),  # (4 + 4) / 2
            "half": mean_population(date(2024, 1, 1), date(2024, 6, 30)),     # (4 + 3) / 2
            "deaths": deaths(date(2024, 1, 1), date(2024, 12, 31)),
            "no_deaths": deaths(date(2024, 5, 11), date(2024, 12, 31)),
            "village_a": population(date(2023, 12, 31), village_people["village_a"]),  # p1 p2
            "village_a_end": population(date(2024, 12, 31), village_people["village_a"]),  # p1
            "village_b_mean": mean_population(date(2023, 12, 31), date(2024, 12, 31), village_people["village_b"]),
        }

    assert in_town(app, town, run) == {"year": 4.0, "half": 3.5, "deaths": 1, "no_deaths": 0, "village_a": 2,
                                       "village_a_end": 1, "village_b_mean": 2.5}


def test_status_follows_the_latest_event(app, town, village_people):
    expected = {"p1": "resident", "p2": "deceased", "p3": "resident", "p4": "resident", "p5": "resident",
                "p6": "moved_out"}
    assert {key: status_of(app, town, village_people[key]) for key in expected} == expected
    with app.app_context():
        changes = db.session.execute(select(AuditEvent.record_id, AuditEvent.detail)
                                     .where(AuditEvent.action == "person.status")).all()
    assert {record_id for record_id, _ in changes} == {str(village_people[key]) for key in ("p2", "p3", "p6")}
    assert all(detail == {"fields": ["status"]} for _, detail in changes)


# ---------------------------------------------------------------------------------------------------------
# Cancelling


def test_cancel_restores_the_status_and_the_population(app, api, town, village_people):
    from tenants.movements.services import population

    assert in_town(app, town, lambda: population(date(2024, 6, 30))) == 3
    cancelled = api("POST", f"/movements/{village_people['p2_death']}/cancel", json={"reason": "录入错误"})
    assert cancelled.status_code == 200, cancelled.get_json()
    body = cancelled.get_json()
    assert body["cancelled"] is True and body["cancel_reason"] == "录入错误" and body["cancelled_at"]
    assert status_of(app, town, village_people["p2"]) == "resident"
    assert in_town(app, town, lambda: population(date(2024, 6, 30))) == 4
    again = api("POST", f"/movements/{village_people['p2_death']}/cancel")
    assert again.status_code == 409 and again.get_json()["errors"] == {"_schema": ["This entry is cancelled already."]}

    # Cancelling p3's return leaves them moved out.
    assert api("POST", f"/movements/{village_people['p3_in']}/cancel").status_code == 200
    assert status_of(app, town, village_people["p3"]) == "moved_out"
    assert in_town(app, town, lambda: population(date(2024, 12, 30))) == 5  # p1 p2 p4 p5 p6

    listed = api("GET", "/movements?state=cancelled").get_json()
    assert listed["meta"]["total"] == 2
    assert api("GET", "/movements").get_json()["meta"]["total"] == 3
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.record_type == "movement")).all()
    assert actions.count("movement.cancel") == 2


def test_a_cancel_that_would_break_the_history_is_refused(app, api, factory, town):
    person = factory.person(town, name="来回", birth_date=date(1990, 1, 1))
    out = factory.movement(town, person, "move_out", date(2024, 1, 1))
    back = factory.movement(town, person, "move_in", date(2024, 2, 1))
    factory.movement(town, person, "death", date(2024, 3, 1))
    refused = api("POST", f"/movements/{back}/cancel")
    assert refused.status_code == 409 and "cancel the later entries first" in refused.get_json()["errors"]["_schema"][0]
    assert status_of(app, town, person) == "deceased"
    # Cancelling the first move out leaves a newcomer who moved in on 1 February and died: that fits.
    assert api("POST", f"/movements/{out}/cancel").status_code == 200
    assert status_of(app, town, person) == "deceased"
    assert api("POST", "/movements/99999/cancel").status_code == 404


# ---------------------------------------------------------------------------------------------------------
# What fits a person's history


def test_events_must_fit_the_persons_history(app, api, factory, town):
    person = factory.person(town, name="本人", birth_date=date(1990, 1, 1))

    def record(**body):
        return api("POST", "/movements", json={"person_id": person, **body})

    assert record(kind="move_in", event_date="2024-01-01", place="外省").status_code == 201  # a newcomer
    assert record(kind="move_in", event_date="2024-02-01", place="外省").status_code == 409  # here already
    assert record(kind="death", event_date="2024-05-01").status_code == 201
    twice = record(kind="death", event_date="2024-06-01")
    assert twice.status_code == 409
    assert twice.get_json()["errors"] == {"_schema": ["The person's death is recorded on or before that date."]}
    assert record(kind="move_out", event_date="2024-07-01", place="外省").status_code == 409
    # A move out between the move in and the death would leave the death out of the town: refused.
    assert record(kind="move_out", event_date="2024-03-01", place="外省").status_code == 409
    # One before the move in fits: he lived here, left, came back, died.
    assert record(kind="move_out", event_date="2023-12-01", place="外省").status_code == 201
    assert status_of(app, town, person) == "deceased"
    away = record(kind="death", event_date="2023-12-15")
    assert away.status_code == 409
    assert away.get_json()["errors"] == {"_schema": ["The person was not living in the town on that date."]}

    for body, field in (
        ({"kind": "death", "event_date": "1989-12-31"}, "event_date"),
        ({"kind": "death", "event_date": "2999-01-01"}, "event_date"),
        ({"kind": "move_out", "event_date": "2024-01-01"}, "place"),
        ({"kind": "fly", "event_date": "2024-01-01"}, "kind"),
        ({"kind": "death"}, "event_date"),
        ({"kind": "death", "event_date": "2024-01-01", "age": 3}, "age"),
    ):
        response = record(**body)
        assert response.status_code == 422, body
        assert field in response.get_json()["errors"], (body, response.get_json())
    nobody = api("POST", "/movements", json={"kind": "death", "event_date": "2024-01-01"})
    assert nobody.status_code == 422 and nobody.get_json()["errors"] == {"person_id": ["This field is required."]}
    unknown = api("POST", "/movements", json={"person_id": 99999, "kind": "death", "event_date": "2024-01-01"})
    assert unknown.status_code == 422 and unknown.get_json()["errors"] == {"person_id": ["No such person."]}
    new_dead = api("POST", "/movements", json={"kind": "death", "event_date": "2024-01-01",
                                               "person": {"name": "新人", "sex": "M", "birth_date": "1990-01-01"}})
    assert new_dead.status_code == 422 and "person_id" in new_dead.get_json()["errors"]


# ---------------------------------------------------------------------------------------------------------
# API and pages


def test_movements_api_round_trip(app, api, factory, town):
    village = factory.village(town, "201", "城关村")
    household = factory.household(town, "H-1", village_id=village)
    moved_in = api("POST", "/movements", json={
        "kind": "move_in", "event_date": "2025-04-01", "place": "河南省郑州市",
        "person": {"name": "新来的", "resident_id": "11010519491231002X", "household_id": household}})
    assert moved_in.status_code == 201, moved_in.get_json()
    body = moved_in.get_json()
    assert body["kind"] == "move_in" and body["person_name"] == "新来的" and body["created_person"] is True
    assert body["cancelled"] is False and body["place"] == "河南省郑州市"
    person = api("GET", f"/people/{body['person_id']}").get_json()
    assert person["status"] == "resident" and person["birth_date"] == "1949-12-31"
    # The nested person is checked by the register's own rules.
    bad_person = api("POST", "/movements", json={"kind": "move_in", "event_date": "2025-04-01", "place": "外省",
                                                  "person": {"name": "", "sex": "X"}})
    assert bad_person.status_code == 422 and "person" in bad_person.get_json()["errors"]
    duplicate = api("POST", "/movements", json={"kind": "move_in", "event_date": "2025-04-01", "place": "外省",
                                                 "person": {"name": "重号", "resident_id": "11010519491231002X"}})
    assert duplicate.status_code == 409 and "resident_id" in duplicate.get_json()["errors"]

    out = api("POST", "/movements", json={"person_id": body["person_id"], "kind": "move_out",
                                          "event_date": "2025-06-01", "place": "县城"})
    assert out.status_code == 201
    assert api("GET", "/movements?kind=move_out").get_json()["meta"]["total"] == 1
    assert api("GET", f"/movements?village_id={village}").get_json()["meta"]["total"] == 2
    assert api("GET", "/movements?date_from=2025-05-01&date_to=2025-12-31").get_json()["meta"]["total"] == 1
    assert api("GET", f"/movements?person_id={body['person_id']}&state=all").get_json()["meta"]["total"] == 2
    assert api("POST", "/movements", data="x", content_type="text/plain").status_code == 400


def test_pages_record_and_cancel(app, signed_in, factory, town):
    person = factory.person(town, name="李老汉", birth_date=date(1940, 1, 1))
    new_url = url(town, "new")
    form = signed_in.get(new_url).get_data(as_text=True)
    assert "李老汉" in form
    missing = post_form(signed_in, new_url, {"kind": "move_out", "event_date": "2025-01-01",
                                             "person_id": str(person)}, token_from=new_url)
    assert missing.status_code == 422 and "Give the destination." in missing.get_data(as_text=True)
    saved = post_form(signed_in, new_url, {"kind": "death", "event_date": "2025-01-01", "person_id": str(person)},
                      token_from=new_url)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    listing = signed_in.get(saved.headers["Location"]).get_data(as_text=True)
    assert "李老汉" in listing and "Death" in listing
    assert status_of(app, town, person) == "deceased"
    conflict = post_form(signed_in, new_url, {"kind": "death", "event_date": "2025-02-01", "person_id": str(person)},
                         token_from=new_url)
    assert conflict.status_code == 409 and "death is recorded" in conflict.get_data(as_text=True)

    newcomer = post_form(signed_in, new_url, {"kind": "move_in", "event_date": "2025-03-01", "place": "邻县",
                                              "name": "新媳妇", "sex": "F", "birth_date": "1998-08-08",
                                              "marital_status": "married"}, token_from=new_url)
    assert newcomer.status_code == 302
    nameless = post_form(signed_in, new_url, {"kind": "move_in", "event_date": "2025-03-01", "place": "邻县",
                                              "sex": "F", "birth_date": "1998-08-08"}, token_from=new_url)
    assert nameless.status_code == 422 and "Give the new resident" in nameless.get_data(as_text=True)

    from tenants.movements.models import Movement

    movement_id = in_town(app, town, lambda: db.session.scalar(select(Movement.id).where(Movement.person_id == person)))
    cancelled = post_form(signed_in, url(town, f"{movement_id}/cancel"), {"reason": "搞错了"},
                          token_from=url(town), follow_redirects=True)
    assert cancelled.status_code == 200 and "The entry is cancelled." in cancelled.get_data(as_text=True)
    assert status_of(app, town, person) == "resident"
    page = signed_in.get(url(town) + "?date_from=2025-01-01&date_to=2025-12-31").get_data(as_text=True)
    assert "Mean population of the period" in page and "新媳妇" in page


def test_viewers_cannot_record_or_cancel(app, client, factory, town):
    person = factory.person(town, name="某人", birth_date=date(1980, 1, 1))
    movement = factory.movement(town, person, "move_out", date(2025, 1, 1))
    factory.user("reader", "town_viewer", town)
    headers = {**bearer(factory.token("reader")), "Accept-Language": "en"}
    base = f"/api/v1/towns/{town.slug}/movements"
    assert client.get(base, headers=headers).status_code == 200
    assert client.post(base, headers=headers, json={"person_id": person, "kind": "death",
                                                    "event_date": "2025-02-01"}).status_code == 403
    assert client.post(f"{base}/{movement}/cancel", headers=headers).status_code == 403
    login(client, "reader")
    listing = client.get(url(town))
    assert listing.status_code == 200 and "某人" in listing.get_data(as_text=True)
    assert client.get(url(town, "new")).status_code == 403
    assert post_form(client, url(town, f"{movement}/cancel"), {}, token_from=url(town)).status_code == 403
    assert status_of(app, town, person) == "moved_out"


def test_a_person_with_entries_is_not_deleted_but_refused_with_409(app, api, factory, town):
    person = factory.person(town, name="有记录", birth_date=date(1980, 1, 1))
    factory.movement(town, person, "move_out", date(2025, 1, 1))
    refused = api("DELETE", f"/people/{person}")
    assert refused.status_code == 409 and "refer to this person" in refused.get_json()["errors"]["_schema"][0]
    assert api("GET", f"/people/{person}").get_json()["status"] == "moved_out"
    alone = factory.person(town, name="无记录", birth_date=date(1980, 1, 1))
    assert api("DELETE", f"/people/{alone}").status_code == 204
