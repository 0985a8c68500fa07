"""Liveness, readiness, and the OpenAPI document."""

from __future__ import annotations

import dataclasses
import sqlite3

import pytest
from sqlalchemy import select

from renkou.extensions import db
from tests.conftest import build_app, login, reset_storage


def test_healthz_and_readyz(app, client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["status"] == "ok"


def test_readyz_says_what_is_down(settings):
    broken = build_app(dataclasses.replace(settings, redis_url="redis://127.0.0.1:1/0"))
    try:
        response = broken.test_client().get("/readyz")
        assert response.status_code == 503
        body = response.get_json()
        assert "redis" in body["problems"] and "database" not in body["problems"]
    finally:
        broken.config["RENKOU_SETTINGS"] = settings
        reset_storage(broken)


def test_openapi_document_describes_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    assert set(paths["/api/v1/towns"]) == {"get", "post"}
    assert set(paths["/api/v1/towns/{town_slug}/villages"]) == {"get", "post"}
    assert set(paths["/api/v1/towns/{town_slug}/villages/{village_id}"]) == {"get", "patch", "delete"}
    schemas = document["components"]["schemas"]
    assert {"Village", "Town", "TownCreate", "Errors"} <= set(schemas)
    assert "admin_password" in schemas["TownCreate"]["properties"]
    api_rules = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")}
    documented = {path.replace("{", "<").replace("}", ">") for path in paths}
    for rule in api_rules - {"/api/v1/openapi.json"}:
        normalized = rule.replace("<int:", "<")
        assert normalized in documented, f"{rule} is not in the OpenAPI document"


def test_unknown_api_route_is_json(app, client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and "errors" in response.get_json()


def test_static_assets_are_served_by_the_app(app, client):
    assert client.get("/static/app.css").status_code == 200
    assert client.get("/static/app.js").status_code == 200


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_signed_in_readyz_answers_and_holds_no_lock(app, client, factory):
    """Embedded SQLite: loading the signed-in user used to take the write lock, and /readyz then waited
    30 s on it from a second connection and answered 503 ("database is locked")."""
    factory.user("watcher", "county_admin")
    login(client, "watcher")
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.get_json()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_page_being_read_leaves_the_database_free_for_writers(app, factory):
    """A GET's transaction reads (deferred): while it is open, another connection takes the write lock
    at once instead of waiting for the page to finish."""
    from renkou.accounts.models import User

    factory.user("reader", "county_admin")
    shared_file = app.extensions["renkou.town_engines"].shared_file
    with app.test_request_context("/county/towns", method="GET"):
        assert db.session.scalars(select(User).where(User.username == "reader")).one()  # a transaction is open
        writer = sqlite3.connect(shared_file, timeout=0.1, isolation_level=None)
        try:
            writer.execute("BEGIN IMMEDIATE")  # "database is locked" while the page holds the write lock
            writer.execute("ROLLBACK")
        finally:
            writer.close()
        db.session.rollback()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_request_that_writes_still_takes_the_write_lock_up_front(app, factory):
    from renkou.accounts.models import User

    factory.user("writer", "county_admin")
    shared_file = app.extensions["renkou.town_engines"].shared_file
    with app.test_request_context("/county/towns", method="POST"):
        db.session.scalars(select(User).where(User.username == "writer")).one()
        other = sqlite3.connect(shared_file, timeout=0.1, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        finally:
            other.close()
        db.session.rollback()
