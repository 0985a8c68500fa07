"""When Redis is down or PostgreSQL drops the app's connections, pages and the API keep serving."""

from __future__ import annotations

import dataclasses

import psycopg
import pytest
from sqlalchemy import func, select

from renkou.extensions import db
from renkou.indicators.models import TownPeriod
from tests.conftest import PG_ADMIN_URL, Factory, bearer, build_app, login, post_form, reset_storage

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down(settings):
    """The app with its Redis URL on a closed port; cleaned up with the real Redis afterwards."""
    application = build_app(dataclasses.replace(settings, redis_url=CLOSED_PORT_REDIS))
    yield application
    application.config["RENKOU_SETTINGS"] = settings
    reset_storage(application)


def test_with_redis_down_sign_in_pages_and_the_api_keep_serving(redis_down, backend):
    factory = Factory(redis_down)
    town = factory.town()
    token = factory.token(town.admin_username)
    client = redis_down.test_client()
    # Rate limits fail open (with a log line) instead of failing every request.
    assert login(client, town.admin_username).status_code == 302
    assert client.get(f"/t/{town.slug}/villages/").status_code == 200
    api = redis_down.test_client()
    assert api.get(f"/api/v1/towns/{town.slug}/villages", headers=bearer(token)).status_code == 200
    # A write is saved; its recomputation is recorded as a dirty mark, which the minutely sweep queues
    # once Redis is back.
    created = api.post(f"/api/v1/towns/{town.slug}/people", headers=bearer(token),
                       json={"name": "王芳", "sex": "F", "birth_date": "1992-03-03"})
    assert created.status_code == 201, created.get_json()
    with redis_down.app_context():
        assert db.session.scalar(select(func.count()).where(TownPeriod.dirty_since.is_not(None))) > 0
    ready = client.get("/readyz")
    assert ready.status_code == 503 and "redis" in ready.get_json()["problems"]
    if backend == "postgresql":  # SQLite's readiness probe can also hit a held write lock (a separate issue)
        assert list(ready.get_json()["problems"]) == ["redis"]


def test_with_redis_down_work_that_needs_the_queue_answers_a_clean_503(redis_down):
    factory = Factory(redis_down)
    factory.user("bureau_admin", "county_admin")
    client = redis_down.test_client()
    login(client, "bureau_admin")
    page = client.get("/county/jobs")  # reads the queues
    assert page.status_code == 503
    assert "任务队列暂时不可用" in page.get_data(as_text=True)
    with redis_down.test_request_context("/"):
        from renkou import jobs
        from renkou.errors import ServiceUnavailable

        with pytest.raises(ServiceUnavailable):
            jobs.enqueue_after_commit("default", "workers.imports.run_import", "411524101", 1, True, None,
                                      job_id="import-x")


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_restarted_database_costs_no_failed_request(app, client, factory):
    """Every connection of the app is terminated between requests (as a database restart does)."""
    town = factory.town()
    token = factory.token(town.admin_username)
    login(client, town.admin_username)
    database = app.config["RENKOU_SETTINGS"].database_url.rsplit("/", 1)[1]
    for _round in range(3):
        # Several pooled connections, shared and town ones, then all of them killed.
        for _ in range(3):
            assert client.get(f"/t/{town.slug}/villages/").status_code == 200
            assert client.get(f"/api/v1/towns/{town.slug}/villages", headers=bearer(token)).status_code == 200
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            killed = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                   "WHERE datname = %s AND pid <> pg_backend_pid()", (database,)).fetchone()[0]
        assert killed > 0
        assert client.get(f"/t/{town.slug}/villages/").status_code == 200
        assert client.get(f"/api/v1/towns/{town.slug}/villages", headers=bearer(token)).status_code == 200
        saved = post_form(client, f"/t/{town.slug}/villages/new", {"code": f"{town.code}20{_round}",
                                                                    "name": f"新村{_round}"},
                          token_from=f"/t/{town.slug}/villages/new")
        assert saved.status_code == 302


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_connection_dropped_during_a_request_is_retried_or_refused_cleanly(app, client):
    """The database drops the request's own connection half-way (a restart under a running request): a GET
    runs again on a fresh connection; a POST answers 503 and saves nothing."""
    from flask import jsonify
    from sqlalchemy import text

    runs = []

    def drop_my_connection():
        runs.append(db.session.execute(text("SELECT pg_backend_pid()")).scalar())
        if len(runs) == 1:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (runs[0],))
        db.session.execute(text("SELECT 1"))
        return jsonify({"runs": len(runs)})

    from renkou.extensions import csrf

    app.add_url_rule("/healthz/drop-test", "drop_test", csrf.exempt(drop_my_connection), methods=["GET", "POST"])
    answer = client.get("/healthz/drop-test")
    assert answer.status_code == 200 and answer.get_json() == {"runs": 2}
    runs.clear()
    refused = client.post("/healthz/drop-test", headers={"Accept-Language": "zh-CN"})
    assert refused.status_code == 503 and len(runs) == 1
