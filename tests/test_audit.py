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
    page = rows(client.get("/county/audit/"))
    assert "开通乡镇" in page and town.name in page  # in words: no action codes, no town codes
    assert "town.create" not in page and f"<td>{town.code}</td>" not in page
    assert client.get(f"/t/{town.slug}/villages/").status_code == 404  # no registers for auditors


def test_filters(app, client, factory):
    town_a = factory.town()
    town_b = factory.town()
    factory.user("auditor", "audit_admin")
    login(app.test_client(), town_a.admin_username, "Wrong-password-9")
    login(client, "auditor")
    by_town = rows(client.get(f"/county/audit/?town_code={town_b.code}"))
    assert town_b.name in by_town and town_a.name not in by_town
    failures = rows(client.get("/county/audit/?outcome=failure"))
    assert town_a.admin_username in failures and "开通乡镇" not in failures
    by_action = rows(client.get("/county/audit/?action=town.create"))
    assert "开通乡镇" in by_action and "<td>登录</td>" not in by_action
    by_date = rows(client.get("/county/audit/?date_from=2000-01-01&date_to=2000-01-02"))
    assert "开通乡镇" not in by_date


def rows(response) -> str:
    """The trail's table body (the filters above it list every action and town as choices)."""
    return response.get_data(as_text=True).split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def test_the_filters_are_lists_and_details_read_in_words(app, client, factory):
    town = factory.town()
    factory.user("auditor", "audit_admin")
    login(client, "auditor")
    page = client.get("/county/audit/").get_data(as_text=True)
    assert '<select name="action">' in page and '<option value="auth.login"' in page
    assert '<select name="town_code">' in page and f">{town.name}</option>" in page
    body = rows(client.get("/county/audit/?action=town.create"))
    assert "网址标识" in body and town.slug in body  # the details as "label: value", not JSON
    assert "{" not in body and "user #" not in body


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
