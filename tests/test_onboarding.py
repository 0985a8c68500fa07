"""Onboarding a town from the browser form, the API and the shell: all or nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from renkou.accounts.models import Membership, User
from renkou.extensions import db
from renkou.tenancy import storage
from renkou.tenancy.models import Town
from tests.conftest import PASSWORD, bearer, login, post_form

GOOD = {"code": "411524108", "name": "丰集镇", "slug": "fengji", "admin_username": "fj_admin",
        "admin_password": "Fengji-admin-1"}


def counts(app):
    with app.app_context():
        result = (db.session.scalar(select(func.count()).select_from(Town)),
                  db.session.scalar(select(func.count()).select_from(User)),
                  db.session.scalar(select(func.count()).select_from(Membership)))
        db.session.remove()
        return result


def town_storage_exists(app, code: str) -> bool:
    with app.app_context():
        return storage.exists(code)


@pytest.fixture
def county_admin(factory):
    return factory.user("bureau_admin", "county_admin")


def test_county_admin_onboards_a_town_and_its_admin_lands_there(app, client, county_admin):
    login(client, county_admin)
    response = post_form(client, "/county/towns", GOOD, token_from="/county/towns")
    assert response.status_code == 302
    page = client.get("/county/towns").get_data(as_text=True)
    assert "丰集镇" in page and "411524108" in page
    assert town_storage_exists(app, "411524108")

    client.post("/logout", data={"csrf_token": ""})  # refused without a token; start a fresh client instead
    fresh = app.test_client()
    response = login(fresh, "fj_admin", "Fengji-admin-1")
    assert response.headers["Location"].endswith("/")
    landing = fresh.get("/", follow_redirects=True)
    assert landing.request.path == "/t/fengji/"
    assert "丰集镇" in landing.get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value"),
    [("code", "41152410"), ("code", "411524x08"), ("code", "110101101"), ("code", "411524300"),
     ("code", "411524000"), ("slug", "Feng Ji"), ("admin_password", "short"), ("admin_password", "alllowercaseletters"),
     ("admin_username", "a b")],
)
def test_invalid_input_is_refused_with_a_reason_and_nothing_is_written(app, client, county_admin, field, value):
    login(client, county_admin)
    before = counts(app)
    response = post_form(client, "/county/towns", {**GOOD, field: value}, token_from="/county/towns")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="e-' + field + '"' in page
    assert 'value="丰集镇"' in page  # what was typed is kept
    assert counts(app) == before
    assert not town_storage_exists(app, GOOD["code"])


@pytest.mark.parametrize("field", ["code", "slug", "admin_username"])
def test_duplicates_are_refused_and_leave_nothing(app, client, factory, county_admin, field):
    existing = factory.town(code="411524109", slug="existing")
    duplicate = {"code": existing.code, "slug": existing.slug, "admin_username": existing.admin_username}
    login(client, county_admin)
    before = counts(app)
    response = post_form(client, "/county/towns", {**GOOD, field: duplicate[field]}, token_from="/county/towns")
    assert response.status_code == 409
    assert 'id="e-' + field + '"' in response.get_data(as_text=True)
    assert counts(app) == before
    if field != "code":
        assert not town_storage_exists(app, GOOD["code"])


def test_a_failure_after_the_storage_was_made_leaves_nothing_behind(app, client, county_admin, monkeypatch):
    """The town's schema (or file) is made, then the last step fails: rows, schema and file all go."""
    from renkou.tenancy import services

    real_record = services.audit.record

    def failing_record(action, **kwargs):
        if action == "town.create":
            raise RuntimeError("simulated crash after provisioning")
        return real_record(action, **kwargs)

    monkeypatch.setattr(services.audit, "record", failing_record)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer 500 as in production instead of raising
    login(client, county_admin)
    before = counts(app)
    response = post_form(client, "/county/towns", GOOD, token_from="/county/towns")
    assert response.status_code == 500
    assert counts(app) == before
    assert not town_storage_exists(app, GOOD["code"])


def test_a_storage_conflict_is_reported_and_rolls_everything_back(app, client, county_admin):
    """A leftover schema or file with the town's code (from a restore, say) is never overwritten."""
    engines = app.extensions["renkou.town_engines"]
    if engines.is_sqlite:
        path = engines.town_file(GOOD["code"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
    else:
        with app.app_context(), db.engine.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "town_{GOOD["code"]}"')
    login(client, county_admin)
    before = counts(app)
    response = post_form(client, "/county/towns", GOOD, token_from="/county/towns")
    assert response.status_code == 409
    assert "e-code" in response.get_data(as_text=True)
    assert counts(app) == before
    assert town_storage_exists(app, GOOD["code"])  # the leftover is left alone, not overwritten


def test_county_viewer_and_town_admin_cannot_onboard(app, client, factory):
    town = factory.town()
    factory.user("bureau_viewer", "county_viewer")
    login(client, "bureau_viewer")
    assert client.get("/county/towns").status_code == 200
    assert post_form(client, "/county/towns", GOOD, token_from="/county/towns").status_code == 403
    other = app.test_client()
    login(other, town.admin_username)
    assert other.get("/county/towns").status_code == 403


def test_archive_hides_the_town_from_its_users_and_keeps_its_data(app, client, factory, county_admin):
    town = factory.town()
    factory.village(town, "201", "留存村")
    member = app.test_client()
    login(member, town.admin_username)
    assert member.get(f"/t/{town.slug}/villages/").status_code == 200
    login(client, county_admin)
    response = post_form(client, f"/county/towns/{town.slug}/archive", {}, token_from="/county/towns")
    assert response.status_code == 302
    assert member.get(f"/t/{town.slug}/villages/").status_code == 404
    assert town_storage_exists(app, town.code)
    from renkou.tenancy.context import town_session
    from renkou.tenancy.services import get_town_by_slug
    from tenants.network.services import all_villages

    with app.app_context():
        with town_session(get_town_by_slug(town.slug)):
            assert [v.name for v in all_villages()] == ["留存村"]


# ---------------------------------------------------------------------------------------------------------
# The API


def test_api_onboarding(app, client, factory, county_admin):
    token = factory.token(county_admin)
    response = client.post("/api/v1/towns", json=GOOD, headers=bearer(token))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["slug"] == "fengji"
    assert "admin_password" not in response.get_json()
    listed = client.get("/api/v1/towns", headers=bearer(token)).get_json()["items"]
    assert [t["code"] for t in listed] == ["411524108"]
    assert town_storage_exists(app, "411524108")


def test_api_onboarding_errors(app, client, factory, county_admin):
    token = factory.token(county_admin)
    town = factory.town(code="411524110", slug="taken")
    town_token = factory.token(town.admin_username)

    assert client.post("/api/v1/towns", json=GOOD).status_code == 401
    assert client.post("/api/v1/towns", json=GOOD, headers=bearer("rk_not-a-token")).status_code == 401
    assert client.post("/api/v1/towns", json=GOOD, headers=bearer(town_token)).status_code == 403
    not_json = client.post("/api/v1/towns", data="code=1", headers=bearer(token))
    assert not_json.status_code == 400 and not_json.get_json()["errors"]
    missing = client.post("/api/v1/towns", json={"code": "411524108"}, headers=bearer(token))
    assert missing.status_code == 422
    assert set(missing.get_json()["errors"]) == {"name", "slug", "admin_username", "admin_password"}
    unknown = client.post("/api/v1/towns", json={**GOOD, "quota": 5}, headers=bearer(token))
    assert unknown.status_code == 422 and "quota" in unknown.get_json()["errors"]
    wrong_county = client.post("/api/v1/towns", json={**GOOD, "code": "110101101"}, headers=bearer(token))
    assert wrong_county.status_code == 422 and "code" in wrong_county.get_json()["errors"]
    duplicate = client.post("/api/v1/towns", json={**GOOD, "slug": "taken"}, headers=bearer(token))
    assert duplicate.status_code == 409 and "slug" in duplicate.get_json()["errors"]


def test_api_lists_only_own_towns_for_town_users(app, client, factory):
    town_a = factory.town()
    factory.town()
    token = factory.token(town_a.admin_username)
    listed = client.get("/api/v1/towns", headers=bearer(token)).get_json()["items"]
    assert [t["slug"] for t in listed] == [town_a.slug]


def test_a_browser_session_cookie_does_not_authenticate_the_api(app, client, factory, county_admin):
    """The API is CSRF-exempt because it takes bearer tokens only."""
    login(client, county_admin)
    assert client.post("/api/v1/towns", json=GOOD).status_code == 401
    assert PASSWORD
