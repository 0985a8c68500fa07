"""Households and people: encryption at rest, look-up by full ID only, masking, audit, derived lists."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from sqlalchemy import select, text

from renkou.audit.models import AuditEvent
from renkou.extensions import db
from tests.conftest import bearer, login, post_form

ID_A = "11010519491231002X"  # woman, born 1949-12-31
ID_B = "34052419800101001X"  # man, born 1980-01-01


@pytest.fixture
def signed_in(client, town):
    login(client, town.admin_username)
    return client


def people_url(town, suffix=""):
    return f"/t/{town.slug}/people/{suffix}"


def raw_people_rows(app, town):
    engines = app.extensions["renkou.town_engines"]
    if engines.is_sqlite:
        with sqlite3.connect(engines.town_file(town.code)) as connection:
            return connection.execute("SELECT name, resident_id, resident_id_index, phone FROM people").fetchall()
    with app.app_context(), db.engine.connect() as connection:
        return connection.execute(
            text(f'SELECT name, resident_id, resident_id_index, phone FROM "town_{town.code}".people')).fetchall()


def test_resident_id_and_phone_are_encrypted_at_rest(app, factory, town):
    factory.person(town, name="李梅", resident_id=ID_A, phone="13800138000")
    [(name, stored_id, index, phone)] = raw_people_rows(app, town)
    assert name == "李梅"
    assert ID_A.encode() not in bytes(stored_id) and b"13800138000" not in bytes(phone)
    assert ID_A not in index and len(index) == 64


def test_the_same_id_has_different_ciphertext_and_index_in_another_town(app, factory, town):
    other = factory.town()
    factory.person(town, name="甲", resident_id=ID_A)
    factory.person(other, name="乙", resident_id=ID_A)
    [(_, cipher_a, index_a, _)] = raw_people_rows(app, town)
    [(_, cipher_b, index_b, _)] = raw_people_rows(app, other)
    assert bytes(cipher_a) != bytes(cipher_b) and index_a != index_b


def test_id_number_fills_in_birth_date_and_sex_and_must_agree_with_them(app, signed_in, town):
    response = post_form(signed_in, people_url(town, "new"), {"name": "李梅", "resident_id": ID_A},
                         token_from=people_url(town, "new"))
    assert response.status_code == 302
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "1949-12-31" in page and "女" in page
    mismatch = post_form(signed_in, people_url(town, "new"),
                         {"name": "王五", "resident_id": ID_B, "sex": "F", "birth_date": "1981-01-01"},
                         token_from=people_url(town, "new"))
    assert mismatch.status_code == 422
    body = mismatch.get_data(as_text=True)
    assert "出生日期与身份证号码不一致" in body and "性别与身份证号码不一致" in body
    assert 'value="王五"' in body


def test_invalid_and_duplicate_ids_are_refused(app, signed_in, factory, town):
    factory.person(town, name="李梅", resident_id=ID_A)
    bad = post_form(signed_in, people_url(town, "new"), {"name": "错号", "resident_id": "110105194912310021"},
                    token_from=people_url(town, "new"))
    assert bad.status_code == 422 and "校验位" in bad.get_data(as_text=True)
    duplicate = post_form(signed_in, people_url(town, "new"), {"name": "重号", "resident_id": ID_A.lower()},
                          token_from=people_url(town, "new"))
    assert duplicate.status_code == 409 and "已登记" in duplicate.get_data(as_text=True)
    assert len(raw_people_rows(app, town)) == 1


def test_search_finds_by_name_or_full_id_and_never_by_part_of_an_id(app, signed_in, factory, town):
    factory.person(town, name="李梅", resident_id=ID_A)
    factory.person(town, name="王强", resident_id=ID_B)
    by_name = signed_in.get(people_url(town) + "?q=李").get_data(as_text=True)
    assert "李梅" in by_name and "王强" not in by_name
    # By ID number the search is a POST (no URL carries the number); finding the person opens their page.
    by_id = post_form(signed_in, people_url(town), {"q": ID_B}, token_from=people_url(town), follow_redirects=True)
    assert "王强" in by_id.get_data(as_text=True) and "李梅" not in by_id.get_data(as_text=True)
    assert by_id.request.path != people_url(town) and ID_B not in by_id.request.url
    for part in (ID_A[:6], ID_A[6:14], ID_A[-4:], ID_A[:17]):
        page = post_form(signed_in, people_url(town), {"q": part}, token_from=people_url(town)).get_data(as_text=True)
        assert "李梅" not in page, f"part {part} matched"
    refused = signed_in.get(people_url(town) + f"?q={ID_B}")
    assert refused.status_code == 422 and "王强" not in refused.get_data(as_text=True)


def test_lists_mask_ids_and_only_an_audited_reveal_shows_them(app, signed_in, factory, town):
    person_id = factory.person(town, name="李梅", resident_id=ID_A)
    listing = signed_in.get(people_url(town)).get_data(as_text=True)
    assert ID_A not in listing and "110105********002X" in listing
    record = signed_in.get(people_url(town, str(person_id))).get_data(as_text=True)
    assert ID_A not in record
    revealed = post_form(signed_in, people_url(town, f"{person_id}/reveal"), {},
                         token_from=people_url(town, str(person_id)))
    assert ID_A in revealed.get_data(as_text=True)
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.record_id == str(person_id),
                                                                     AuditEvent.record_type == "person")).all()
    assert {"person.create", "person.read", "person.reveal_id"} <= set(actions)


def test_viewers_see_masked_ids_only(app, client, factory, town):
    person_id = factory.person(town, name="李梅", resident_id=ID_A)
    factory.user("reader", "town_viewer", town)
    login(client, "reader")
    record = client.get(people_url(town, str(person_id))).get_data(as_text=True)
    assert ID_A not in record and "显示完整号码" not in record
    assert post_form(client, people_url(town, f"{person_id}/reveal"), {},
                     token_from=people_url(town, str(person_id))).status_code == 403
    token = factory.token("reader")
    api = client.get(f"/api/v1/towns/{town.slug}/people/{person_id}?reveal=resident_id", headers=bearer(token))
    assert api.status_code == 403


def test_record_page_shows_its_history(app, signed_in, factory, town):
    person_id = factory.person(town, name="李梅", resident_id=ID_A)
    edit_url = people_url(town, f"{person_id}/edit")
    post_form(signed_in, edit_url, {"name": "李梅", "marital_status": "married", "relation": "spouse"},
              token_from=edit_url)
    page = signed_in.get(people_url(town, str(person_id))).get_data(as_text=True)
    assert "修改人员" in page and "婚姻状况" in page and "新增人员" in page
    assert "已婚" in page
    # The blank ID field kept the stored number.
    assert "110105********002X" in page


def test_women_of_childbearing_age_is_derived_on_a_chosen_date(app, signed_in, factory, town):
    factory.person(town, name="十五岁", sex="F", birth_date=date(2011, 6, 1))
    factory.person(town, name="四十九岁", sex="F", birth_date=date(1977, 6, 2), marital_status="married")
    factory.person(town, name="五十岁", sex="F", birth_date=date(1976, 6, 1))
    factory.person(town, name="男子", sex="M", birth_date=date(1990, 1, 1))
    url = people_url(town, "childbearing-age") + "?as_of=2026-06-01"
    page = signed_in.get(url).get_data(as_text=True)
    assert "十五岁" in page and "四十九岁" in page
    assert "五十岁" not in page and "男子" not in page
    married = signed_in.get(url + "&married=1").get_data(as_text=True)
    assert "四十九岁" in married and "十五岁" not in married
    earlier = signed_in.get(people_url(town, "childbearing-age") + "?as_of=2026-05-31").get_data(as_text=True)
    assert "十五岁" not in earlier


def test_household_with_members(app, signed_in, factory, town):
    village = factory.village(town, "201", "城关村")
    response = post_form(signed_in, f"/t/{town.slug}/households/new",
                         {"number": "CG-001", "village_id": str(village), "address": "城关村一组3号"},
                         token_from=f"/t/{town.slug}/households/new")
    assert response.status_code == 302
    household_url = response.headers["Location"]
    household_id = int(household_url.rstrip("/").rsplit("/", 1)[1])
    post_form(signed_in, people_url(town, "new"), {"name": "李梅", "resident_id": ID_A, "relation": "head",
                                                   "household_id": str(household_id)},
              token_from=people_url(town, "new"))
    page = signed_in.get(household_url).get_data(as_text=True)
    assert "李梅" in page and "户主" in page and ID_A not in page
    listing = signed_in.get(f"/t/{town.slug}/households/").get_data(as_text=True)
    assert "CG-001" in listing and "李梅" in listing
    refused = post_form(signed_in, f"/t/{town.slug}/households/{household_id}/delete", {},
                        token_from=household_url, follow_redirects=True)
    assert "仍有家庭成员" in refused.get_data(as_text=True)
    duplicate = post_form(signed_in, f"/t/{town.slug}/households/new",
                          {"number": "CG-001", "village_id": str(village), "address": "别处"},
                          token_from=f"/t/{town.slug}/households/new")
    assert duplicate.status_code == 409


def test_people_filters_by_village_age_and_status(app, signed_in, factory, town):
    village_a = factory.village(town, "201", "甲村")
    village_b = factory.village(town, "202", "乙村")
    house_a = factory.household(town, "A1", village_id=village_a)
    house_b = factory.household(town, "B1", village_id=village_b)
    factory.person(town, name="甲村人", household_id=house_a, birth_date=date(2000, 1, 1))
    factory.person(town, name="乙村人", household_id=house_b, birth_date=date(1950, 1, 1))
    by_village = signed_in.get(people_url(town) + f"?village_id={village_a}").get_data(as_text=True)
    assert "甲村人" in by_village and "乙村人" not in by_village
    by_age = signed_in.get(people_url(town) + "?age_min=60").get_data(as_text=True)
    assert "乙村人" in by_age and "甲村人" not in by_age
    moved = signed_in.get(people_url(town) + "?status=moved_out").get_data(as_text=True)
    assert "甲村人" not in moved


def test_people_api(app, client, factory, town):
    headers = bearer(factory.token(town.admin_username))
    base = f"/api/v1/towns/{town.slug}/people"
    created = client.post(base, json={"name": "李梅", "resident_id": ID_A, "phone": "13800138000"}, headers=headers)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["resident_id"] == "110105********002X" and body["birth_date"] == "1949-12-31" and body["sex"] == "F"
    person_id = body["id"]
    assert client.get(f"{base}/{person_id}", headers=headers).get_json()["resident_id"] != ID_A
    full = client.get(f"{base}/{person_id}?reveal=resident_id", headers=headers).get_json()
    assert full["resident_id"] == ID_A
    assert client.get(f"{base}?q={ID_A}", headers=headers).status_code == 422  # never in a URL
    found = client.post(f"{base}/search", json={"q": ID_A}, headers=headers).get_json()
    assert found["meta"]["total"] == 1 and found["items"][0]["resident_id"] == "110105********002X"
    patched = client.patch(f"{base}/{person_id}", json={"marital_status": "married"}, headers=headers)
    assert patched.status_code == 200 and patched.get_json()["marital_status"] == "married"
    assert client.get(f"{base}/{person_id}?reveal=resident_id", headers=headers).get_json()["resident_id"] == ID_A
    duplicate = client.post(base, json={"name": "重号", "resident_id": ID_A}, headers=headers)
    assert duplicate.status_code == 409 and "resident_id" in duplicate.get_json()["errors"]
    invalid = client.post(base, json={"name": "", "sex": "X", "birth_date": "not a date"}, headers=headers)
    assert invalid.status_code == 422
    assert {"name", "sex", "birth_date"} <= set(invalid.get_json()["errors"])
    missing = client.post(base, json={"name": "无号"}, headers=headers)
    assert missing.status_code == 422 and {"sex", "birth_date"} <= set(missing.get_json()["errors"])
    assert client.delete(f"{base}/{person_id}", headers=headers).status_code == 204
    assert client.get(f"{base}/{person_id}", headers=headers).status_code == 404


def test_households_api(app, client, factory, town):
    headers = bearer(factory.token(town.admin_username))
    village = factory.village(town, "201", "城关村")
    base = f"/api/v1/towns/{town.slug}/households"
    created = client.post(base, json={"number": "H-1", "village_id": village, "address": "一号"}, headers=headers)
    assert created.status_code == 201 and created.get_json()["village_name"] == "城关村"
    assert client.post(base, json={"number": "H-1", "village_id": village, "address": "二号"},
                       headers=headers).status_code == 409
    assert client.post(base, json={"number": "H-2", "village_id": 9999, "address": "二号"},
                       headers=headers).status_code == 422
    listed = client.get(base, headers=headers).get_json()
    assert listed["meta"]["total"] == 1
