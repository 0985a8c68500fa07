"""Every town route, called as a member of another town, answers 404; signed out, it asks to sign in.

The routes come from the app's URL map, so a route added later is covered without editing this test.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import bearer, login

TOWN_PREFIXES = ("/t/<town_slug>", "/api/v1/towns/<town_slug>")


def town_rules(app):
    rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith(TOWN_PREFIXES)]
    assert len(rules) >= 8, "the town routes were not found in the URL map"
    return rules


def build_url(rule, slug: str, record_ids: dict[str, int]) -> str:
    path = rule.rule.replace("<town_slug>", slug)
    for argument in rule.arguments - {"town_slug"}:
        assert argument in record_ids, f"add a {argument} record of town B to the two_towns fixture"
        value = str(record_ids[argument])
        path = path.replace(f"<int:{argument}>", value).replace(f"<{argument}>", value)
    return path


def calls(app, slug: str, record_ids: dict[str, int]):
    for rule in town_rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, build_url(rule, slug, record_ids)


@pytest.fixture
def two_towns(app, factory):
    """Town A, and town B with one record of every kind its routes take an id of."""
    town_a = factory.town()
    town_b = factory.town()
    village = factory.village(town_b, "201", "乙镇的村")
    group = factory.group(town_b, village, "001", "乙镇的组")
    staff = factory.staff(town_b, village, name="乙镇的专干", phone="13800138000")
    household = factory.household(town_b, "B-001", village_id=village, group_id=group)
    person = factory.person(town_b, name="乙镇的人", resident_id="11010519491231002X", household_id=household)
    from sqlalchemy import select

    from renkou.accounts.models import Membership
    from renkou.extensions import db

    with app.app_context():
        membership = db.session.scalar(select(Membership.id).where(Membership.town_id == town_b.id))
    record_ids = {"village_id": village, "household_id": household, "person_id": person,
                  "membership_id": membership, "group_id": group, "staff_id": staff,
                  "batch_id": factory.import_batch(town_b), "kind": "people"}
    record_ids.update(factory.birth_records(town_b, person))
    record_ids["visit_id"] = factory.counselling_visit(town_b, person)
    factory.follow_up_visit(town_b, person)
    leaver = factory.person(town_b, name="乙镇的迁出人", household_id=household)
    record_ids["movement_id"] = factory.movement(town_b, leaver, "move_out", date(2025, 3, 1))
    record_ids.update(factory.clinic_records(town_b, village))
    record_ids["entry_id"] = factory.funding_entry(town_b)
    record_ids.update(factory.outreach_records(town_b, village, household))
    record_ids.update(factory.governance_records(town_b, village, household))
    record_ids.update(factory.association_records(town_b, village, household, person))
    record_ids.update(factory.support_records(town_b, household, person))
    record_ids["month"] = factory.backdate_onboarding(town_b)  # a month town B owes a report for
    record_ids["notice_id"] = factory.bureau_notice(town_b)
    return town_a, town_b, record_ids


def test_member_of_another_town_gets_404_everywhere(app, client, factory, two_towns):
    town_a, town_b, village_b = two_towns
    login(client, town_a.admin_username)
    token_a = factory.token(town_a.admin_username)
    for _rule, method, url in calls(app, town_b.slug, village_b):
        is_api = url.startswith("/api/")
        headers = bearer(token_a) if is_api else {}
        response = client.open(url, method=method, headers=headers, json={} if is_api else None)
        assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
        assert "乙镇的村" not in response.get_data(as_text=True)


def test_signed_out_is_sent_to_sign_in(app, client, two_towns):
    _town_a, town_b, village_b = two_towns
    for _rule, method, url in calls(app, town_b.slug, village_b):
        response = client.open(url, method=method)
        if url.startswith("/api/"):
            assert response.status_code == 401, f"{method} {url} answered {response.status_code}"
            assert response.get_json()["errors"]
        else:
            assert response.status_code == 302, f"{method} {url} answered {response.status_code}"
            assert "/login" in response.headers["Location"]


def test_county_roles_see_no_town_registers_without_membership(app, client, factory, two_towns):
    _town_a, town_b, village_b = two_towns
    factory.user("bureau_admin", "county_admin")
    login(client, "bureau_admin")
    token = factory.token("bureau_admin")
    for _rule, method, url in calls(app, town_b.slug, village_b):
        headers = bearer(token) if url.startswith("/api/") else {}
        response = client.open(url, method=method, headers=headers)
        assert response.status_code == 404, f"{method} {url} answered {response.status_code}"


def test_the_same_routes_work_for_the_towns_own_members(app, client, factory, two_towns):
    """The 404s above come from the town check, not from routes that are broken anyway."""
    _town_a, town_b, village_b = two_towns
    login(client, town_b.admin_username)
    token = factory.token(town_b.admin_username)
    for _rule, method, url in calls(app, town_b.slug, village_b):
        if method != "GET":
            continue
        headers = bearer(token) if url.startswith("/api/") else {}
        response = client.get(url, headers=headers)
        assert response.status_code == 200, f"GET {url} answered {response.status_code}"


def test_unknown_town_and_archived_town_answer_404(app, client, factory, two_towns):
    town_a, _town_b, _village = two_towns
    login(client, town_a.admin_username)
    assert client.get("/t/no-such-town/villages/").status_code == 404
    factory.user("bureau_admin", "county_admin")
    from renkou.extensions import db
    from renkou.tenancy.services import archive_town, get_town_by_slug

    with app.app_context():
        archive_town(get_town_by_slug(town_a.slug))
        db.session.commit()
    assert client.get(f"/t/{town_a.slug}/villages/").status_code == 404
