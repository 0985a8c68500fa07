"""The audit trail: written with every change, read only by the audit administrator, never edited."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from renkou.audit.models import AuditEvent
from renkou.extensions import db
from tests.conftest import login


def test_only_the_audit_administrator_reads_the_trail(app, client, factory):
    town = factory.town()
    factory.user("bureau_admin", "county_admin")
    factory.user("auditor", "audit_admin")
    for username in ("bureau_admin", town.admin_username):
        other = app.test_client()
        login(other, username)
        assert other.get("/county/audit/").status_code == 403
    login(client, "auditor")
    assert client.get("/", follow_redirects=True).request.path == "/county/audit/"
    page = client.get("/county/audit/").get_data(as_text=True)
    assert "town.create" in page and town.code in page
    assert client.get(f"/t/{town.slug}/villages/").status_code == 404  # no registers for auditors


def test_filters(app, client, factory):
    town_a = factory.town()
    town_b = factory.town()
    factory.user("auditor", "audit_admin")
    login(app.test_client(), town_a.admin_username, "Wrong-password-9")
    login(client, "auditor")
    by_town = client.get(f"/county/audit/?town_code={town_b.code}").get_data(as_text=True)
    assert town_b.code in by_town and f"<td>{town_a.code}</td>" not in by_town
    failures = client.get("/county/audit/?outcome=failure").get_data(as_text=True)
    assert town_a.admin_username in failures and "town.create" not in failures
    by_action = client.get("/county/audit/?action=town.").get_data(as_text=True)
    assert "town.create" in by_action and "auth.login" not in by_action
    by_date = client.get("/county/audit/?date_from=2000-01-01&date_to=2000-01-02").get_data(as_text=True)
    assert "town.create" not in by_date


def test_reading_the_trail_is_itself_audited(app, client, factory):
    factory.user("auditor", "audit_admin")
    login(client, "auditor")
    client.get("/county/audit/?outcome=denied")
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "audit.read")).one()
        assert event.actor_name == "auditor" and event.detail == {"outcome": "denied"}


def test_denied_town_access_is_recorded(app, client, factory):
    town_a = factory.town()
    town_b = factory.town()
    login(client, town_a.admin_username)
    client.get(f"/t/{town_b.slug}/villages/")
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.outcome == "denied")).one()
        assert event.actor_name == town_a.admin_username and event.detail["slug"] == town_b.slug


def test_every_entry_names_who_when_where_and_from_which_address(app, client, factory):
    town = factory.town()
    login(client, town.admin_username)
    from tests.conftest import post_form

    post_form(client, f"/t/{town.slug}/villages/new", {"code": town.code + "201", "name": "审计村"},
              token_from=f"/t/{town.slug}/villages/new")
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "village.create")).one()
        assert event.actor_name == town.admin_username and event.town_code == town.code
        assert event.client_addr == "127.0.0.1" and event.occurred_at is not None and event.record_id


@pytest.mark.parametrize("statement", ["update", "delete"])
def test_the_database_refuses_edits_and_deletions(app, factory, statement):
    factory.town()
    with app.app_context():
        if statement == "update":
            change = update(AuditEvent).values(action="tampered")
        else:
            change = delete(AuditEvent)
        with pytest.raises(DBAPIError, match="append-only"):
            with db.engine.begin() as connection:
                connection.execute(change)
        assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "tampered")) is None
