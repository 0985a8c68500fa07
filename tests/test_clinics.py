"""Clinics: medical units, licences (expiry), services (private clinics may not do deliveries, IUD insertion
or removal, terminations or sterilisation), inspections against 两非, findings and rectification, and the
inspection coverage.

Messages new with this work are checked in English (Accept-Language or the session asks for it), so the
tests hold before and after the Chinese catalog has them. Every test taking ``app`` runs on PostgreSQL
and on SQLite.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import inspect, select

from renkou.audit.models import AuditEvent
from renkou.extensions import db
from tenants.clinics import rules
from tests.conftest import bearer, in_town, login, post_form

CHECKLIST = rules.checklist_on(date(2026, 1, 1))


@pytest.fixture
def signed_in(client, town):
    login(client, town.admin_username)
    client.get("/lang/en")
    return client


@pytest.fixture
def today(app):
    with app.app_context():
        return rules.today()


def url(town, path=""):
    return f"/t/{town.slug}/clinics/{path}"


def add_unit(api, **values):
    body = {"kind": "private", "name": "康民诊所", **values}
    response = api("POST", "/clinics", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def findings_of(api, unit_id, **filters):
    query = "&".join(f"{key}={value}" for key, value in {"status": "all", **filters}.items())
    return api("GET", f"/clinics/findings?unit_id={unit_id}&{query}").get_json()["items"]


def all_passed(**overrides):
    """Checklist answers: every item passed, except those given as {code: (result, note)}."""
    items = []
    for code in CHECKLIST:
        result, note = overrides.get(code, ("pass", None))
        items.append({"code": code, "result": result, "note": note})
    return items


def inspect_unit(api, unit_id, day, **overrides):
    body = {"unit_id": unit_id, "inspection_date": day.isoformat(), "inspectors": "王主任、李干事",
            "items": all_passed(**overrides)}
    response = api("POST", "/clinics/inspections", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# ---------------------------------------------------------------------------------------------------------
# Configuration


def test_rules_are_dated_configuration(monkeypatch):
    assert rules.restricted_services("private", date(2026, 1, 1)) == (
        "delivery", "iud_insertion", "iud_removal", "termination", "sterilisation")
    assert rules.restricted_services("health_centre", date(2026, 1, 1)) == ()
    assert rules.rectification_deadline("service", date(2026, 3, 1)) == date(2026, 3, 31)
    assert rules.expiry_warning_days(date(2026, 1, 1)) == 30
    assert set(CHECKLIST) == {"ultrasound_register", "chromosome_testing", "termination_drugs",
                              "termination_register", "notice_posted", "staff_commitment"}
    # A change from a date is one more entry; days before it keep the old rule.
    monkeypatch.setattr(rules, "RESTRICTED_SERVICES", [*rules.RESTRICTED_SERVICES,
                                                       (date(2027, 1, 1), {"private": ("termination",)})])
    assert rules.restricted_services("private", date(2027, 1, 1)) == ("termination",)
    assert "delivery" in rules.restricted_services("private", date(2026, 12, 31))


def test_migration_matches_the_models_with_named_constraints(app, factory, town):
    """The tables the migration made have the models' columns, indexes and constraint names."""
    from renkou.db import town_schema
    from renkou.extensions import town_metadata

    engines = app.extensions["renkou.town_engines"]
    tables = ("medical_units", "medical_unit_services", "clinic_licences", "clinic_inspections",
              "clinic_inspection_items", "clinic_findings")
    with app.app_context(), engines.town_connection(town.code) as connection:
        schema = None if engines.is_sqlite else town_schema(town.code)
        inspector = inspect(connection)
        for name in tables:
            model = town_metadata.tables[name]
            assert {c["name"] for c in inspector.get_columns(name, schema=schema)} == set(model.columns.keys())
            assert {fk["name"] for fk in inspector.get_foreign_keys(name, schema=schema)} == {
                fk.name for fk in model.foreign_key_constraints}
            reflected_unique = {uq["name"] for uq in inspector.get_unique_constraints(name, schema=schema)}
            assert reflected_unique == {c.name for c in model.constraints if c.__class__.__name__ == "UniqueConstraint"}
            assert {ix["name"] for ix in inspector.get_indexes(name, schema=schema)} - reflected_unique == {
                ix.name for ix in model.indexes}


# ---------------------------------------------------------------------------------------------------------
# Services and the findings they raise


def test_private_clinic_offering_restricted_services_raises_one_finding_each(api, today):
    clinic = add_unit(api, services=["termination", "delivery", "ultrasound"])
    assert clinic["restricted_offered"] == ["delivery", "termination"]
    found = findings_of(api, clinic["id"])
    assert sorted(f["service_code"] for f in found) == ["delivery", "termination"]
    assert all(f["source"] == "service" and f["status"] == "open" and f["overdue"] is False for f in found)
    assert {f["deadline"] for f in found} == {(today + timedelta(days=30)).isoformat()}
    assert all("不得开展" in f["description"] for f in found)

    # Saving again, with or without the same services, raises nothing new while the findings are open.
    for body in ({"name": "康民诊所（新址）"}, {"services": ["delivery", "termination", "ultrasound"]},
                 {"address": "镇东路8号"}):
        assert api("PATCH", f"/clinics/{clinic['id']}", json=body).status_code == 200
    assert len(findings_of(api, clinic["id"])) == 2
    api("PATCH", f"/clinics/{clinic['id']}", json={"services": ["delivery", "termination", "iud_removal"]})
    assert sorted(f["service_code"] for f in findings_of(api, clinic["id"])) == [
        "delivery", "iud_removal", "termination"]

    # A town health centre may do deliveries and IUD services: no finding.
    centre = add_unit(api, kind="health_centre", name="城关镇卫生院",
                      services=["delivery", "iud_insertion", "iud_removal", "termination", "sterilisation"])
    assert centre["restricted_offered"] == [] and findings_of(api, centre["id"]) == []
    api("PATCH", f"/clinics/{centre['id']}", json={"name": "城关镇中心卫生院"})
    assert findings_of(api, centre["id"]) == []
    # Recorded as a private clinic, the same services are findings.
    api("PATCH", f"/clinics/{centre['id']}", json={"kind": "private"})
    assert len(findings_of(api, centre["id"])) == 5

    # A closed unit (no longer in operation) raises nothing.
    closed = add_unit(api, name="已停业诊所", active=False, services=["termination"])
    assert findings_of(api, closed["id"]) == []


def test_the_partial_unique_index_refuses_a_second_open_finding(app, api, town):
    clinic = add_unit(api, services=["sterilisation"])

    def duplicate():
        from sqlalchemy.exc import IntegrityError

        from tenants.clinics.models import Finding

        existing = db.session.scalar(select(Finding).where(Finding.unit_id == clinic["id"]))
        db.session.add(Finding(unit_id=clinic["id"], source="service", service_code="sterilisation",
                               found_on=existing.found_on, description="x", deadline=existing.deadline, status="open"))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()

    in_town(app, town, duplicate)


def test_finding_lifecycle_open_rectified_closed(api, today):
    clinic = add_unit(api, services=["termination", "outpatient"])
    finding = findings_of(api, clinic["id"])[0]
    path = f"/clinics/findings/{finding['id']}/transitions"

    # Not rectified while the unit's record still shows the service.
    still = api("POST", path, json={"action": "rectify", "note": "已停止"})
    assert still.status_code == 422 and "still shows this service" in still.get_json()["errors"]["_schema"][0]
    api("PATCH", f"/clinics/{clinic['id']}", json={"services": ["outpatient"]})
    assert api("POST", path, json={"action": "close"}).get_json()["errors"]["action"] == [
        "Only a rectified finding can be closed."]
    no_note = api("POST", path, json={"action": "rectify"})
    assert no_note.status_code == 422 and no_note.get_json()["errors"]["note"] == [
        "Say how the finding was put right."]
    future = api("POST", path, json={"action": "rectify", "note": "x", "rectified_on": "2999-01-01"})
    assert future.status_code == 422 and "rectified_on" in future.get_json()["errors"]
    assert api("POST", path, json={"action": "fly"}).status_code == 422

    rectified = api("POST", path, json={"action": "rectify", "note": "已停止人工流产服务并整改"}).get_json()
    assert (rectified["status"], rectified["rectified_on"]) == ("rectified", today.isoformat())
    assert rectified["rectification_note"] == "已停止人工流产服务并整改"
    assert api("POST", path, json={"action": "rectify", "note": "again"}).status_code == 422
    closed = api("POST", path, json={"action": "close", "note": "复查属实"}).get_json()
    assert closed["status"] == "closed" and closed["closed_at"] and closed["close_note"] == "复查属实"
    assert api("PATCH", f"/clinics/findings/{finding['id']}", json={"deadline": "2099-01-01"}).status_code == 422

    # After the finding is closed, recording the service again is a new finding.
    api("PATCH", f"/clinics/{clinic['id']}", json={"services": ["termination", "outpatient"]})
    again = findings_of(api, clinic["id"], status="open")
    assert len(again) == 1 and again[0]["id"] != finding["id"]


def test_findings_can_be_changed_and_overdue_ones_are_flagged(api, signed_in, town, today):
    clinic = add_unit(api, kind="village_clinic", name="河西村卫生室")
    old = inspect_unit(api, clinic["id"], today - timedelta(days=40),
                       notice_posted=("fail", "未张贴禁止两非公示"))
    finding = old["findings"][0]
    assert finding["item_code"] == "notice_posted" and "未张贴禁止两非公示" in finding["description"]
    assert finding["deadline"] == (today - timedelta(days=10)).isoformat() and finding["overdue"] is True
    recent = inspect_unit(api, clinic["id"], today, ultrasound_register=("fail", "无登记本"))
    assert recent["findings"][0]["overdue"] is False

    overdue = api("GET", "/clinics/findings?overdue=1").get_json()["items"]
    assert [item["id"] for item in overdue] == [finding["id"]]
    page = signed_in.get(url(town, "findings/?overdue=1")).get_data(as_text=True)
    assert page.count('class="overdue"') == 1 and "未张贴禁止两非公示" in page and "Overdue" in page
    assert "无登记本" in signed_in.get(url(town, "findings/")).get_data(as_text=True)

    later = (today + timedelta(days=5)).isoformat()
    moved = api("PATCH", f"/clinics/findings/{finding['id']}", json={"deadline": later, "description": "限期张贴公示"})
    assert moved.status_code == 200 and moved.get_json()["overdue"] is False
    assert moved.get_json()["description"] == "限期张贴公示"
    before = api("PATCH", f"/clinics/findings/{finding['id']}", json={"deadline": "2000-01-01"})
    assert before.status_code == 422 and "deadline" in before.get_json()["errors"]
    assert api("PATCH", f"/clinics/findings/{finding['id']}", json={"status": "closed"}).status_code == 422
    assert api("GET", "/clinics/findings?overdue=1").get_json()["items"] == []


# ---------------------------------------------------------------------------------------------------------
# Licences


def test_licence_expiry_is_worked_out_against_today(api, signed_in, town, today):
    clinic = add_unit(api, kind="health_centre", name="城关镇卫生院")
    states = {}
    for number, valid_to in (("E-29", today + timedelta(days=29)), ("E-30", today + timedelta(days=30)),
                             ("V-31", today + timedelta(days=31)), ("X-1", today - timedelta(days=1)),
                             ("T-0", today), ("N-0", None)):
        body = {"unit_id": clinic["id"], "kind": "practice", "number": number, "issuer": "县卫生健康局",
                "valid_from": "2020-01-01", "valid_to": valid_to.isoformat() if valid_to else None}
        response = api("POST", "/clinics/licences", json=body)
        assert response.status_code == 201, response.get_json()
        states[number] = response.get_json()["state"]
    assert states == {"E-29": "expiring", "E-30": "expiring", "V-31": "valid", "X-1": "expired", "T-0": "expiring",
                      "N-0": "valid"}

    def numbers(state):
        return [item["number"] for item in api("GET", f"/clinics/licences?state={state}").get_json()["items"]]

    assert numbers("expiring") == ["T-0", "E-29", "E-30"]
    assert numbers("expired") == ["X-1"]
    assert numbers("valid") == ["V-31", "N-0"]  # soonest end first, no end last
    page = signed_in.get(url(town, "licences/?state=expired")).get_data(as_text=True)
    assert "X-1" in page and "E-29" not in page and page.count('class="overdue"') == 1
    everything = signed_in.get(url(town, "licences/")).get_data(as_text=True)
    assert everything.count('class="expiring"') == 3 and "Expiring soon" in everything and "Expired" in everything
    record = signed_in.get(url(town, str(clinic["id"]))).get_data(as_text=True)
    assert record.count('class="expiring"') == 3 and record.count('class="overdue"') == 1


def test_licences_are_checked(api, today):
    clinic = add_unit(api, kind="hospital", name="县第二人民医院")
    body = {"unit_id": clinic["id"], "kind": "practice", "number": "PDY-77", "issuer": "县卫生健康局"}
    created = api("POST", "/clinics/licences", json=body).get_json()
    duplicate = api("POST", "/clinics/licences", json=body)
    assert duplicate.status_code == 409 and "number" in duplicate.get_json()["errors"]
    assert api("POST", "/clinics/licences", json={**body, "kind": "radiology"}).status_code == 201
    backwards = api("POST", "/clinics/licences", json={**body, "number": "B-1", "valid_from": "2026-05-01",
                                                       "valid_to": "2026-04-30"})
    assert backwards.status_code == 422 and backwards.get_json()["errors"]["valid_to"] == [
        "The licence ends before it starts."]
    nowhere = api("POST", "/clinics/licences", json={**body, "number": "N-1", "unit_id": 99999})
    assert nowhere.status_code == 422 and nowhere.get_json()["errors"]["unit_id"] == ["No such medical unit."]
    missing = api("POST", "/clinics/licences", json={"unit_id": clinic["id"]})
    assert missing.status_code == 422 and {"kind", "number", "issuer"} <= set(missing.get_json()["errors"])

    renewed = api("PATCH", f"/clinics/licences/{created['id']}",
                  json={"valid_to": (today + timedelta(days=365)).isoformat()})
    assert renewed.status_code == 200 and renewed.get_json()["state"] == "valid"
    assert api("GET", f"/clinics/licences/{created['id']}").get_json()["number"] == "PDY-77"
    assert api("DELETE", f"/clinics/licences/{created['id']}").status_code == 204
    assert api("GET", f"/clinics/licences/{created['id']}").status_code == 404


# ---------------------------------------------------------------------------------------------------------
# Inspections and coverage


def test_inspection_needs_every_item_and_a_note_for_each_failure(api, today):
    clinic = add_unit(api, kind="village_clinic", name="河东村卫生室")
    body = {"unit_id": clinic["id"], "inspectors": "王主任", "items": all_passed()}
    partial = api("POST", "/clinics/inspections", json={**body, "items": body["items"][:-1]})
    assert partial.status_code == 422
    assert set(partial.get_json()["errors"]) == {"items", CHECKLIST[-1]}
    twice = api("POST", "/clinics/inspections", json={**body, "items": [*body["items"], body["items"][0]]})
    assert twice.status_code == 422 and "items" in twice.get_json()["errors"]
    unexplained = api("POST", "/clinics/inspections", json={**body, "items": all_passed(
        chromosome_testing=("fail", None))})
    assert unexplained.status_code == 422
    assert unexplained.get_json()["errors"] == {"chromosome_testing_note": ["Say what was wrong."]}
    unknown = api("POST", "/clinics/inspections", json={**body, "items": [{"code": "x", "result": "pass"}]})
    assert unknown.status_code == 422
    future = api("POST", "/clinics/inspections", json={**body, "inspection_date": "2999-01-01"})
    assert future.status_code == 422 and "inspection_date" in future.get_json()["errors"]
    nowhere = api("POST", "/clinics/inspections", json={**body, "unit_id": 99999})
    assert nowhere.status_code == 422 and nowhere.get_json()["errors"]["unit_id"] == ["No such medical unit."]

    passed = api("POST", "/clinics/inspections", json=body).get_json()
    assert passed["inspection_date"] == today.isoformat() and passed["findings"] == [] and passed["failed"] == 0
    deadline = (today + timedelta(days=10)).isoformat()
    items = all_passed(termination_drugs=("fail", "米非司酮无购销登记"), staff_commitment=("na", None))
    failed = api("POST", "/clinics/inspections", json={**body, "rectification_deadline": deadline,
                                                       "items": items}).get_json()
    assert failed["failed"] == 1 and len(failed["findings"]) == 1
    assert failed["findings"][0]["deadline"] == deadline and failed["findings"][0]["item_code"] == "termination_drugs"
    shown = api("GET", f"/clinics/inspections/{failed['id']}").get_json()
    assert {item["code"]: item["result"] for item in shown["items"]}["staff_commitment"] == "na"
    listed = api("GET", f"/clinics/inspections?unit_id={clinic['id']}").get_json()
    assert [item["id"] for item in listed["items"]] == [failed["id"], passed["id"]]


def test_inspection_coverage_counts_active_units_inspected_in_the_period(app, api, town):
    a = add_unit(api, kind="health_centre", name="甲卫生院")
    b = add_unit(api, kind="village_clinic", name="乙卫生室")
    add_unit(api, kind="private", name="丙诊所")
    closed = add_unit(api, kind="private", name="丁诊所")
    inspect_unit(api, a["id"], date(2026, 1, 10))
    inspect_unit(api, a["id"], date(2026, 2, 20))  # twice: counts once
    inspect_unit(api, b["id"], date(2025, 12, 31))  # before the period
    inspect_unit(api, closed["id"], date(2026, 1, 15))
    api("PATCH", f"/clinics/{closed['id']}", json={"active": False})  # closed: in neither count

    from tenants.clinics.services.inspections import inspection_coverage

    coverage = in_town(app, town, lambda: inspection_coverage(date(2026, 1, 1), date(2026, 3, 31)))
    assert coverage == (1, 3) and coverage.percent == 33.33
    assert in_town(app, town, lambda: inspection_coverage(date(2025, 12, 1), date(2026, 3, 31))) == (2, 3)
    assert in_town(app, town, lambda: inspection_coverage(date(2026, 2, 21), date(2026, 3, 31))) == (0, 3)
    answer = api("GET", "/clinics/coverage?start=2026-01-01&end=2026-03-31").get_json()
    assert answer == {"start": "2026-01-01", "end": "2026-03-31", "inspected": 1, "units": 3, "percent": 33.33}


def test_coverage_of_a_town_without_units_is_none(app, town):
    from tenants.clinics.services.inspections import inspection_coverage

    coverage = in_town(app, town, lambda: inspection_coverage(date(2026, 1, 1), date(2026, 12, 31)))
    assert coverage == (0, 0) and coverage.percent is None


# ---------------------------------------------------------------------------------------------------------
# The API's units, and errors


def test_unit_api_round_trip_masks_the_phone_on_lists(app, api, factory, town):
    village = factory.village(town, "201", "城关村")
    created = add_unit(api, kind="village_clinic", name="城关村卫生室", village_id=village, address="城关村1组",
                       contact_name="赵医生", contact_phone="13900139000", services=["prenatal_care", "outpatient"])
    assert created["contact_phone"] == "*******9000" and created["village_name"] == "城关村"
    assert created["services"] == ["prenatal_care", "outpatient"] and created["active"] is True
    full = api("GET", f"/clinics/{created['id']}").get_json()
    assert full["contact_phone"] == "13900139000"
    listed = api("GET", "/clinics?kind=village_clinic").get_json()
    assert [item["contact_phone"] for item in listed["items"]] == ["*******9000"]
    assert api("GET", "/clinics?q=城关村1组").get_json()["meta"]["total"] == 1
    assert api("GET", "/clinics?kind=hospital").get_json()["items"] == []
    changed = api("PATCH", f"/clinics/{created['id']}", json={"contact_phone": None, "village_id": None,
                                                              "active": False}).get_json()
    assert (changed["contact_phone"], changed["village_id"], changed["active"]) == (None, None, False)
    assert api("GET", "/clinics?active=false").get_json()["meta"]["total"] == 1

    def stored_phone():
        import sqlalchemy as sa

        from tenants.clinics.models import MedicalUnit

        raw = select(sa.column("contact_phone", sa.LargeBinary)).select_from(MedicalUnit.__table__)
        return db.session.execute(raw).scalar()

    api("PATCH", f"/clinics/{created['id']}", json={"contact_phone": "13900139000"})
    assert b"13900139000" not in bytes(in_town(app, town, stored_phone))  # encrypted at rest

    with app.app_context():
        events = [(event.action, str(event.detail)) for event in db.session.scalars(
            select(AuditEvent).where(AuditEvent.record_type == "clinic_unit").order_by(AuditEvent.id))]
    actions = {action for action, _detail in events}
    assert {"clinic_unit.create", "clinic_unit.read", "clinic_unit.update"} <= actions
    assert "clinic_unit.list" not in actions  # a list of masked rows is not a read of a record
    assert all("13900139000" not in detail and "赵医生" not in detail for _action, detail in events)


def test_unit_api_errors(api):
    invalid = api("POST", "/clinics", json={"kind": "spa", "services": ["massage"]})
    assert invalid.status_code == 422 and set(invalid.get_json()["errors"]) == {"kind", "name", "services"}
    assert api("POST", "/clinics", json={"kind": "private", "name": "x", "colour": "red"}).status_code == 422
    nowhere = api("POST", "/clinics", json={"kind": "private", "name": "x", "village_id": 99999})
    assert nowhere.status_code == 422 and nowhere.get_json()["errors"]["village_id"] == ["No such village."]
    bad_phone = api("POST", "/clinics", json={"kind": "private", "name": "x", "contact_phone": "call me"})
    assert bad_phone.status_code == 422 and "contact_phone" in bad_phone.get_json()["errors"]
    assert api("POST", "/clinics", data="kind=private", content_type="text/plain").status_code == 400
    assert api("GET", "/clinics/99999").status_code == 404
    assert api("PATCH", "/clinics/99999", json={}).status_code == 404
    unit = add_unit(api)
    assert api("PATCH", f"/clinics/{unit['id']}", json={"kind": None}).status_code == 422
    assert api("GET", "/clinics/findings/99999").status_code == 404
    assert api("POST", "/clinics/findings/99999/transitions", json={"action": "close"}).status_code == 404
    assert api("GET", "/clinics/inspections/99999").status_code == 404
    assert api("DELETE", "/clinics/licences/99999").status_code == 404


# ---------------------------------------------------------------------------------------------------------
# Pages


def test_pages_record_a_private_clinic_and_show_its_finding(app, signed_in, town):
    form_url = url(town, "new")
    assert "Terminations of pregnancy" in signed_in.get(form_url).get_data(as_text=True)
    values = {"kind": "private", "name": "便民诊所", "address": "镇南街3号", "contact_name": "钱医生",
              "contact_phone": "13700137000", "services": ["termination", "outpatient"], "active": "y"}
    response = post_form(signed_in, form_url, values, token_from=form_url)
    assert response.status_code == 302
    record_url = response.headers["Location"]
    unit_id = int(record_url.rstrip("/").rsplit("/", 1)[1])
    page = signed_in.get(record_url).get_data(as_text=True)
    assert "13700137000" in page and "Not permitted for this kind of unit" in page
    assert "Add medical unit" in page and "Add finding" in page  # the history, in words
    assert "不得开展" in page

    # Saving the form again raises no second finding.
    edit_url = url(town, f"{unit_id}/edit")
    edit_form = signed_in.get(edit_url).get_data(as_text=True)
    assert 'value="termination" checked' in edit_form and "13700137000" in edit_form
    assert post_form(signed_in, edit_url, {**values, "name": "便民诊所二部"}, token_from=edit_url).status_code == 302
    findings = signed_in.get(url(town, "findings/")).get_data(as_text=True)
    assert findings.count("不得开展") == 1 and "便民诊所二部" in findings

    listing = signed_in.get(url(town)).get_data(as_text=True)
    assert "便民诊所二部" in listing and "*******7000" in listing and "13700137000" not in listing

    invalid = post_form(signed_in, form_url, {"kind": "", "name": "", "contact_phone": "abc"}, token_from=form_url)
    body = invalid.get_data(as_text=True)
    assert invalid.status_code == 422 and "This field is required." in body and "Not a valid phone number." in body

    # Take the service off, then rectify and close the finding on its page.
    post_form(signed_in, edit_url, {**values, "services": ["outpatient"]}, token_from=edit_url)
    finding_id = in_town(app, town, lambda: _finding_ids(unit_id))[0]
    finding_url = url(town, f"findings/{finding_id}")
    no_note = post_form(signed_in, f"{finding_url}/transition", {"action": "rectify", "note": ""},
                        token_from=finding_url)
    assert no_note.status_code == 422 and "Say how the finding was put right." in no_note.get_data(as_text=True)
    done = post_form(signed_in, f"{finding_url}/transition", {"action": "rectify", "note": "已停止该项服务"},
                     token_from=finding_url)
    assert done.status_code == 302
    closed = post_form(signed_in, f"{finding_url}/transition", {"action": "close"}, token_from=finding_url,
                       follow_redirects=True)
    assert "The finding is now: Closed." in closed.get_data(as_text=True)


def _finding_ids(unit_id):
    from tenants.clinics.models import Finding

    return list(db.session.scalars(select(Finding.id).where(Finding.unit_id == unit_id).order_by(Finding.id)))


def test_inspection_and_licence_forms(app, signed_in, api, town, today):
    unit = add_unit(api, kind="health_centre", name="城关镇卫生院")
    form_url = url(town, f"inspections/new?unit_id={unit['id']}")
    form = signed_in.get(form_url).get_data(as_text=True)
    assert "Ultrasound use register kept" in form and f'value="{unit["id"]}" selected' in form
    answers = {code: "pass" for code in CHECKLIST}
    missing = post_form(signed_in, form_url, {"unit_id": str(unit["id"]), "inspectors": "王主任",
                                              **{k: v for k, v in answers.items() if k != "notice_posted"}},
                        token_from=form_url)
    assert missing.status_code == 422 and "Answer every item of the checklist." in missing.get_data(as_text=True)
    saved = post_form(signed_in, form_url, {"unit_id": str(unit["id"]), "inspectors": "王主任",
                                            "inspection_date": today.isoformat(),
                                            **answers, "chromosome_testing": "fail",
                                            "chromosome_testing_note": "违规开展胎儿染色体检测"},
                      token_from=form_url, follow_redirects=True)
    page = saved.get_data(as_text=True)
    assert "Inspection saved; 1 findings raised." in page and "违规开展胎儿染色体检测" in page
    inspections = signed_in.get(url(town, "inspections/")).get_data(as_text=True)
    assert "Inspection coverage: 1 of 1 units in operation inspected in the period" in inspections

    licence_url = url(town, f"{unit['id']}/licences/new")
    added = post_form(signed_in, licence_url, {"kind": "practice", "number": "PDY-9", "issuer": "县卫生健康局",
                                               "valid_to": (today + timedelta(days=10)).isoformat()},
                      token_from=licence_url, follow_redirects=True)
    assert "Licence PDY-9 saved." in added.get_data(as_text=True)
    clash = post_form(signed_in, licence_url, {"kind": "practice", "number": "PDY-9", "issuer": "x"},
                      token_from=licence_url)
    assert clash.status_code == 409
    licence_id = api("GET", "/clinics/licences").get_json()["items"][0]["id"]
    edit_url = url(town, f"licences/{licence_id}/edit")
    assert "PDY-9" in signed_in.get(edit_url).get_data(as_text=True)
    assert post_form(signed_in, edit_url, {"kind": "practice", "number": "PDY-10", "issuer": "县卫生健康局"},
                     token_from=edit_url).status_code == 302
    deleted = post_form(signed_in, url(town, f"licences/{licence_id}/delete"), {}, token_from=edit_url,
                        follow_redirects=True)
    assert "Licence PDY-10 deleted." in deleted.get_data(as_text=True)
    history = signed_in.get(url(town, str(unit["id"]))).get_data(as_text=True)
    assert "clinic_licence.create" not in history  # the licence is gone; its trail stays with the audit administrator
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.record_type == "clinic_licence",
                                                                           AuditEvent.record_id == str(licence_id))))
    assert actions == {"clinic_licence.create", "clinic_licence.update", "clinic_licence.delete"}


def test_viewers_read_but_cannot_write(app, client, factory, town):
    records = factory.clinic_records(town)
    viewer = factory.user("clinics_viewer", "town_viewer", town)
    login(client, viewer)
    for path in ("", str(records["unit_id"]), "licences/", "inspections/", f"inspections/{records['inspection_id']}",
                 "findings/", f"findings/{records['finding_id']}"):
        assert client.get(url(town, path)).status_code == 200, path
    for path in ("new", f"{records['unit_id']}/edit", f"{records['unit_id']}/licences/new",
                 f"licences/{records['licence_id']}/edit", "inspections/new"):
        assert client.get(url(town, path)).status_code == 403, path
    for path in ("new", f"licences/{records['licence_id']}/delete", f"findings/{records['finding_id']}/transition",
                 f"findings/{records['finding_id']}/edit"):
        assert post_form(client, url(town, path), {"action": "close"}, token_from=url(town)).status_code == 403, path

    headers = bearer(factory.token(viewer))
    base = f"/api/v1/towns/{town.slug}/clinics"
    assert client.get(base, headers=headers).status_code == 200
    assert client.get(f"{base}/{records['unit_id']}", headers=headers).get_json()["contact_phone"] == "13900139000"
    licence = f"/licences/{records['licence_id']}"
    for method, path in (("POST", ""), ("PATCH", f"/{records['unit_id']}"), ("POST", "/licences"),
                         ("PATCH", licence), ("DELETE", licence),
                         ("POST", "/inspections"), ("PATCH", f"/findings/{records['finding_id']}"),
                         ("POST", f"/findings/{records['finding_id']}/transitions")):
        assert client.open(base + path, method=method, json={}, headers=headers).status_code == 403, path
