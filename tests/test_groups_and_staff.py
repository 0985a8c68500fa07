"""Village groups (村民小组) and village staff (村级工作人员): pages, API, validation, refusals, masking, audit.

Messages introduced with this work are checked in English (the session or Accept-Language asks for it),
so the tests hold before and after the Chinese catalog has them.
"""

from __future__ import annotations

import sqlite3
from types import SimpleNamespace

import pytest
from sqlalchemy import select, text

from renkou.audit.models import AuditEvent
from renkou.extensions import db
from tests.conftest import bearer, in_town, login, post_form

PHONE = "13800138000"
MASKED = "*******8000"


@pytest.fixture
def village(factory, town):
    return factory.village(town, "201", "城关村")


@pytest.fixture
def signed_in(client, town):
    login(client, town.admin_username)
    client.get("/lang/en")
    return client


def url(town, path=""):
    return f"/t/{town.slug}/{path}"


def groups_of(app, town):
    from tenants.network.models import VillageGroup

    return in_town(app, town, lambda: [(g.village_id, g.code, g.name) for g in
                                       db.session.scalars(select(VillageGroup).order_by(VillageGroup.id))])


def staff_of(app, town):
    from tenants.network.models import VillageStaff

    return in_town(app, town, lambda: [(s.name, s.position, s.phone, s.active) for s in
                                       db.session.scalars(select(VillageStaff).order_by(VillageStaff.id))])


def audit_events(app, record_type):
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.record_type == record_type)
                                    .order_by(AuditEvent.id))
        return [SimpleNamespace(action=event.action, detail=event.detail, record_id=event.record_id,
                                town_code=event.town_code) for event in events]


# ---------------------------------------------------------------------------------------------------------
# Village groups in the browser


def test_group_create_edit_delete_in_the_browser(app, signed_in, town, village):
    client = signed_in
    new_url = url(town, "groups/new")
    assert f'value="{village}" selected' in client.get(f"{new_url}?village_id={village}").get_data(as_text=True)
    response = post_form(client, new_url, {"village_id": village, "code": "001", "name": "一组"}, token_from=new_url)
    assert response.status_code == 302 and f"village_id={village}" in response.headers["Location"]
    listing = client.get(url(town, f"groups/?village_id={village}")).get_data(as_text=True)
    assert "<td>一组</td>" in listing and town.code + "201001" in listing

    [(group_village, code, name)] = groups_of(app, town)
    assert (group_village, code, name) == (village, "001", "一组")
    from tenants.network.models import VillageGroup

    group_id = in_town(app, town, lambda: db.session.scalar(select(VillageGroup.id)))
    edit_url = url(town, f"groups/{group_id}/edit")
    assert 'value="一组"' in client.get(edit_url).get_data(as_text=True)
    response = post_form(client, edit_url, {"village_id": village, "code": "002", "name": "二组"}, token_from=edit_url)
    assert response.status_code == 302
    assert groups_of(app, town) == [(village, "002", "二组")]

    response = post_form(client, url(town, f"groups/{group_id}/delete"), {}, token_from=url(town, "groups/"))
    assert response.status_code == 302
    assert groups_of(app, town) == []
    events = audit_events(app, "group")
    assert [event.action for event in events] == ["group.create", "group.update", "group.delete"]
    assert events[1].detail == {"fields": ["code", "name"]}


@pytest.mark.parametrize(
    ("code", "message"),
    [("12", "exactly 3 digits"), ("1234", "exactly 3 digits"), ("00a", "exactly 3 digits"), ("000", "000"),
     ("", "required")],
)
def test_bad_group_codes_are_explained_per_field_and_nothing_is_written(app, signed_in, town, village, code,
                                                                        message):
    new_url = url(town, "groups/new")
    response = post_form(signed_in, new_url, {"village_id": village, "code": code, "name": "坏组"}, token_from=new_url)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = page[page.find('id="e-code"'):]
    assert 'id="e-code"' in page and message in error[:200], error[:300]
    assert 'value="坏组"' in page and f'value="{village}" selected' in page
    assert groups_of(app, town) == []


def test_missing_name_and_village_are_reported_on_their_fields(app, signed_in, town, village):
    new_url = url(town, "groups/new")
    response = post_form(signed_in, new_url, {"village_id": "", "code": "001", "name": ""}, token_from=new_url)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="e-village_id"' in page and 'id="e-name"' in page and 'id="e-code"' not in page
    assert 'value="001"' in page
    unknown = post_form(signed_in, new_url, {"village_id": "999999", "code": "001", "name": "一组"},
                        token_from=new_url)
    assert unknown.status_code == 422 and 'id="e-village_id"' in unknown.get_data(as_text=True)
    assert groups_of(app, town) == []


def test_group_codes_are_unique_within_a_village_only(app, signed_in, factory, town, village):
    other_village = factory.village(town, "202", "河东村")
    factory.group(town, village, "001", "一组")
    new_url = url(town, "groups/new")
    duplicate = post_form(signed_in, new_url, {"village_id": village, "code": "001", "name": "重复组"},
                          token_from=new_url)
    assert duplicate.status_code == 409
    page = duplicate.get_data(as_text=True)
    assert "already has a group with code 001" in page[page.find('id="e-code"'):]
    assert 'value="重复组"' in page
    elsewhere = post_form(signed_in, new_url, {"village_id": other_village, "code": "001", "name": "河东一组"},
                          token_from=new_url)
    assert elsewhere.status_code == 302
    assert sorted(groups_of(app, town)) == sorted([(village, "001", "一组"), (other_village, "001", "河东一组")])


def test_editing_a_group_onto_a_taken_code_is_a_conflict(app, signed_in, factory, town, village):
    factory.group(town, village, "001", "一组")
    second = factory.group(town, village, "002", "二组")
    edit_url = url(town, f"groups/{second}/edit")
    response = post_form(signed_in, edit_url, {"village_id": village, "code": "001", "name": "二组"},
                         token_from=edit_url)
    assert response.status_code == 409 and 'id="e-code"' in response.get_data(as_text=True)
    keep = post_form(signed_in, edit_url, {"village_id": village, "code": "002", "name": "第二组"}, token_from=edit_url)
    assert keep.status_code == 302  # its own code is no conflict
    assert groups_of(app, town)[1] == (village, "002", "第二组")


def test_a_group_households_belong_to_is_not_deleted(app, signed_in, client, factory, town, village, api):
    group = factory.group(town, village, "001", "一组")
    factory.household(town, "H-001", village_id=village, group_id=group)
    response = post_form(signed_in, url(town, f"groups/{group}/delete"), {}, token_from=url(town, "groups/"),
                         follow_redirects=True)
    assert response.status_code == 200
    assert "1 households belong to this group" in response.get_data(as_text=True)
    assert groups_of(app, town) == [(village, "001", "一组")]
    refused = api("DELETE", f"/groups/{group}")
    assert refused.status_code == 409 and "move them to another group" in refused.get_json()["errors"]["_schema"][0]
    assert [event.action for event in audit_events(app, "group")] == ["group.create"]


def test_a_group_with_households_does_not_move_to_another_village(app, factory, town, village, api):
    other_village = factory.village(town, "202", "河东村")
    group = factory.group(town, village, "001", "一组")
    empty = factory.group(town, village, "002", "二组")
    factory.household(town, "H-001", village_id=village, group_id=group)
    refused = api("PATCH", f"/groups/{group}", json={"village_id": other_village})
    assert refused.status_code == 409 and set(refused.get_json()["errors"]) == {"village_id"}
    moved = api("PATCH", f"/groups/{empty}", json={"village_id": other_village})
    assert moved.status_code == 200
    assert moved.get_json()["village_name"] == "河东村" and moved.get_json()["full_code"] == town.code + "202002"


def test_villages_list_their_groups_and_staff(app, signed_in, factory, town, village):
    factory.group(town, village, "001", "一组")
    factory.group(town, village, "002", "二组")
    factory.staff(town, village, name="李四")
    factory.staff(town, factory.village(town, "202", "河东村"), name="王五")
    listing = signed_in.get(url(town, "villages/")).get_data(as_text=True)
    assert f'href="/t/{town.slug}/groups/?village_id={village}">2</a>' in listing
    assert f'href="/t/{town.slug}/staff/?village_id={village}">1</a>' in listing
    groups = signed_in.get(url(town, f"groups/?village_id={village}")).get_data(as_text=True)
    assert "一组" in groups and "二组" in groups
    staff = signed_in.get(url(town, f"staff/?village_id={village}")).get_data(as_text=True)
    assert "李四" in staff and "王五" not in staff


def test_group_list_searches_and_survives_nonsense(app, signed_in, factory, town, village):
    factory.group(town, village, "001", "东一组")
    factory.group(town, village, "002", "西二组")
    found = signed_in.get(url(town, "groups/?q=西")).get_data(as_text=True)
    assert "西二组" in found and "东一组" not in found
    descending = signed_in.get(url(town, "groups/?sort=-code")).get_data(as_text=True)
    assert descending.index("西二组") < descending.index("东一组")
    assert signed_in.get(url(town, "groups/?village_id=abc&page=x&sort=drop")).status_code == 200
    assert signed_in.get(url(town, "groups/999999/edit")).status_code == 404


# ---------------------------------------------------------------------------------------------------------
# Deleting a village is refused while anything refers to it


@pytest.mark.parametrize("kind", ["group", "staff", "household"])
def test_a_village_in_use_is_not_deleted(app, signed_in, factory, town, village, api, kind):
    if kind == "group":
        factory.group(town, village)
    elif kind == "staff":
        factory.staff(town, village)
    else:
        factory.household(town, "H-001", village_id=village)
    response = post_form(signed_in, url(town, f"villages/{village}/delete"), {}, token_from=url(town, "villages/"),
                         follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "The village still has 1" in page and "<td>城关村</td>" in page
    refused = api("DELETE", f"/villages/{village}")
    assert refused.status_code == 409 and "still has 1" in refused.get_json()["errors"]["_schema"][0]
    assert api("GET", f"/villages/{village}").status_code == 200
    assert [event.action for event in audit_events(app, "village")] == ["village.create"]


def test_an_empty_village_is_deleted(app, factory, town, village, api):
    group = factory.group(town, village)
    assert api("DELETE", f"/groups/{group}").status_code == 204
    assert api("DELETE", f"/villages/{village}").status_code == 204


# ---------------------------------------------------------------------------------------------------------
# Village staff in the browser


def test_staff_create_read_edit_deactivate_delete(app, signed_in, town, village):
    client = signed_in
    new_url, list_url = url(town, "staff/new"), url(town, "staff/")
    response = post_form(client, new_url, {"village_id": village, "name": "李四", "position": "村计生专干",
                                           "duties": "育龄妇女服务", "phone": PHONE}, token_from=new_url)
    assert response.status_code == 302
    record_url = response.headers["Location"]
    staff_id = int(record_url.rstrip("/").rsplit("/", 1)[1])
    assert staff_of(app, town) == [("李四", "村计生专干", PHONE, True)]

    listing = client.get(url(town, "staff/")).get_data(as_text=True)
    assert "李四" in listing and "育龄妇女服务" in listing and MASKED in listing and PHONE not in listing
    record = client.get(record_url).get_data(as_text=True)
    assert PHONE in record
    from sqlalchemy import select

    from renkou.audit.models import AuditEvent
    from renkou.extensions import db

    with app.app_context():  # the read is audited (the page's history lists changes only)
        reads = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action == "staff.read")).all()
    assert reads

    edit_url = url(town, f"staff/{staff_id}/edit")
    assert f'value="{PHONE}"' in client.get(edit_url).get_data(as_text=True)
    response = post_form(client, edit_url, {"village_id": village, "name": "李四", "position": "网格员",
                                            "duties": "", "phone": ""}, token_from=list_url)
    assert response.status_code == 302
    assert staff_of(app, town) == [("李四", "网格员", None, True)]

    response = post_form(client, url(town, f"staff/{staff_id}/deactivate"), {}, token_from=list_url)
    assert response.status_code == 302
    assert staff_of(app, town)[0][3] is False
    # Editing other fields leaves them deactivated.
    post_form(client, edit_url, {"village_id": village, "name": "李四", "position": "网格员"}, token_from=list_url)
    assert staff_of(app, town)[0][3] is False
    current = client.get(url(town, "staff/?active=true")).get_data(as_text=True)
    former = client.get(url(town, "staff/?active=false")).get_data(as_text=True)
    assert ">李四</a>" not in current and ">李四</a>" in former
    post_form(client, url(town, f"staff/{staff_id}/activate"), {}, token_from=list_url)
    assert staff_of(app, town)[0][3] is True

    response = post_form(client, url(town, f"staff/{staff_id}/delete"), {}, token_from=list_url)
    assert response.status_code == 302 and staff_of(app, town) == []
    events = audit_events(app, "staff")
    assert [event.action for event in events] == [
        "staff.create", "staff.read", "staff.read", "staff.update", "staff.deactivate", "staff.update",
        "staff.activate", "staff.delete"]  # the record page and the edit form both show the full phone
    assert events[3].detail == {"fields": ["position", "duties", "phone"]}
    for event in events:
        assert PHONE not in str(event.detail) and "李四" not in str(event.detail)


def test_bad_staff_input_is_explained_per_field_and_nothing_is_written(app, signed_in, town, village):
    new_url = url(town, "staff/new")
    response = post_form(signed_in, new_url, {"village_id": village, "name": "李四", "position": "",
                                              "duties": "服务", "phone": "call me"}, token_from=new_url)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="e-position"' in page and 'id="e-phone"' in page and 'id="e-name"' not in page
    assert "Not a valid phone number" in page
    assert 'value="李四"' in page and 'value="call me"' in page and ">服务</textarea>" in page
    too_long = post_form(signed_in, new_url, {"village_id": village, "name": "李四", "position": "专干",
                                              "duties": "长" * 501}, token_from=new_url)
    assert too_long.status_code == 422 and 'id="e-duties"' in too_long.get_data(as_text=True)
    assert staff_of(app, town) == []


def test_staff_phone_is_encrypted_at_rest(app, factory, town, village):
    factory.staff(town, village, phone=PHONE)
    engines = app.extensions["renkou.town_engines"]
    if engines.is_sqlite:
        with sqlite3.connect(engines.town_file(town.code)) as connection:
            [(stored,)] = connection.execute("SELECT phone FROM village_staff").fetchall()
    else:
        with app.app_context(), db.engine.connect() as connection:
            [(stored,)] = connection.execute(text(f'SELECT phone FROM "town_{town.code}".village_staff')).fetchall()
    assert PHONE.encode() not in bytes(stored)


# ---------------------------------------------------------------------------------------------------------
# The API


def test_group_api_crud(app, factory, town, village, api):
    created = api("POST", "/groups", json={"village_id": village, "code": " 001 ", "name": " 一组 "})
    assert created.status_code == 201
    group = created.get_json()
    assert (group["code"], group["name"], group["full_code"], group["village_name"]) == (
        "001", "一组", town.code + "201001", "城关村")
    assert api("GET", f"/groups/{group['id']}").get_json()["name"] == "一组"
    patched = api("PATCH", f"/groups/{group['id']}", json={"name": "第一组"})
    assert patched.status_code == 200 and patched.get_json()["name"] == "第一组"
    api("POST", "/groups", json={"village_id": factory.village(town, "202", "河东村"), "code": "001", "name": "x"})
    listed = api("GET", f"/groups?village_id={village}").get_json()
    assert listed["meta"]["total"] == 1 and listed["items"][0]["name"] == "第一组"
    assert api("GET", "/groups?q=x").get_json()["meta"]["total"] == 1
    assert api("DELETE", f"/groups/{group['id']}").status_code == 204
    assert api("GET", f"/groups/{group['id']}").status_code == 404


def test_group_api_errors(app, factory, town, village, api):
    factory.group(town, village, "001", "一组")
    invalid = api("POST", "/groups", json={"village_id": village, "code": "1", "name": ""})
    assert invalid.status_code == 422 and set(invalid.get_json()["errors"]) == {"code", "name"}
    missing = api("POST", "/groups", json={"code": "002", "name": "二组"})
    assert missing.status_code == 422 and set(missing.get_json()["errors"]) == {"village_id"}
    zeros = api("POST", "/groups", json={"village_id": village, "code": "000", "name": "零组"})
    assert zeros.status_code == 422 and "000" in zeros.get_json()["errors"]["code"][0]
    nowhere = api("POST", "/groups", json={"village_id": 999999, "code": "002", "name": "二组"})
    assert nowhere.status_code == 422 and set(nowhere.get_json()["errors"]) == {"village_id"}
    duplicate = api("POST", "/groups", json={"village_id": village, "code": "001", "name": "重复"})
    assert duplicate.status_code == 409 and set(duplicate.get_json()["errors"]) == {"code"}
    unknown = api("POST", "/groups", json={"village_id": village, "code": "003", "name": "三组", "colour": "red"})
    assert unknown.status_code == 422 and "colour" in unknown.get_json()["errors"]
    assert api("PATCH", "/groups/999999", json={"name": "x"}).status_code == 404
    assert api("POST", "/groups", data="not json").status_code == 400
    assert len(groups_of(app, town)) == 1


def test_staff_api_crud_masks_phones_and_audits_reads(app, town, village, api):
    created = api("POST", "/staff", json={"village_id": village, "name": "李四", "position": "村计生专干",
                                          "duties": "随访", "phone": PHONE})
    assert created.status_code == 201
    staff = created.get_json()
    assert staff["phone"] == MASKED and staff["active"] is True and staff["village_name"] == "城关村"
    listed = api("GET", "/staff").get_json()
    assert listed["meta"]["total"] == 1 and listed["items"][0]["phone"] == MASKED
    assert PHONE not in str(listed)
    one = api("GET", f"/staff/{staff['id']}")
    assert one.status_code == 200 and one.get_json()["phone"] == PHONE
    reads = [event for event in audit_events(app, "staff") if event.action == "staff.read"]
    assert len(reads) == 1 and reads[0].record_id == str(staff["id"]) and reads[0].town_code == town.code

    patched = api("PATCH", f"/staff/{staff['id']}", json={"active": False, "duties": "入户随访"})
    assert patched.status_code == 200 and patched.get_json()["active"] is False
    assert api("GET", "/staff?active=true").get_json()["meta"]["total"] == 0
    assert api("GET", "/staff?active=false").get_json()["meta"]["total"] == 1
    assert api("GET", "/staff?q=入户").get_json()["meta"]["total"] == 1
    assert api("DELETE", f"/staff/{staff['id']}").status_code == 204
    assert api("GET", f"/staff/{staff['id']}").status_code == 404


def test_staff_api_errors(app, town, village, api):
    invalid = api("POST", "/staff", json={"village_id": village, "name": "李四", "phone": "12"})
    assert invalid.status_code == 422 and set(invalid.get_json()["errors"]) == {"position", "phone"}
    nowhere = api("POST", "/staff", json={"village_id": 999999, "name": "李四", "position": "专干"})
    assert nowhere.status_code == 422 and set(nowhere.get_json()["errors"]) == {"village_id"}
    typed = api("POST", "/staff", json={"village_id": village, "name": "李四", "position": "专干", "active": "maybe"})
    assert typed.status_code == 422 and set(typed.get_json()["errors"]) == {"active"}
    assert api("PATCH", "/staff/999999", json={"name": "x"}).status_code == 404
    assert staff_of(app, town) == []


# ---------------------------------------------------------------------------------------------------------
# Viewers read, never write


def test_viewers_read_but_never_write(app, client, factory, town, village):
    group = factory.group(town, village, "001", "一组")
    staff = factory.staff(town, village, phone=PHONE)
    factory.user("reader", "town_viewer", town)
    login(client, "reader")
    assert client.get(url(town, "groups/")).status_code == 200
    listing = client.get(url(town, "staff/")).get_data(as_text=True)
    assert MASKED in listing and PHONE not in listing
    assert f'href="/t/{town.slug}/groups/new' not in client.get(url(town, "groups/")).get_data(as_text=True)
    for path in ("groups/new", f"groups/{group}/edit", "staff/new", f"staff/{staff}/edit"):
        assert client.get(url(town, path)).status_code == 403, path
    for path in ("groups/new", f"groups/{group}/edit", f"groups/{group}/delete", "staff/new",
                 f"staff/{staff}/edit", f"staff/{staff}/deactivate", f"staff/{staff}/activate",
                 f"staff/{staff}/delete"):
        assert post_form(client, url(town, path), {"name": "x"}, token_from=url(town, "groups/")).status_code == 403

    headers = bearer(factory.token("reader"))
    base = f"/api/v1/towns/{town.slug}"
    assert client.get(f"{base}/groups", headers=headers).status_code == 200
    assert client.post(f"{base}/groups", json={"village_id": village, "code": "002", "name": "二组"},
                       headers=headers).status_code == 403
    assert client.patch(f"{base}/groups/{group}", json={"name": "x"}, headers=headers).status_code == 403
    assert client.delete(f"{base}/groups/{group}", headers=headers).status_code == 403
    assert client.post(f"{base}/staff", json={"village_id": village, "name": "x", "position": "y"},
                       headers=headers).status_code == 403
    assert client.patch(f"{base}/staff/{staff}", json={"active": False}, headers=headers).status_code == 403
    assert client.delete(f"{base}/staff/{staff}", headers=headers).status_code == 403
    assert groups_of(app, town) == [(village, "001", "一组")]
    assert staff_of(app, town) == [("李四", "村计生专干", PHONE, True)]
