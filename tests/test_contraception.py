"""Informed-choice counselling (知情选择), the current method derived from the visits, contraceptive
prevalence, and the "四前四后" follow-up visits.

New messages are checked in English (the session or Accept-Language asks for it), so the tests hold
before and after the Chinese catalog has them. Every test taking ``app`` runs on PostgreSQL and SQLite.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from renkou.audit.models import AuditEvent
from renkou.extensions import db
from tenants.contraception import methods as method_config
from tests.conftest import bearer, in_town, login, post_form


@pytest.fixture
def village(factory, town):
    return factory.village(town, "201", "城关村")


@pytest.fixture
def household(factory, town, village):
    return factory.household(town, "H-001", village_id=village)


@pytest.fixture
def woman(factory, town, household):
    return factory.person(town, name="王芳", sex="F", birth_date=date(1995, 5, 1), marital_status="married",
                          household_id=household)


@pytest.fixture
def signed_in(client, town):
    login(client, town.admin_username)
    client.get("/lang/en")
    return client


def url(town, path=""):
    return f"/t/{town.slug}/counselling/{path}"


def visit(api, person_id, **values):
    body = {"person_id": person_id, "visit_date": "2025-03-01", "methods_discussed": ["iud", "condom", "pill"],
            **values}
    response = api("POST", "/counselling-visits", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# ---------------------------------------------------------------------------------------------------------
# The consent rule


def test_a_method_is_recorded_only_with_the_persons_own_choice(app, api, woman):
    refused = api("POST", "/counselling-visits", json={"person_id": woman, "methods_discussed": ["iud"],
                                                       "method_chosen": "iud"})
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"consent": [
        "A method is recorded only when the person chose it themselves after counselling."]}
    refused = api("POST", "/counselling-visits", json={"person_id": woman, "methods_discussed": ["iud"],
                                                       "method_chosen": "iud", "consent": False})
    assert refused.status_code == 422 and "consent" in refused.get_json()["errors"]

    chosen = visit(api, woman, method_chosen="iud", consent=True)
    assert chosen["method_chosen"] == "iud" and chosen["consent"] is True and chosen["stopped"] is False
    assert chosen["person_name"] == "王芳" and chosen["visit_date"] == "2025-03-01"
    # The counsellor defaults to the signed-in user.
    assert chosen["counsellor"]

    # Counselling without a choice needs no consent: the person may take time, or choose nothing.
    undecided = visit(api, woman)
    assert undecided["method_chosen"] is None and undecided["consent"] is False


def test_the_choice_must_fit_the_counselling(app, api, woman):
    not_discussed = api("POST", "/counselling-visits", json={"person_id": woman, "methods_discussed": ["condom"],
                                                             "method_chosen": "iud", "consent": True})
    assert not_discussed.status_code == 422
    assert not_discussed.get_json()["errors"] == {"method_chosen": [
        "The chosen method must be one of the methods discussed."]}
    both = api("POST", "/counselling-visits", json={"person_id": woman, "methods_discussed": ["iud"],
                                                    "method_chosen": "iud", "consent": True, "stopped": True})
    assert both.status_code == 422 and set(both.get_json()["errors"]) == {"stopped"}
    unknown = api("POST", "/counselling-visits", json={"person_id": woman, "methods_discussed": ["magic"],
                                                       "method_chosen": "magic", "consent": True})
    assert unknown.status_code == 422 and {"methods_discussed", "method_chosen"} <= set(unknown.get_json()["errors"])
    future = api("POST", "/counselling-visits", json={"person_id": woman, "visit_date": "2999-01-01"})
    assert future.status_code == 422 and future.get_json()["errors"] == {"visit_date": ["The date is in the future."]}
    before_birth = api("POST", "/counselling-visits", json={"person_id": woman, "visit_date": "1990-01-01"})
    assert before_birth.status_code == 422 and "visit_date" in before_birth.get_json()["errors"]


def test_the_method_list_is_dated_configuration(app, api, woman, monkeypatch):
    later = tuple(code for code in method_config.METHOD_LISTS[0][1] if code != "injection")
    monkeypatch.setattr(method_config, "METHOD_LISTS", [*method_config.METHOD_LISTS, (date(2025, 1, 1), later)])
    assert "injection" in method_config.methods_on(date(2024, 12, 31))
    assert "injection" not in method_config.methods_on(date(2025, 1, 1))
    visit(api, woman, visit_date="2024-12-31", methods_discussed=["injection"], method_chosen="injection",
          consent=True)
    refused = api("POST", "/counselling-visits", json={"person_id": woman, "visit_date": "2025-01-02",
                                                       "methods_discussed": ["injection"]})
    assert refused.status_code == 422 and "methods_discussed" in refused.get_json()["errors"]


# ---------------------------------------------------------------------------------------------------------
# The current method, derived


def test_current_method_is_the_latest_decision(app, api, factory, town, woman):
    from tenants.contraception.services import current_methods

    other = factory.person(town, name="李娜", sex="F", birth_date=date(1990, 1, 1), marital_status="married")
    man = factory.person(town, name="张强", sex="M", birth_date=date(1990, 1, 1), marital_status="married")
    undecided = factory.person(town, name="陈静", sex="F", birth_date=date(1992, 1, 1))
    same_day = factory.person(town, name="赵敏", sex="F", birth_date=date(1993, 1, 1))
    visit(api, woman, visit_date="2024-01-10", method_chosen="pill", consent=True)
    visit(api, woman, visit_date="2024-06-01")  # counselling only: changes nothing
    visit(api, woman, visit_date="2025-02-01", method_chosen="iud", consent=True)
    visit(api, other, visit_date="2024-03-01", method_chosen="condom", consent=True)
    visit(api, other, visit_date="2024-09-01", stopped=True)
    visit(api, man, visit_date="2024-04-01", methods_discussed=["male_sterilisation"],
          method_chosen="male_sterilisation", consent=True)
    visit(api, undecided, visit_date="2024-02-01")
    visit(api, same_day, visit_date="2024-05-05", method_chosen="pill", consent=True)
    visit(api, same_day, visit_date="2024-05-05", method_chosen="condom", consent=True)  # entered later: wins

    def methods_on(day):
        return in_town(app, town, lambda: current_methods(day))

    assert methods_on(date(2023, 12, 31)) == {}
    assert methods_on(date(2024, 1, 10)) == {woman: "pill"}
    assert methods_on(date(2024, 7, 1)) == {woman: "pill", other: "condom", man: "male_sterilisation",
                                            same_day: "condom"}
    assert methods_on(date(2024, 10, 1)) == {woman: "pill", man: "male_sterilisation", same_day: "condom"}
    assert methods_on(date(2025, 3, 1)) == {woman: "iud", man: "male_sterilisation", same_day: "condom"}
    assert in_town(app, town, lambda: current_methods(date(2025, 3, 1), [woman, other])) == {woman: "iud"}
    # Stopping and choosing again.
    visit(api, other, visit_date="2025-01-01", method_chosen="implant", methods_discussed=["implant"], consent=True)
    assert methods_on(date(2025, 3, 1))[other] == "implant"


# ---------------------------------------------------------------------------------------------------------
# Contraceptive prevalence (综合避孕率)


def test_prevalence_counts_married_women_15_to_49_using_an_ongoing_method(app, api, factory, town, village,
                                                                          household, signed_in):
    from tenants.contraception.services import prevalence

    other_village = factory.village(town, "202", "河西村")
    other_household = factory.household(town, "H-002", village_id=other_village)

    def woman(name, born, married=True, home=household):
        return factory.person(town, name=name, sex="F", birth_date=born, household_id=home,
                              marital_status="married" if married else "unmarried")

    using = woman("甲用环", date(1990, 1, 1))
    stopped = woman("乙已停", date(1985, 1, 1))
    emergency = woman("丙紧急", date(1995, 1, 1))
    woman("丁未咨询", date(1992, 1, 1))
    too_old = woman("戊五十五", date(1970, 1, 1))
    unmarried = woman("己未婚", date(1998, 1, 1), married=False)
    elsewhere = woman("庚河西", date(1988, 1, 1), home=other_household)
    moved = woman("辛迁出", date(1991, 1, 1))
    later = woman("壬以后", date(1993, 1, 1))
    husband = factory.person(town, name="癸丈夫", sex="M", birth_date=date(1990, 1, 1), marital_status="married",
                             household_id=household)
    visit(api, using, visit_date="2025-01-01", method_chosen="iud", consent=True)
    visit(api, stopped, visit_date="2024-01-01", method_chosen="condom", consent=True)
    visit(api, stopped, visit_date="2025-01-01", stopped=True)
    visit(api, emergency, visit_date="2025-01-01", methods_discussed=["emergency"], method_chosen="emergency",
          consent=True)
    visit(api, too_old, visit_date="2025-01-01", method_chosen="iud", consent=True)
    visit(api, unmarried, visit_date="2025-01-01", method_chosen="pill", consent=True)
    visit(api, elsewhere, visit_date="2025-01-01", methods_discussed=["implant"], method_chosen="implant",
          consent=True)
    visit(api, moved, visit_date="2025-01-01", method_chosen="iud", consent=True)
    factory.movement(town, moved, "move_out", date(2025, 2, 1))
    visit(api, later, visit_date="2025-07-01", method_chosen="pill", consent=True)
    visit(api, husband, visit_date="2025-01-01", method_chosen="condom", consent=True)
    as_of = date(2025, 6, 1)

    # Women: using, stopped, emergency, never, elsewhere, later = 6; using an ongoing method: using, elsewhere.
    whole = in_town(app, town, lambda: prevalence(as_of))
    assert (whole.numerator, whole.denominator, whole.percent) == (2, 6, 33.33)
    here = in_town(app, town, lambda: prevalence(as_of, village))
    assert (here.numerator, here.denominator) == (1, 5)
    there = in_town(app, town, lambda: prevalence(as_of, other_village))
    assert (there.numerator, there.denominator, there.percent) == (1, 1, 100.0)
    # A month later the woman counselled in July uses the pill.
    assert in_town(app, town, lambda: prevalence(date(2025, 7, 1))).numerator == 3

    page = signed_in.get(url(town, "married-women") + "?as_of=2025-06-01").get_data(as_text=True)
    assert "2 of 6 married women aged 15–49 use a method" in page and "(33.33%)" in page
    for name in ("甲用环", "乙已停", "丙紧急", "丁未咨询", "庚河西", "壬以后"):
        assert name in page
    for name in ("戊五十五", "己未婚", "辛迁出", "癸丈夫"):
        assert name not in page
    assert "IUD" in page and "Implant" in page and "No method" in page
    by_village = signed_in.get(url(town, "married-women") + f"?as_of=2025-06-01&village_id={other_village}")
    text = by_village.get_data(as_text=True)
    assert "庚河西" in text and "甲用环" not in text and "1 of 1 married women" in text


def test_prevalence_with_no_married_women_is_zero_over_zero(app, factory, town, signed_in):
    from tenants.contraception.services import prevalence

    factory.person(town, name="单身", sex="F", birth_date=date(1995, 1, 1))
    ratio = in_town(app, town, lambda: prevalence(date(2025, 6, 1)))
    assert (ratio.numerator, ratio.denominator, ratio.percent) == (0, 0, None)
    page = signed_in.get(url(town, "married-women"))
    assert page.status_code == 200 and "0 of 0 married women" in page.get_data(as_text=True)


# ---------------------------------------------------------------------------------------------------------
# Pages


def test_visit_form_record_page_and_list(app, signed_in, town, woman):
    new_url = url(town, "new")
    form = signed_in.get(new_url + f"?person_id={woman}").get_data(as_text=True)
    assert "王芳" in form and 'name="methods_discussed"' in form
    refused = signed_in.post(new_url, data={
        "person_id": str(woman), "visit_date": "2025-03-01", "methods_discussed": ["iud", "condom"],
        "method_chosen": "iud", "csrf_token": _token(signed_in, new_url)})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "only when the person chose it themselves" in body
    assert 'value="iud" checked' in body and 'value="condom" checked' in body  # what was ticked is kept
    saved = signed_in.post(new_url, data={
        "person_id": str(woman), "visit_date": "2025-03-01", "methods_discussed": ["iud", "condom"],
        "method_chosen": "iud", "consent": "y", "notes": "了解了各种方法", "csrf_token": _token(signed_in, new_url)})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    record = signed_in.get(saved.headers["Location"]).get_data(as_text=True)
    assert "王芳" in record and "IUD, Condom" in record and "Add counselling visit" in record
    assert "The person chose it themselves after counselling." in record
    listing = signed_in.get(url(town) + "?method_chosen=iud").get_data(as_text=True)
    assert "王芳" in listing and "2025-03-01" in listing
    assert "王芳" not in signed_in.get(url(town) + "?date_from=2025-04-01").get_data(as_text=True)
    with app.app_context():
        events = db.session.execute(select(AuditEvent.action, AuditEvent.detail)
                                    .where(AuditEvent.record_type == "counselling_visit")).all()
    assert {"counselling_visit.create", "counselling_visit.read"} <= {a for a, _ in events}
    assert "counselling_visit.list" not in {a for a, _ in events}  # lists of masked rows are not reads
    created = next(detail for action, detail in events if action == "counselling_visit.create")
    assert "iud" not in str(created) and "了解" not in str(created)
    assert "method_chosen" in created["fields"]


def test_follow_up_visits(app, api, signed_in, factory, town, woman):
    new_url = url(town, "follow-ups/new")
    missing = post_form(signed_in, new_url, {"person_id": str(woman), "kind": "", "content": ""},
                        token_from=new_url)
    assert missing.status_code == 422
    saved = post_form(signed_in, new_url, {"person_id": str(woman), "kind": "after_birth", "visit_date": "2025-03-02",
                                           "content": "产后访视，介绍避孕方法", "outcome": "母婴平安"},
                      token_from=new_url)
    assert saved.status_code == 302
    listing = signed_in.get(saved.headers["Location"]).get_data(as_text=True)
    assert "After childbirth" in listing and "产后访视" in listing and "母婴平安" in listing

    created = api("POST", "/follow-up-visits", json={"person_id": woman, "kind": "before_marriage",
                                                     "visit_date": "2025-01-05", "content": "婚前保健"})
    assert created.status_code == 201 and created.get_json()["visitor"]
    listed = api("GET", "/follow-up-visits?kind=before_marriage").get_json()
    assert listed["meta"]["total"] == 1 and listed["items"][0]["content"] == "婚前保健"
    assert api("GET", "/follow-up-visits?date_from=2025-02-01").get_json()["meta"]["total"] == 1
    bad = api("POST", "/follow-up-visits", json={"person_id": woman, "kind": "before_lunch", "content": ""})
    assert bad.status_code == 422 and {"kind", "content"} <= set(bad.get_json()["errors"])
    nobody = api("POST", "/follow-up-visits", json={"person_id": 99999, "kind": "after_marriage", "content": "x"})
    assert nobody.status_code == 422 and nobody.get_json()["errors"] == {"person_id": ["No such person."]}


# ---------------------------------------------------------------------------------------------------------
# API and permissions


def test_counselling_api_round_trip_and_errors(app, api, woman):
    created = visit(api, woman, method_chosen="condom", consent=True, counsellor="刘医生", notes="夫妻共同决定")
    assert created["counsellor"] == "刘医生" and created["methods_discussed"] == ["iud", "condom", "pill"]
    shown = api("GET", f"/counselling-visits/{created['id']}").get_json()
    assert shown == created
    listed = api("GET", f"/counselling-visits?person_id={woman}").get_json()
    assert listed["meta"]["total"] == 1 and listed["items"][0]["id"] == created["id"]
    assert api("GET", "/counselling-visits?method_chosen=iud").get_json()["meta"]["total"] == 0
    missing = api("GET", "/counselling-visits/99999")
    assert missing.status_code == 404 and missing.get_json()["errors"]
    invalid = api("POST", "/counselling-visits", json={"person_id": "x", "visit_date": "soon", "colour": "red"})
    assert invalid.status_code == 422 and {"person_id", "visit_date", "colour"} <= set(invalid.get_json()["errors"])
    assert api("POST", "/counselling-visits", json={}).get_json()["errors"] == {"person_id": [
        "This field is required."]}
    nobody = api("POST", "/counselling-visits", json={"person_id": 99999})
    assert nobody.status_code == 422 and nobody.get_json()["errors"] == {"person_id": ["No such person."]}
    assert api("POST", "/counselling-visits", data="x", content_type="text/plain").status_code == 400


def test_viewers_read_but_cannot_write(app, client, factory, town, woman):
    factory.counselling_visit(town, woman)
    factory.user("reader", "town_viewer", town)
    token = factory.token("reader")
    headers = {**bearer(token), "Accept-Language": "en"}
    base = f"/api/v1/towns/{town.slug}"
    assert client.get(f"{base}/counselling-visits", headers=headers).status_code == 200
    assert client.post(f"{base}/counselling-visits", headers=headers,
                       json={"person_id": woman}).status_code == 403
    assert client.post(f"{base}/follow-up-visits", headers=headers,
                       json={"person_id": woman, "kind": "after_marriage", "content": "x"}).status_code == 403
    login(client, "reader")
    assert client.get(url(town)).status_code == 200
    assert client.get(url(town, "married-women")).status_code == 200
    assert client.get(url(town, "new")).status_code == 403
    assert client.get(url(town, "follow-ups/new")).status_code == 403
    assert post_form(client, url(town, "new"), {"person_id": str(woman)}, token_from=url(town)).status_code == 403
    with app.app_context():
        assert len(db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "counselling_visit.create")).all()) == 1


def _token(client, path):
    from tests.conftest import csrf_token

    return csrf_token(client, path)
