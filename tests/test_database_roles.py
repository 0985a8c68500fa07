"""PostgreSQL with two roles: the web and worker processes connect as a role that owns nothing; migrations
and onboarding's DDL run as the owner (RENKOU_DATABASE_OWNER_URL)."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import select

from renkou.audit import chain
from renkou.audit.models import AuditEvent
from renkou.extensions import db
from tests.conftest import build_app, login, make_settings, reset_storage


@pytest.fixture
def two_roles(tmp_path, pg_url, pg_app_url, redis_url):
    settings = make_settings("postgresql", tmp_path, pg_app_url, redis_url, database_owner_url=pg_url)
    application = build_app(settings)
    yield application
    reset_storage(application)


def _as_app_role(pg_app_url: str):
    return psycopg.connect(pg_app_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


REFUSED = [
    "UPDATE shared.audit_events SET action = 'x'",
    "DELETE FROM shared.audit_events",
    "TRUNCATE shared.audit_events",
    "ALTER TABLE shared.audit_events DISABLE TRIGGER USER",
    "DROP TRIGGER audit_events_append_only ON shared.audit_events",
    "CREATE TABLE shared.sneaky (id int)",
    "CREATE SCHEMA sneaky",
    "DROP TABLE shared.towns CASCADE",
    "ALTER TABLE shared.users ADD COLUMN sneaky int",
    "UPDATE shared.alembic_version SET version_num = 'x'",
]


def test_the_app_role_reads_and_writes_rows_but_runs_no_ddl_and_cannot_edit_the_trail(
        two_roles, pg_app_url, factory_two_roles):
    town = factory_two_roles.town()
    person = factory_two_roles.person(town, name="王五", resident_id="11010519491231002X")
    assert person
    with _as_app_role(pg_app_url) as connection:
        rows = connection.execute("SELECT count(*) FROM shared.audit_events").fetchone()[0]
        assert rows > 0
        for statement in REFUSED + [f'DROP TABLE "town_{town.code}".people',
                                    f'TRUNCATE "town_{town.code}".people',
                                    f'CREATE TABLE "town_{town.code}".sneaky (id int)']:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                connection.execute(statement)
        assert connection.execute("SELECT count(*) FROM shared.audit_events").fetchone()[0] == rows
        assert connection.execute(f'SELECT count(*) FROM "town_{town.code}".people').fetchone()[0] == 1


def test_the_app_works_as_the_app_role(two_roles, factory_two_roles):
    """Onboarding (DDL as the owner), pages and the chain, with the application connected as its role."""
    town = factory_two_roles.town()
    client = two_roles.test_client()
    login(client, town.admin_username)
    assert client.get(f"/t/{town.slug}/people/").status_code == 200
    with two_roles.app_context():
        assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "town.create"))
        with db.engine.connect() as connection:
            assert all(report.intact for report in chain.verify(connection, chain.current_key()))
        user = db.session.execute(select(db.text("current_user"))).scalar()
    assert user.startswith("renkou_app_")


def test_a_failed_onboarding_leaves_no_schema(two_roles):
    from renkou.tenancy import storage
    from renkou.tenancy.services import onboard_town

    with two_roles.app_context():
        onboard_town(code="411524101", name="甲镇", slug="jia", admin_username="jia_admin",
                     admin_password="Test-password-42")
        assert storage.exists("411524101")
        db.session.rollback()
        assert not storage.exists("411524101")


@pytest.fixture
def factory_two_roles(two_roles):
    from tests.conftest import Factory

    return Factory(two_roles)
