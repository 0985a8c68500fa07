"""Births: birth registration (生育登记), births, birth notices (出生信息) and follow-up tasks.

Messages new with this work are checked in English (the session or Accept-Language asks for it), so the
tests hold before and after the Chinese catalog has them. Every test taking ``app`` runs on PostgreSQL
and on SQLite.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from renkou.audit.models import AuditEvent
from renkou.extensions import db
from tenants.births import rules
from tests.conftest import bearer, in_town, login, post_form

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_dt(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def village(factory, town):
    return factory.village(town, "201", "城关村")


@pytest.fixture
def mother(factory, town, village):
    household = factory.household(town, "H-001", village_id=village)
    return factory.person(town, name="王芳", sex="F", birth_date=date(1995, 5, 1), household_id=household)


@pytest.fixture
def signed_in(client, town):
    login(client, town.admin_username)
    client.get("/lang/en")
    return client


def url(town, path=""):
    return f"/t/{town.slug}/births/{path}"


def apply(api, mother_id, **values):
    body = {"mother_id": mother_id, "timing": "before_birth", "expected_date": "2027-03-01", "child_order": 1,
            **values}
    response = api("POST", "/birth-registrations", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def step(api, registration_id, action, reason=None):
    body = {"action": action} if reason is None else {"action": action, "reason": reason}
    return api("POST", f"/birth-registrations/{registration_id}/transitions", json=body)


# ---------------------------------------------------------------------------------------------------------
# Working days (pure configuration reading; the dates are worked out by hand)


@pytest.mark.parametrize(("submitted", "due"), [
    (date(2026, 3, 6), date(2026, 3, 17)),   # Friday: Mon–Fri of the next week are 1–5, then Mon 6, Tue 7
    (date(2026, 3, 9), date(2026, 3, 18)),   # Monday: Tue…Fri 1–4, Mon–Wed 5–7
    (date(2026, 3, 7), date(2026, 3, 17)),   # Saturday: counting starts on Monday, as for Friday
    # Wednesday before Mid-Autumn and National Day: Thu 24 (1), Fri 25–Sun 27 holiday, Mon–Wed 28–30 (2–4),
    # 1–7 Oct holiday, Thu 8 (5), Fri 9 (6), Saturday 10 Oct is a make-up working day (7).
    (date(2026, 9, 23), date(2026, 10, 10)),
    # Friday before the Spring Festival: Sat 14 Feb make-up day (1), 15–23 Feb holiday, Tue 24–Fri 27 (2–5),
    # Sat 28 Feb make-up day (6), Mon 2 Mar (7).
    (date(2026, 2, 13), date(2026, 3, 2)),
])
def test_registration_is_due_seven_working_days_after_submission(submitted, due):
    assert rules.registration_due(submitted) == due


def test_follow_up_limits_are_configuration():
    received = date(2026, 3, 6)  # a Friday
    assert rules.follow_up_due("registration", received) == date(2026, 3, 17)  # 7 working days
    assert rules.follow_up_due("subsidy_intake", received) == date(2026, 4, 5)  # 30 days
    assert rules.follow_up_due("postnatal_visit", received) == date(2026, 3, 13)  # 7 days
    assert rules.is_working_day(date(2026, 10, 10)) and not rules.is_working_day(date(2026, 10, 1))
    assert not rules.is_working_day(date(2026, 3, 7)) and rules.is_working_day(date(2026, 3, 6))


# ---------------------------------------------------------------------------------------------------------
# Birth registration


def test_registration_lifecycle_gives_unique_numbers_per_town_and_year(app, api, factory, town, mother):
    second_mother = factory.person(town, name="李娜", sex="F", birth_date=date(1998, 2, 3))
    first = apply(api, mother, applied_on="2026-03-06")
    assert (first["status"], first["number"], first["due_on"]) == ("submitted", None, "2026-03-17")
    assert first["mother_name"] == "王芳" and first["self_declared"] is True
    second = apply(api, second_mother, timing="after_birth", child_birth_date="2026-11-01", child_order=3)
    assert second["expected_date"] is None and second["child_birth_date"] == "2026-11-01"

    for registration in (first, second):
        assert step(api, registration["id"], "accept").get_json()["status"] == "accepted"
    numbers = [step(api, registration["id"], "register").get_json()["number"] for registration in (first, second)]
    year = datetime.now(SHANGHAI).year
    assert numbers == [f"{town.code}-{year}-00001", f"{town.code}-{year}-00002"]
    assert all(re.fullmatch(rf"{town.code}-\d{{4}}-\d{{5}}", number) for number in numbers)
    shown = api("GET", f"/birth-registrations/{first['id']}").get_json()
    assert shown["status"] == "registered" and shown["number"] == numbers[0] and shown["registered_at"]

    # Registering again, or accepting a registered one, is refused with a reason, not a crash.
    again = step(api, first["id"], "register")
    assert again.status_code == 422 and "accepted" in again.get_json()["errors"]["action"][0]
    assert step(api, first["id"], "accept").status_code == 422
    assert api("PATCH", f"/birth-registrations/{first['id']}", json={"child_order": 2}).status_code == 422

    # The number is unique in the town's table: the database itself refuses a copy.
    from sqlalchemy.exc import IntegrityError

    from tenants.births.models import BirthRegistration

    def duplicate():
        registration = db.session.get(BirthRegistration, second["id"])
        registration.number = numbers[0]
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()

    in_town(app, town, duplicate)

    # Another town counts from 1 on its own.
    other = factory.town()
    other_mother = factory.person(other, name="赵敏", sex="F", birth_date=date(1990, 1, 1))
    other_api_headers = {**bearer(factory.token(other.admin_username)), "Accept-Language": "en"}
    client = app.test_client()
    created = client.post(f"/api/v1/towns/{other.slug}/birth-registrations", headers=other_api_headers,
                          json={"mother_id": other_mother, "timing": "before_birth", "expected_date": "2027-01-01",
                                "child_order": 1}).get_json()
    for action in ("accept", "register"):
        done = client.post(f"/api/v1/towns/{other.slug}/birth-registrations/{created['id']}/transitions",
                           headers=other_api_headers, json={"action": action})
    assert done.get_json()["number"] == f"{other.code}-{year}-00001"


def test_return_needs_a_reason_and_a_returned_application_may_be_resubmitted(app, api, town, mother):
    registration = apply(api, mother, applied_on="2026-03-06")
    for reason in (None, "   "):
        refused = step(api, registration["id"], "return", reason)
        assert refused.status_code == 422 and refused.get_json()["errors"]["reason"] == [
            "Say why the application is returned."]
    returned = step(api, registration["id"], "return", "请补充父亲姓名").get_json()
    assert returned["status"] == "returned" and returned["return_reason"] == "请补充父亲姓名"
    refused = step(api, registration["id"], "register")
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["action"] == ["Only an accepted application can be registered."]
    assert step(api, registration["id"], "accept").status_code == 422

    resubmitted = step(api, registration["id"], "resubmit").get_json()
    today = datetime.now(SHANGHAI).date()
    assert resubmitted["status"] == "submitted" and resubmitted["submitted_on"] == today.isoformat()
    assert resubmitted["due_on"] == rules.registration_due(today).isoformat()
    assert step(api, registration["id"], "resubmit").status_code == 422
    assert step(api, registration["id"], "fly").status_code == 422


def test_overdue_applications_are_filtered_and_highlighted(app, api, signed_in, factory, town, village, mother):
    other_village = factory.village(town, "202", "河西村")
    other_household = factory.household(town, "H-002", village_id=other_village)
    neighbour = factory.person(town, name="陈静", sex="F", birth_date=date(1993, 8, 8), household_id=other_household)
    late = apply(api, mother, applied_on="2025-03-03")  # due 2025-03-12, long past
    fresh = apply(api, neighbour)  # applied today
    done = apply(api, neighbour, applied_on="2025-03-03", child_order=2)
    step(api, done["id"], "accept")
    step(api, done["id"], "register")
    assert late["overdue"] is True and fresh["overdue"] is False

    overdue = api("GET", "/birth-registrations?overdue=1").get_json()
    assert [item["id"] for item in overdue["items"]] == [late["id"]]
    assert api("GET", "/birth-registrations?status=registered").get_json()["items"][0]["id"] == done["id"]
    in_village = api("GET", f"/birth-registrations?village_id={other_village}").get_json()
    assert {item["id"] for item in in_village["items"]} == {fresh["id"], done["id"]}
    assert api("GET", "/birth-registrations?overdue=1&village_id=" + str(other_village)).get_json()["items"] == []

    page = signed_in.get(url(town, "registrations/?overdue=1")).get_data(as_text=True)
    assert page.count('class="overdue"') == 1 and "王芳" in page and "陈静" not in page
    everything = signed_in.get(url(town, "registrations/")).get_data(as_text=True)
    assert everything.count('class="overdue"') == 1 and "陈静" in everything
    paged = signed_in.get(url(town, "registrations/?per_page=1&page=2")).get_data(as_text=True)
    assert "Page 2 of 3" in paged


def test_application_is_checked_and_duplicates_are_a_conflict(app, api, factory, town, mother):
    man = factory.person(town, name="张伟", sex="M", birth_date=date(1990, 1, 1))
    invalid = api("POST", "/birth-registrations", json={"timing": "later", "child_order": 0})
    assert invalid.status_code == 422
    assert set(invalid.get_json()["errors"]) == {"mother_id", "timing", "child_order"}
    unknown = api("POST", "/birth-registrations", json={"mother_id": mother, "timing": "before_birth",
                                                        "expected_date": "2027-01-01", "child_order": 1,
                                                        "certificate_number": "x"})
    assert unknown.status_code == 422 and "certificate_number" in unknown.get_json()["errors"]
    no_date = api("POST", "/birth-registrations", json={"mother_id": mother, "timing": "before_birth",
                                                        "child_order": 1})
    assert no_date.status_code == 422 and set(no_date.get_json()["errors"]) == {"expected_date"}
    not_a_mother = api("POST", "/birth-registrations", json={"mother_id": man, "timing": "before_birth",
                                                             "expected_date": "2027-01-01", "child_order": 1})
    assert not_a_mother.status_code == 422 and "mother_id" in not_a_mother.get_json()["errors"]
    nobody = api("POST", "/birth-registrations", json={"mother_id": 99999, "timing": "before_birth",
                                                       "expected_date": "2027-01-01", "child_order": 1})
    assert nobody.status_code == 422 and nobody.get_json()["errors"]["mother_id"] == ["No such person."]
    future = api("POST", "/birth-registrations", json={"mother_id": mother, "timing": "before_birth",
                                                       "expected_date": "2027-01-01", "child_order": 1,
                                                       "applied_on": "2099-01-01"})
    assert future.status_code == 422 and "applied_on" in future.get_json()["errors"]

    first = apply(api, mother, father_id=man)
    assert first["father_display"] == "张伟"
    duplicate = api("POST", "/birth-registrations", json={"mother_id": mother, "timing": "after_birth",
                                                          "child_birth_date": "2026-11-01", "child_order": 1})
    assert duplicate.status_code == 409 and "child_order" in duplicate.get_json()["errors"]
    # A third child is registered like any other: nothing is refused for the number of children.
    third = apply(api, mother, child_order=3, father_name="刘强")
    assert third["father_display"] == "刘强" and third["status"] == "submitted"
    patched = api("PATCH", f"/birth-registrations/{first['id']}", json={"expected_date": "2027-02-02"})
    assert patched.status_code == 200 and patched.get_json()["expected_date"] == "2027-02-02"
    clash = api("PATCH", f"/birth-registrations/{third['id']}", json={"child_order": 1})
    assert clash.status_code == 409
    assert api("GET", "/birth-registrations/999999").status_code == 404
    assert api("PATCH", "/birth-registrations/999999", json={}).status_code == 404
    assert step(api, 999999, "accept").status_code == 404


def test_no_document_is_asked_for():
    """Self-declared: the application has no certificate, document or permit field."""
    from tenants.births.schemas import BirthRegistrationSchema

    for name in BirthRegistrationSchema().fields:
        assert not re.search(r"certif|document|permit|proof|plan|policy", name), name


def test_registration_in_the_browser_with_history_and_audit(app, signed_in, factory, town, mother):
    form_url = url(town, "registrations/new")
    form = signed_in.get(form_url).get_data(as_text=True)
    assert "王芳" in form  # women of childbearing age are offered as mothers
    response = post_form(signed_in, form_url, {"mother_id": str(mother), "timing": "before_birth",
                                                "expected_date": "2027-04-01", "child_order": "2",
                                                "applied_on": "2026-03-06", "self_declared": "y"},
                         token_from=form_url)
    assert response.status_code == 302
    record_url = response.headers["Location"]
    page = signed_in.get(record_url).get_data(as_text=True)
    assert "王芳" in page and "2026-03-17" in page and "Submitted" in page

    missing = post_form(signed_in, form_url, {"mother_id": "", "timing": "before_birth", "child_order": "1"},
                        token_from=form_url)
    assert missing.status_code == 422 and "This field is required." in missing.get_data(as_text=True)

    no_reason = post_form(signed_in, f"{record_url}/transition", {"action": "return", "reason": ""},
                          token_from=record_url)
    assert no_reason.status_code == 422 and "Say why the application is returned." in no_reason.get_data(as_text=True)
    for action in ("accept", "register"):
        assert post_form(signed_in, f"{record_url}/transition", {"action": action},
                         token_from=record_url).status_code == 302
    page = signed_in.get(record_url).get_data(as_text=True)
    number = re.search(r'id="registration-number">([^<]+)<', page).group(1)
    assert re.fullmatch(rf"{town.code}-\d{{4}}-00001", number)
    assert "Register a birth registration" in page and "Add birth registration" in page  # the history, in words

    with app.app_context():
        events = [(event.action, str(event.detail)) for event in db.session.scalars(
            select(AuditEvent).where(AuditEvent.record_type == "birth_registration").order_by(AuditEvent.id))]
    actions = [action for action, _detail in events]
    assert {"birth_registration.create", "birth_registration.read", "birth_registration.accept",
            "birth_registration.register"} <= set(actions)
    assert all("王芳" not in detail for _action, detail in events)


# ---------------------------------------------------------------------------------------------------------
# Births, notices, tasks


def test_notice_timeliness_is_24_hours(app, api, mother):
    from tenants.births.services.births import is_on_time

    born = datetime(2026, 3, 6, 2, 0, tzinfo=UTC)
    with app.app_context():
        assert is_on_time(born, born + timedelta(hours=23, minutes=59))
        assert is_on_time(born, born + timedelta(hours=24))
        assert not is_on_time(born, born + timedelta(hours=24, minutes=1))

    birth = {"mother_id": mother, "born_at": "2026-03-06T10:00:00+08:00", "sex": "M", "weight_grams": 3300}
    on_time = api("POST", "/birth-notices", json={"birth": birth, "source": "城关卫生院",
                                                  "received_at": "2026-03-07T09:59:00+08:00"})
    assert on_time.status_code == 201 and on_time.get_json()["on_time"] is True
    late = api("POST", "/birth-notices", json={"birth": {**birth, "sex": "F"}, "source": "城关卫生院",
                                               "received_at": "2026-03-07T10:01:00+08:00"})
    assert late.status_code == 201 and late.get_json()["on_time"] is False
    assert [n["on_time"] for n in api("GET", "/birth-notices?on_time=0").get_json()["items"]] == [False]
    assert api("GET", "/birth-notices").get_json()["meta"]["total"] == 2

    before = api("POST", "/birth-notices", json={"birth": birth, "source": "卫生院",
                                                 "received_at": "2026-03-06T09:00:00+08:00"})
    assert before.status_code == 422 and "received_at" in before.get_json()["errors"]
    neither = api("POST", "/birth-notices", json={"source": "卫生院"})
    assert neither.status_code == 422 and "birth_id" in neither.get_json()["errors"]
    missing = api("POST", "/birth-notices", json={"birth_id": 99999, "source": "卫生院"})
    assert missing.status_code == 422 and "birth_id" in missing.get_json()["errors"]


def test_a_notice_opens_three_tasks_with_due_dates(app, api, factory, town, village, mother):
    cadre = factory.staff(town, village, name="刘专干")
    birth = api("POST", "/births", json={"mother_id": mother, "born_at": "2026-03-06T02:00", "sex": "F",
                                         "place_type": "hospital", "place_name": "县妇幼保健院",
                                         "birth_order": 1})
    assert birth.status_code == 201
    birth = birth.get_json()
    assert birth["born_at"] == "2026-03-05T18:00:00+00:00"  # a time without offset is Beijing time
    notice = api("POST", "/birth-notices", json={"birth_id": birth["id"], "source": "县妇幼保健院",
                                                 "received_at": "2026-03-06T10:00:00+08:00"})
    assert notice.status_code == 201
    tasks = {task["kind"]: task for task in notice.get_json()["tasks"]}
    assert {kind: task["due_on"] for kind, task in tasks.items()} == {
        "registration": "2026-03-17", "subsidy_intake": "2026-04-05", "postnatal_visit": "2026-03-13"}
    assert all(task["assignee_staff_id"] == cadre and task["assignee_name"] == "刘专干" for task in tasks.values())
    assert all(task["overdue"] for task in tasks.values())  # March 2026 is past

    # A second notice for the same birth opens nothing new.
    again = api("POST", "/birth-notices", json={"birth_id": birth["id"], "source": "村医",
                                                "received_at": "2026-03-06T12:00:00+08:00"})
    assert again.status_code == 201 and again.get_json()["tasks"] == []
    assert api("GET", "/tasks").get_json()["meta"]["total"] == 3
    assert api("GET", f"/tasks?staff_id={cadre}&kind=postnatal_visit").get_json()["meta"]["total"] == 1

    # A mother who has applied for this child gets no registration task; a named assignee is kept.
    second_mother = factory.person(town, name="周丽", sex="F", birth_date=date(1992, 1, 1))
    apply(api, second_mother, child_order=2)
    notice = api("POST", "/birth-notices", json={
        "birth": {"mother_id": second_mother, "born_at": "2026-11-27T08:00:00+08:00", "sex": "M", "birth_order": 2},
        "source": "卫生院", "assignee_name": "孙大姐"}).get_json()
    assert sorted(task["kind"] for task in notice["tasks"]) == ["postnatal_visit", "subsidy_intake"]
    assert {task["assignee_name"] for task in notice["tasks"]} == {"孙大姐"}
    assert api("GET", "/tasks?assignee=孙大姐").get_json()["meta"]["total"] == 2
    assert api("GET", f"/tasks?village_id={village}").get_json()["meta"]["total"] == 3
    assert api("GET", f"/births/{birth['id']}").get_json()["place_name"] == "县妇幼保健院"
    assert api("GET", "/births").get_json()["meta"]["total"] == 2
    assert api("GET", "/births/999999").status_code == 404
    bad_staff = api("POST", "/birth-notices", json={"birth_id": birth["id"], "source": "x",
                                                    "assignee_staff_id": 99999})
    assert bad_staff.status_code == 422 and "assignee_staff_id" in bad_staff.get_json()["errors"]
    bad_birth = api("POST", "/births", json={"mother_id": mother, "born_at": "2099-01-01T00:00:00", "sex": "X",
                                             "weight_grams": 50})
    assert bad_birth.status_code == 422 and set(bad_birth.get_json()["errors"]) == {"sex", "weight_grams"}


def test_filing_the_application_closes_the_registration_task(app, api, mother):
    notice = api("POST", "/birth-notices", json={
        "birth": {"mother_id": mother, "born_at": "2026-11-27T08:00:00+08:00", "sex": "M", "birth_order": 1},
        "source": "卫生院"}).get_json()
    assert "registration" in {task["kind"] for task in notice["tasks"]}
    apply(api, mother, timing="after_birth", child_birth_date="2026-11-27", child_order=1)
    done = api("GET", "/tasks?status=done").get_json()["items"]
    assert [task["kind"] for task in done] == ["registration"] and done[0]["done_note"].startswith("Application")


def test_tasks_are_done_with_a_note(app, api, signed_in, factory, town, village, mother):
    factory.staff(town, village, name="刘专干")
    notice = api("POST", "/birth-notices", json={
        "birth": {"mother_id": mother, "born_at": "2026-03-06T02:00:00+08:00", "sex": "F"},
        "source": "卫生院", "received_at": "2026-03-06T10:00:00+08:00"}).get_json()
    task_ids = {task["kind"]: task["id"] for task in notice["tasks"]}

    done = api("POST", f"/tasks/{task_ids['postnatal_visit']}/done", json={"note": "已上门访视，母婴平安"})
    assert done.status_code == 200
    assert done.get_json()["status"] == "done" and done.get_json()["done_note"] == "已上门访视，母婴平安"
    assert done.get_json()["overdue"] is False
    twice = api("POST", f"/tasks/{task_ids['postnatal_visit']}/done", json={})
    assert twice.status_code == 422 and twice.get_json()["errors"]["_schema"] == ["This task is done already."]
    assert api("POST", "/tasks/999999/done", json={}).status_code == 404
    assert api("GET", "/tasks?overdue=1").get_json()["meta"]["total"] == 2

    listing = signed_in.get(url(town, "tasks/")).get_data(as_text=True)
    assert listing.count('class="overdue"') == 2 and "刘专干" in listing and "Childcare subsidy intake" in listing
    response = post_form(signed_in, url(town, f"tasks/{task_ids['subsidy_intake']}/done"),
                         {"note": "已受理", "next": url(town, "tasks/?status=all")}, token_from=url(town, "tasks/"))
    assert response.status_code == 302 and response.headers["Location"].endswith("tasks/?status=all")
    outside = post_form(signed_in, url(town, f"tasks/{task_ids['registration']}/done"),
                        {"next": "https://example.com/"}, token_from=url(town, "tasks/"))
    assert outside.headers["Location"].endswith(url(town, "tasks/"))
    everything = signed_in.get(url(town, "tasks/?status=all")).get_data(as_text=True)
    assert "已受理" in everything and 'class="overdue"' not in everything


def test_births_and_notices_in_the_browser(app, signed_in, factory, town, village, mother):
    factory.staff(town, village, name="刘专干")
    form_url = url(town, "notices/new")
    assert "王芳" in signed_in.get(form_url).get_data(as_text=True)
    response = post_form(signed_in, form_url, {
        "source": "城关卫生院", "received_at": "2026-03-06T10:00", "born_at": "2026-03-06T02:00",
        "mother_id": str(mother), "sex": "F", "weight_grams": "3100", "place_type": "hospital", "birth_order": "1"},
        token_from=form_url)
    assert response.status_code == 302
    birth_page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "城关卫生院" in birth_page and "On time" in birth_page and "2026-03-17" in birth_page
    assert "Postnatal visit" in birth_page and "刘专干" in birth_page

    invalid = post_form(signed_in, form_url, {"source": "", "mother_id": "", "born_at": "2026-03-06T02:00"},
                        token_from=form_url)
    assert invalid.status_code == 422 and 'value="2026-03-06T02:00"' in invalid.get_data(as_text=True)
    no_mother = post_form(signed_in, form_url, {"source": "卫生院", "born_at": "2026-03-06T02:00", "sex": "M"},
                          token_from=form_url)
    assert no_mother.status_code == 422

    birth_form = url(town, "new")
    response = post_form(signed_in, birth_form, {"mother_id": str(mother), "born_at": "2026-11-20T09:30",
                                                 "sex": "M", "place_type": "home"}, token_from=birth_form)
    assert response.status_code == 302
    listing = signed_in.get(url(town)).get_data(as_text=True)
    assert listing.count("王芳") == 2 and "2026-11-20 09:30" in listing
    notices = signed_in.get(url(town, "notices/")).get_data(as_text=True)
    assert "城关卫生院" in notices


def test_viewers_read_but_cannot_write(app, client, factory, town, mother):
    viewer = factory.user("births_viewer", "town_viewer", town)
    records = factory.birth_records(town, mother)
    login(client, viewer)
    assert client.get(url(town, "registrations/")).status_code == 200
    assert client.get(url(town, f"registrations/{records['registration_id']}")).status_code == 200
    assert client.get(url(town, "tasks/")).status_code == 200
    for path in ("registrations/new", f"registrations/{records['registration_id']}/edit", "new", "notices/new"):
        assert client.get(url(town, path)).status_code == 403, path
    refused = post_form(client, url(town, f"registrations/{records['registration_id']}/transition"),
                        {"action": "accept"}, token_from=url(town, "registrations/"))
    assert refused.status_code == 403
    refused = post_form(client, url(town, f"tasks/{records['task_id']}/done"), {},
                        token_from=url(town, "tasks/"))
    assert refused.status_code == 403

    headers = bearer(factory.token(viewer))
    base = f"/api/v1/towns/{town.slug}"
    assert client.get(f"{base}/birth-registrations", headers=headers).status_code == 200
    for path, body in ((f"/birth-registrations/{records['registration_id']}/transitions", {"action": "accept"}),
                       ("/birth-registrations", {}), ("/births", {}), ("/birth-notices", {}),
                       (f"/tasks/{records['task_id']}/done", {})):
        assert client.post(base + path, json=body, headers=headers).status_code == 403, path
    assert client.patch(f"{base}/birth-registrations/{records['registration_id']}", json={},
                        headers=headers).status_code == 403
    status = client.get(f"{base}/birth-registrations/{records['registration_id']}", headers=headers).get_json()
    assert status["status"] == "submitted"
