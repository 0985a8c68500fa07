"""The association (计生协会): member homes, member groups, members and liaison households, with hand-made
data and known answers: liaison coverage per village and for the town, the rules of members and
liaisons (a duplicate member number is a clear error), the members import (dry run and commit with bad
rows), masked and audited exports, the API and the pages.

Messages new with this work are checked in English (the session or Accept-Language asks for it), so the
tests hold before and after the Chinese catalog has them. Every test taking ``app`` runs on PostgreSQL
and on SQLite.
"""

from __future__ import annotations

import io
from datetime import date
from types import SimpleNamespace

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import LargeBinary, func, inspect, select, type_coerce

from renkou.audit.models import AuditEvent
from renkou.extensions import db
from tests.conftest import bearer, in_town, login, post_form

PHONE, MASKED_PHONE = "13800138000", "*******8000"
RESIDENT_ID = "11010519491231002X"
DUPLICATE_NUMBER = "A member with this number already exists in the town."


@pytest.fixture
def signed_in(client, town):
    login(client, town.admin_username)
    client.get("/lang/en")
    return client


def url(town, path=""):
    return f"/t/{town.slug}/association/{path}"


@pytest.fixture
def place(factory, town):
    """Three villages: 城关村 with households A1–A4, 河西村 with B1–B2, 新村 with none; a registry person 李梅
    (with an ID number) in household A1."""
    villages = SimpleNamespace(a=factory.village(town, "201", "城关村"), b=factory.village(town, "202", "河西村"),
                               c=factory.village(town, "203", "新村"))
    households = {number: factory.household(town, number, village_id=village)
                  for number, village in (("A1", villages.a), ("A2", villages.a), ("A3", villages.a),
                                          ("A4", villages.a), ("B1", villages.b), ("B2", villages.b))}
    person = factory.person(town, name="李梅", resident_id=RESIDENT_ID, household_id=households["A1"])
    return SimpleNamespace(villages=villages, households=households, person=person)


def created(response, status=201):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def add_member(api, number, **values):
    values.setdefault("joined_on", "2024-01-01")
    if "person_id" not in values:
        values.setdefault("name", f"会员{number}")
    return created(api("POST", "/association/members", json={"member_number": number, **values}))


def assign(api, member_id, household_ids, start, end=None, status=201):
    body = {"member_id": member_id, "household_ids": household_ids, "start_date": start}
    if end:
        body["end_date"] = end
    return created(api("POST", "/association/liaisons", json=body), status)


def events(app, town, record_type):
    return in_town(app, town, lambda: [SimpleNamespace(action=e.action, detail=e.detail, record_id=e.record_id)
                                       for e in db.session.scalars(select(AuditEvent).where(
                                           AuditEvent.record_type == record_type).order_by(AuditEvent.id))])


def member_count(app, town) -> int:
    from tenants.association.models import Member

    return in_town(app, town, lambda: db.session.scalar(select(func.count()).select_from(Member)))


# ---------------------------------------------------------------------------------------------------------
# Storage


def test_migration_matches_the_models_with_named_constraints(app, factory, town):
    """The tables the migration made have the models' columns, keys, indexes and constraint names."""
    from renkou.db import town_schema
    from renkou.extensions import town_metadata

    engines = app.extensions["renkou.town_engines"]
    with app.app_context(), engines.town_connection(town.code) as connection:
        schema = None if engines.is_sqlite else town_schema(town.code)
        inspector = inspect(connection)
        for name in ("association_homes", "association_groups", "association_members", "association_liaisons"):
            model = town_metadata.tables[name]
            assert {c["name"] for c in inspector.get_columns(name, schema=schema)} == set(model.columns.keys())
            assert {fk["name"] for fk in inspector.get_foreign_keys(name, schema=schema)} == {
                fk.name for fk in model.foreign_key_constraints}
            unique = {uq["name"] for uq in inspector.get_unique_constraints(name, schema=schema)}
            assert unique == {c.name for c in model.constraints if c.__class__.__name__ == "UniqueConstraint"}
            assert {ix["name"] for ix in inspector.get_indexes(name, schema=schema)} - unique == {
                ix.name for ix in model.indexes}


# ---------------------------------------------------------------------------------------------------------
# Liaison coverage: known answers


def test_liaison_coverage_per_village_and_for_the_town(app, api, signed_in, town, place):
    """城关村 4 households, 河西村 2, 新村 none.

    王 keeps A1 and A2 from 2025-01-01, and A3 from 2025-07-01; 赵 keeps A2 too (counted once) and B1 until
    2025-03-31. So on 2025-02-01: 城关村 2/4, 河西村 1/2, town 3/6; on 2025-06-01: 2/4, 0/2, 2/6; on
    2025-08-01: 3/4, 0/2, 3/6. 新村 has no households: no share at all, not 0 %.
    """
    from tenants.association.services import summary

    v, h = place.villages, place.households
    wang = add_member(api, "XH-001", name="王芳", village_id=v.a)
    zhao = add_member(api, "XH-002", name="赵强", village_id=v.b, role="volunteer")
    add_member(api, "XH-003", name="钱理事", role="council_member")  # of the town: no village
    assign(api, wang["id"], [h["A1"], h["A2"]], "2025-01-01")
    assign(api, wang["id"], [h["A3"]], "2025-07-01")
    assign(api, zhao["id"], [h["A2"]], "2025-01-01")
    assign(api, zhao["id"], [h["B1"]], "2024-06-01", "2025-03-31")

    def coverage(day):
        result = summary.summary(day)
        villages = {row.village_name: (row.numerator, row.denominator, row.percent) for row in result.villages}
        one = summary.liaison_coverage(day, v.b)
        return villages, (result.town.numerator, result.town.denominator, result.town.percent), (
            one.numerator, one.denominator)

    assert in_town(app, town, lambda: coverage(date(2025, 2, 1))) == (
        {"城关村": (2, 4, 50.0), "河西村": (1, 2, 50.0), "新村": (0, 0, None)}, (3, 6, 50.0), (1, 2))
    assert in_town(app, town, lambda: coverage(date(2025, 6, 1))) == (
        {"城关村": (2, 4, 50.0), "河西村": (0, 2, 0.0), "新村": (0, 0, None)}, (2, 6, 33.33), (0, 2))
    assert in_town(app, town, lambda: coverage(date(2025, 8, 1))) == (
        {"城关村": (3, 4, 75.0), "河西村": (0, 2, 0.0), "新村": (0, 0, None)}, (3, 6, 50.0), (0, 2))

    body = api("GET", "/association/summary?as_of=2025-02-01").get_json()
    assert {key: body["town"][key] for key in ("members", "groups", "homes", "numerator", "denominator", "percent")
            } == {"members": 3, "groups": 0, "homes": 0, "numerator": 3, "denominator": 6, "percent": 50.0}
    assert [(r["village_name"], r["members"], r["numerator"], r["denominator"], r["percent"])
            for r in body["villages"]] == [("城关村", 1, 2, 4, 50.0), ("河西村", 1, 1, 2, 50.0),
                                           ("新村", 0, 0, 0, None)]
    assert body["town_level"]["members"] == 1
    assert body["roles"] == {"member": 1, "group_leader": 0, "council_member": 1, "volunteer": 1}
    assert api("GET", "/association/summary?as_of=someday").status_code == 422

    page = signed_in.get(url(town, "summary?as_of=2025-08-01")).get_data(as_text=True)
    assert "75.0%" in page and "50.0%" in page and 'id="coverage-chart"' in page
    assert page[page.index('id="town-total"'):].count(">3<") >= 2  # 3 members, 3 households with a liaison

    # A household deleted (entered by mistake) leaves both counts; its liaisons go with it.
    assert api("DELETE", f"/households/{h['A4']}").status_code == 204
    assert in_town(app, town, lambda: coverage(date(2025, 8, 1)))[1] == (3, 5, 60.0)


# ---------------------------------------------------------------------------------------------------------
# Members: the rules


def test_a_duplicate_member_number_is_a_clear_error(app, api, signed_in, town, place):
    first = add_member(api, "XH-001", name="王芳")
    again = api("POST", "/association/members", json={"member_number": "XH-001", "name": "赵强",
                                                      "joined_on": "2024-01-01"})
    assert again.status_code == 409
    assert again.get_json() == {"errors": {"member_number": [DUPLICATE_NUMBER]}}
    other = add_member(api, "XH-002", name="赵强")
    renumbered = api("PATCH", f"/association/members/{other['id']}", json={"member_number": "XH-001"})
    assert renumbered.status_code == 409 and renumbered.get_json()["errors"]["member_number"] == [DUPLICATE_NUMBER]

    form_url = url(town, "members/new")
    page = post_form(signed_in, form_url, {"member_number": "XH-001", "name": "孙丽", "joined_on": "2024-03-01",
                                           "role": "member", "status": "active", "person_id": ""},
                     token_from=form_url)
    assert page.status_code == 409
    text = page.get_data(as_text=True)
    assert DUPLICATE_NUMBER in text and 'value="孙丽"' in text  # what was typed stays
    assert member_count(app, town) == 2 and first["member_number"] == "XH-001"


def test_member_rules_registry_person_group_village_and_leaving(app, api, town, place):
    v, h = place.villages, place.households
    linked = add_member(api, "XH-001", person_id=place.person, name="别的名字", phone=PHONE, village_id=v.a)
    assert linked["in_registry"] is True and linked["name"] == "李*"  # the registry's name, masked
    twice = api("POST", "/association/members", json={"member_number": "XH-002", "person_id": place.person,
                                                      "joined_on": "2024-01-01"})
    assert twice.status_code == 409 and twice.get_json()["errors"]["person_id"] == [
        "This person is already a member (number XH-001)."]
    nobody = api("POST", "/association/members", json={"member_number": "XH-003", "joined_on": "2024-01-01"})
    assert nobody.status_code == 422 and nobody.get_json()["errors"] == {
        "name": ["Choose a person from the registry or type the member's name."]}

    group = created(api("POST", "/association/groups", json={"name": "第一小组", "village_id": v.a,
                                                             "leader_id": linked["id"]}))
    assert group["leader_name"] == "李*"
    member = api("GET", f"/association/members/{linked['id']}").get_json()
    assert (member["group_id"], member["village_id"], member["name"], member["phone"]) == (
        group["id"], v.a, "李梅", PHONE)  # leading put them in the group; the single read is in full
    wrong = api("POST", "/association/members", json={"member_number": "XH-004", "name": "x", "group_id": group["id"],
                                                      "village_id": v.b, "joined_on": "2024-01-01"})
    assert wrong.status_code == 422 and wrong.get_json()["errors"] == {"group_id": ["The group is in another village."]}
    in_group = add_member(api, "XH-005", name="赵强", group_id=group["id"])
    assert in_group["village_id"] == v.a and in_group["group_name"] == "第一小组"

    for body, field, message in (
        ({"status": "left"}, "left_on", "Give the day the member left."),
        ({"status": "active", "left_on": "2025-01-01"}, "left_on", "Only a member who left has a leaving date."),
        ({"left_on": "2023-12-31"}, "left_on", "The member left before joining."),
        ({"joined_on": "2999-01-01"}, "joined_on", "The date is in the future."),
        ({"role": "chief"}, "role", "Choose one of the listed values."),
    ):
        response = api("PATCH", f"/association/members/{linked['id']}", json=body)
        assert response.status_code == 422 and response.get_json()["errors"][field] == [message], body

    # Liaisons lie within the membership and do not overlap for the same household.
    assign(api, linked["id"], [h["A1"], h["A2"]], "2025-01-01")
    early = api("POST", "/association/liaisons", json={"member_id": linked["id"], "household_ids": [h["A3"]],
                                                       "start_date": "2023-06-01"})
    assert early.status_code == 422 and early.get_json()["errors"]["start_date"] == [
        "The member joined on 2024-01-01; a liaison starts on or after that day."]
    overlap = api("POST", "/association/liaisons", json={"member_id": linked["id"], "household_ids": [h["A3"], h["A2"]],
                                                         "start_date": "2025-05-01"})
    assert overlap.status_code == 409 and overlap.get_json()["errors"]["household_ids"] == [
        "The member already keeps in touch with household A2 in this period."]
    assert len(api("GET", f"/association/liaisons?member_id={linked['id']}").get_json()["items"]) == 2  # none made
    refused = api("POST", "/association/liaisons", json={"member_id": linked["id"], "household_ids": [],
                                                         "start_date": "2025-05-01"})
    assert refused.status_code == 422 and refused.get_json()["errors"]["household_ids"]

    # Leaving: the open liaisons end that day and the member no longer leads the group.
    left = api("PATCH", f"/association/members/{linked['id']}", json={"left_on": "2025-06-30"})
    assert left.status_code == 200 and left.get_json()["status"] == "left"
    items = api("GET", f"/association/liaisons?member_id={linked['id']}").get_json()["items"]
    assert {item["end_date"] for item in items} == {"2025-06-30"} and not any(item["current"] for item in items)
    assert api("GET", f"/association/groups/{group['id']}").get_json()["leader_id"] is None
    late = api("POST", "/association/liaisons", json={"member_id": linked["id"], "household_ids": [h["A4"]],
                                                      "start_date": "2025-01-01"})
    assert late.status_code == 422 and late.get_json()["errors"]["end_date"] == [
        "The member left on 2025-06-30; the liaison ends by that day."]
    back = api("PATCH", f"/association/members/{linked['id']}", json={"status": "active"})
    assert back.get_json()["status"] == "active" and back.get_json()["left_on"] is None

    # A group with members stays; an empty one goes. Deleting a member takes their liaisons with them.
    assert api("DELETE", f"/association/groups/{group['id']}").status_code == 409
    assert api("DELETE", f"/association/members/{linked['id']}").status_code == 204
    assert api("GET", f"/association/liaisons?member_id={linked['id']}").get_json()["items"] == []
    assert api("GET", f"/association/members/{linked['id']}").status_code == 404


def test_a_village_with_association_records_is_not_deleted(app, api, town, place):
    created(api("POST", "/association/homes", json={"name": "新村会员之家", "village_id": place.villages.c}))
    refused = api("DELETE", f"/villages/{place.villages.c}")
    assert refused.status_code == 409
    assert "records of the association" in refused.get_json()["errors"]["_schema"][0]


# ---------------------------------------------------------------------------------------------------------
# Homes and groups in the API


def test_homes_and_groups_round_trip(app, api, town, place):
    v = place.villages
    town_home = created(api("POST", "/association/homes", json={"name": "镇计生协会会员之家", "address": "镇政府院内"}))
    assert town_home["village_id"] is None and town_home["active"] is True
    home = created(api("POST", "/association/homes", json={"name": "城关村会员之家", "village_id": v.a,
                                                           "opened_on": "2020-05-01", "facilities": "活动室、图书角"}))
    taken = api("POST", "/association/homes", json={"name": "城关村会员之家"})
    assert taken.status_code == 409 and taken.get_json()["errors"]["name"] == [
        "A member home with this name already exists."]
    future = api("POST", "/association/homes", json={"name": "x", "opened_on": "2999-01-01"})
    assert future.status_code == 422 and future.get_json()["errors"] == {"opened_on": ["The date is in the future."]}
    closed = api("PATCH", f"/association/homes/{town_home['id']}", json={"active": False}).get_json()
    assert closed["active"] is False
    assert [x["name"] for x in api("GET", "/association/homes?active=true").get_json()["items"]] == ["城关村会员之家"]
    assert [x["name"] for x in api("GET", "/association/homes?q=镇政府").get_json()["items"]] == ["镇计生协会会员之家"]

    group = created(api("POST", "/association/groups", json={"name": "第一小组", "village_id": v.a,
                                                             "home_id": home["id"], "founded_on": "2021-01-01"}))
    assert (group["village_name"], group["home_name"], group["leader_name"]) == ("城关村", "城关村会员之家", None)
    elsewhere = api("POST", "/association/groups", json={"name": "河西小组", "village_id": v.b, "home_id": home["id"]})
    assert elsewhere.status_code == 422 and elsewhere.get_json()["errors"] == {
        "home_id": ["The home is in another village."]}
    same = api("POST", "/association/groups", json={"name": "第一小组", "village_id": v.a})
    assert same.status_code == 409
    created(api("POST", "/association/groups", json={"name": "第一小组", "village_id": v.b}))  # another village: fine
    assert api("POST", "/association/groups", json={"name": "x"}).status_code == 422
    assert [g["village_name"] for g in api("GET", "/association/groups").get_json()["items"]] == ["城关村", "河西村"]
    at_home = api("GET", f"/association/groups?home_id={home['id']}").get_json()["items"]
    assert [g["name"] for g in at_home] == ["第一小组"]

    assert api("DELETE", f"/association/homes/{home['id']}").status_code == 204  # its group meets without one
    assert api("GET", f"/association/groups/{group['id']}").get_json()["home_id"] is None
    assert api("GET", "/association/homes/999999").status_code == 404
    assert api("DELETE", f"/association/groups/{group['id']}").status_code == 204


# ---------------------------------------------------------------------------------------------------------
# Members in the API: masked lists, audited reads


def test_member_lists_mask_names_and_phones_and_reads_are_audited(app, api, town, place):
    member = add_member(api, "XH-001", name="王芳芳", phone=PHONE, village_id=place.villages.a)
    assert member["name"] == "王**" and member["phone"] == MASKED_PHONE
    add_member(api, "XH-002", name="赵强", village_id=place.villages.b, role="volunteer", phone=PHONE)
    add_member(api, "XH-003", name="钱理事", role="council_member", joined_on="2023-01-01")

    listing = api("GET", "/association/members").get_json()
    assert [m["member_number"] for m in listing["items"]] == ["XH-001", "XH-002", "XH-003"]
    assert "王芳芳" not in str(listing) and PHONE not in str(listing)
    assert [m["member_number"] for m in api("GET", "/association/members?q=赵").get_json()["items"]] == ["XH-002"]
    assert [m["member_number"] for m in api("GET", "/association/members?role=council_member").get_json()["items"]
            ] == ["XH-003"]
    assert [m["member_number"] for m in api("GET", "/association/members?sort=joined_on").get_json()["items"]
            ][0] == "XH-003"
    page_two = api("GET", "/association/members?per_page=2&page=2").get_json()
    assert page_two["meta"] == {"page": 2, "per_page": 2, "total": 3, "pages": 2}
    assert [m["member_number"] for m in page_two["items"]] == ["XH-003"]

    full = api("GET", f"/association/members/{member['id']}").get_json()
    assert (full["name"], full["phone"]) == ("王芳芳", PHONE)
    assert api("GET", "/association/members/999999").status_code == 404
    assert api("PATCH", f"/association/members/{member['id']}", json={"phone": None}).get_json()["phone"] is None

    trail = events(app, town, "association_member")
    actions = [e.action for e in trail if e.record_id == str(member["id"])]
    assert actions == ["association_member.create", "association_member.read", "association_member.update"]
    assert not [e.action for e in trail if e.action == "association_member.list"] and all(
        "王芳芳" not in str(e.detail) and PHONE not in str(e.detail) and "赵" not in str(e.detail) for e in trail)
    # The phone is stored encrypted: the raw column holds no digits of it.
    from tenants.association.models import Member

    stored = type_coerce(Member.__table__.c.phone, LargeBinary)  # the column as stored, not decrypted
    raw = in_town(app, town, lambda: db.session.execute(select(stored)).scalars().all())
    assert any(value is not None for value in raw)
    assert all(value is None or PHONE.encode() not in bytes(value) for value in raw)


# ---------------------------------------------------------------------------------------------------------
# Import of members


IMPORT_HEADERS = ["会员编号", "姓名", "身份证号码", "村/社区", "会员小组", "入会日期", "角色", "联系电话", "状态",
                  "退会日期"]


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(IMPORT_HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, town, content: bytes) -> tuple[str, str]:
    """(the URL of the checked batch, its page)."""
    imports = f"/t/{town.slug}/imports/"
    response = post_form(client, imports, {"kind": "association_members", "file": (io.BytesIO(content), "m.xlsx")},
                         token_from=imports, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    batch_url = response.headers["Location"]
    return batch_url, client.get(batch_url).get_data(as_text=True)


def commit(client, batch_url: str) -> str:
    return post_form(client, batch_url + "/commit", {}, token_from=batch_url,
                     follow_redirects=True).get_data(as_text=True)


def test_import_dry_run_lists_bad_rows_and_the_commit_writes_the_good_ones(app, api, signed_in, town, place):
    created(api("POST", "/association/groups", json={"name": "第一会员小组", "village_id": place.villages.a}))
    assert signed_in.get(f"/t/{town.slug}/imports/templates/association_members.xlsx").status_code == 200
    rows = [
        ["XH-001", "李梅", RESIDENT_ID, "411524101201", "第一会员小组", "2020-03-01", "小组长", PHONE, "在会", ""],
        ["XH-002", "王五", "", "河西村", "", date(2021, 5, 1), "志愿者", "", "", ""],
        ["XH-003", "钱六", "", "", "", "2019-01-01", "理事", "", "退会", "2024-12-31"],
        ["XH-002", "重复", "", "", "", "2021-05-01", "", "", "", ""],              # row 5: number twice
        ["XH-005", "孙七", "34052419800101001X", "", "", "2021-01-01", "", "", "", ""],  # row 6: not in the registry
        ["XH-006", "周八", "", "", "", "2021-01-01", "会长", "", "", ""],           # row 7: no such role
        ["XH-007", "吴九", "", "", "第一会员小组", "2021-13-01", "", "", "", ""],   # row 8: no such date
        ["XH-008", "张三", RESIDENT_ID, "", "", "2021-01-01", "", "", "", ""],     # row 9: not the registry's name
        ["XH-009", "郑十", "", "", "第一会员小组", "2021-01-01", "", "", "", ""],   # row 10: a group, no village
    ]
    batch_url, checked = upload(signed_in, town, xlsx(rows))
    assert 'id="error-rows">6<' in checked and 'id="valid-rows">3<' in checked
    errors = checked[checked.index('id="import-errors"'):]
    for row, column in ((5, "会员编号"), (6, "身份证号码"), (7, "角色"), (8, "入会日期"), (9, "姓名"), (10, "村/社区")):
        assert f"<td>{row}</td>" in errors and column in errors
    assert "The same as row 3 of this file." in errors and "No person with this ID number in the registry" in errors
    assert "Give the village of the group." in errors
    assert member_count(app, town) == 0  # the dry run writes nothing

    committed = commit(signed_in, batch_url)
    assert 'id="created-count">3<' in committed
    items = {m["member_number"]: m for m in api("GET", "/association/members").get_json()["items"]}
    assert set(items) == {"XH-001", "XH-002", "XH-003"}
    assert (items["XH-001"]["in_registry"], items["XH-001"]["group_name"], items["XH-001"]["role"]) == (
        True, "第一会员小组", "group_leader")
    assert (items["XH-002"]["village_name"], items["XH-002"]["joined_on"]) == ("河西村", "2021-05-01")
    assert (items["XH-003"]["status"], items["XH-003"]["left_on"], items["XH-003"]["village_id"]) == (
        "left", "2024-12-31", None)

    # The same file again updates, never duplicates; a fixed row is added.
    fixed = [row[:] for row in rows[:3]] + [["XH-006", "周八", "", "", "", "2021-01-01", "会员", "", "", ""]]
    fixed[1][6] = "会员"
    batch_url, checked = upload(signed_in, town, xlsx(fixed))
    assert 'id="error-rows">0<' in checked
    committed = commit(signed_in, batch_url)
    assert 'id="created-count">1<' in committed and 'id="updated-count">3<' in committed
    assert member_count(app, town) == 4
    again = {m["member_number"]: m for m in api("GET", "/association/members").get_json()["items"]}
    assert again["XH-002"]["role"] == "member" and again["XH-001"]["in_registry"] is True


# ---------------------------------------------------------------------------------------------------------
# Exports


def sheet_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    return [["" if value is None else str(value) for value in row] for row in sheet.iter_rows(values_only=True)]


def test_exports_of_members_and_liaisons_are_masked_and_audited(app, api, signed_in, town, place):
    v, h = place.villages, place.households
    wang = add_member(api, "XH-001", name="王芳芳", phone=PHONE, village_id=v.a)
    add_member(api, "XH-002", name="赵强", village_id=v.b)
    assign(api, wang["id"], [h["A1"], h["A2"]], "2025-01-01")

    rows = sheet_rows(signed_in.get(url(town, f"members/export.xlsx?village_id={v.a}")))
    assert rows[0] == [*IMPORT_HEADERS, "备注", "在人口库中"]  # the import's columns, then one it ignores
    assert len(rows) == 2 and rows[1][0] == "XH-001"
    assert "王**" in rows[1] and MASKED_PHONE in rows[1] and "王芳芳" not in str(rows) and PHONE not in str(rows)
    everyone = sheet_rows(signed_in.get(url(town, "members/export.xlsx")))
    assert [row[0] for row in everyone[1:]] == ["XH-001", "XH-002"]

    liaison_rows = sheet_rows(signed_in.get(url(town, "liaisons/export.xlsx?q=王芳芳")))
    assert liaison_rows[0][:2] == ["户编号", "村/社区代码"] and "会员姓名" in liaison_rows[0]
    assert [row[0] for row in liaison_rows[1:]] == ["A1", "A2"]
    assert all("王**" in row and "王芳芳" not in row for row in liaison_rows[1:])

    member_exports = [e.detail for e in events(app, town, "association_member") if e.action.endswith(".export")]
    assert member_exports == [{"filters": {"village_id": str(v.a)}}, {"filters": {}}]
    liaison_exports = [e.detail for e in events(app, town, "association_liaison") if e.action.endswith(".export")]
    assert liaison_exports == [{"filters": {"q": True}}]  # that there was a search, never the name searched


# ---------------------------------------------------------------------------------------------------------
# Pages


def test_pages_list_search_sort_and_forms(app, api, signed_in, town, place):
    v, h = place.villages, place.households
    home_url = url(town, "homes/new")
    saved = post_form(signed_in, home_url, {"name": "城关村会员之家", "village_id": str(v.a), "address": "村委会二楼",
                                            "opened_on": "2020-05-01", "facilities": "活动室", "active": "y"},
                      token_from=home_url)
    assert saved.status_code == 302
    home_page = signed_in.get(saved.headers["Location"]).get_data(as_text=True)
    assert "城关村会员之家" in home_page and "活动室" in home_page and "Add member home" in home_page
    home_id = int(saved.headers["Location"].rstrip("/").rsplit("/", 1)[1])

    member_url = url(town, "members/new")
    search = signed_in.get(member_url + "?person_q=李梅").get_data(as_text=True)
    assert "李梅" in search and "110105********002X" in search
    saved = post_form(signed_in, member_url, {"member_number": "XH-001", "person_id": str(place.person),
                                              "joined_on": "2021-01-01", "role": "group_leader", "status": "active",
                                              "phone": PHONE, "village_id": str(v.a)}, token_from=member_url)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    record = signed_in.get(saved.headers["Location"]).get_data(as_text=True)
    assert "李梅" in record and PHONE in record and "Group leader" in record
    member_id = int(saved.headers["Location"].rsplit("/", 1)[1])
    missing = post_form(signed_in, member_url, {"member_number": "", "person_id": "", "joined_on": "",
                                                "role": "member", "status": "active"}, token_from=member_url)
    assert missing.status_code == 422 and "This field is required." in missing.get_data(as_text=True)

    group_url = url(town, f"groups/new?village_id={v.a}&home_id={home_id}")
    form = signed_in.get(group_url).get_data(as_text=True)
    assert "XH-001 李梅" in form  # the leader is chosen among the village's members
    saved = post_form(signed_in, url(town, "groups/new"), {"name": "第一小组", "village_id": str(v.a),
                                                           "home_id": str(home_id), "leader_id": str(member_id)},
                      token_from=group_url)
    assert saved.status_code == 302
    group_page = signed_in.get(saved.headers["Location"]).get_data(as_text=True)
    assert "李*" in group_page and "XH-001" in group_page and "李梅" not in group_page

    liaison_url = url(town, f"liaisons/new?association_member_id={member_id}")
    form = signed_in.get(liaison_url).get_data(as_text=True)
    assert "A1" in form and "A4" in form and "B1" not in form  # the member's village's households
    saved = post_form(signed_in, url(town, "liaisons/new"), {"member_id": str(member_id), "village_id": str(v.a),
                                                             "start_date": "2025-01-01", "household_ids": [
                                                                 str(h["A1"]), str(h["A3"])]}, token_from=liaison_url)
    assert saved.status_code == 302
    member_page = signed_in.get(saved.headers["Location"]).get_data(as_text=True)
    assert "A1" in member_page and "A3" in member_page and "In touch" in member_page
    none_ticked = post_form(signed_in, url(town, "liaisons/new"), {"member_id": str(member_id), "village_id": str(v.a),
                                                                   "start_date": "2025-01-01"}, token_from=liaison_url)
    assert none_ticked.status_code == 422 and "Choose at least one household." in none_ticked.get_data(as_text=True)

    liaison_id = api("GET", "/association/liaisons?q=A3").get_json()["items"][0]["id"]
    ended = post_form(signed_in, url(town, f"liaisons/{liaison_id}/edit"), {"start_date": "2025-01-01",
                                                                           "end_date": "2025-03-31"},
                      token_from=url(town, f"liaisons/{liaison_id}/edit"))
    assert ended.status_code == 302
    assert "Not in touch now" in signed_in.get(url(town, f"liaisons/{liaison_id}")).get_data(as_text=True)

    for number, name in (("XH-002", "赵强"), ("XH-003", "钱多多")):
        add_member(api, number, name=name, village_id=v.b, phone=PHONE)
    listing = signed_in.get(url(town)).get_data(as_text=True)
    assert "赵*" in listing and "钱**" in listing and "赵强" not in listing and PHONE not in listing
    assert MASKED_PHONE in listing and "Association" in listing
    found = signed_in.get(url(town, "?q=赵")).get_data(as_text=True)
    assert "XH-002" in found and "XH-003" not in found
    by_name = signed_in.get(url(town, "?sort=-number&per_page=2")).get_data(as_text=True)
    assert by_name.index("XH-003") < by_name.index("XH-002") and "XH-001" not in by_name and "Page 1 of 2" in by_name
    assert "第一小组" in signed_in.get(url(town, "groups/?q=第一")).get_data(as_text=True)
    liaisons = signed_in.get(url(town, "liaisons/?current=true")).get_data(as_text=True)
    assert "A1" in liaisons
    assert signed_in.get(url(town, "members/999999")).status_code == 404


def test_viewers_read_but_cannot_write(app, client, factory, town, place, api):
    member = add_member(api, "XH-001", name="王芳")
    viewer = factory.user("viewer", "town_viewer", town)
    login(client, viewer)
    assert client.get(url(town)).status_code == 200
    assert client.get(url(town, f"members/{member['id']}")).status_code == 200
    assert client.get(url(town, "summary")).status_code == 200
    assert client.get(url(town, "members/new")).status_code == 403
    assert post_form(client, url(town, f"members/{member['id']}/delete"), {}, token_from=url(town)).status_code == 403
    headers = bearer(factory.token(viewer))
    base = f"/api/v1/towns/{town.slug}/association"
    assert client.get(f"{base}/members", headers=headers).status_code == 200
    assert client.post(f"{base}/members", json={}, headers=headers).status_code == 403
    assert client.post(f"{base}/liaisons", json={}, headers=headers).status_code == 403
    assert client.delete(f"{base}/members/{member['id']}", headers=headers).status_code == 403
    assert member_count(app, town) == 1


def test_an_exported_member_list_corrected_and_uploaded_again_keeps_the_masked_values(app, api, signed_in, town,
                                                                                        place):
    created(api("POST", "/association/groups", json={"name": "第一会员小组", "village_id": place.villages.a}))
    wang = add_member(api, "XH-001", name="王芳芳", phone=PHONE, village_id=place.villages.a)
    li = add_member(api, "XH-002", person_id=place.person, village_id=place.villages.a)
    rows = sheet_rows(signed_in.get(url(town, "members/export.xlsx")))
    assert rows[1][:4] == ["XH-001", "王**", "", "城关村"] and rows[2][:3] == ["XH-002", "李*", "110105********002X"]
    assert rows[1][6:9] == ["会员", MASKED_PHONE, "在会"]

    rows[1][4], rows[1][6] = "第一会员小组", "理事"   # corrected: the group and the role
    rows[2][8], rows[2][9] = "退会", "2025-06-30"     # and 李梅 left
    rows.append(["XH-003", "孙*", "", "", "", "2024-01-01", "", "", "", "", "", ""])  # a new member, masked: refused
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    batch_url, checked = upload(signed_in, town, buffer.getvalue())
    assert 'id="error-rows">1<' in checked and "Write the full name and ID number of a new member" in checked
    assert 'id="updated-count">2<' in commit(signed_in, batch_url)

    again = api("GET", f"/association/members/{wang['id']}").get_json()
    assert (again["name"], again["phone"], again["role"], again["group_name"]) == (
        "王芳芳", PHONE, "council_member", "第一会员小组")
    again = api("GET", f"/association/members/{li['id']}").get_json()
    assert (again["name"], again["person_id"], again["status"], again["left_on"]) == (
        "李梅", place.person, "left", "2025-06-30")
    assert member_count(app, town) == 2
