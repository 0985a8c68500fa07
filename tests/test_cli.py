"""The `renkou` command: migrations across towns, towns, users and tokens."""

from __future__ import annotations

import sqlite3

from sqlalchemy import select

from renkou.extensions import db
from tests.conftest import bearer


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)


def _forget_town_version(app, code: str) -> None:
    """The town's tables stay but it no longer knows its revision: re-running 0001 must fail."""
    engines = app.extensions["renkou.town_engines"]
    if engines.is_sqlite:
        with sqlite3.connect(engines.town_file(code)) as connection:
            connection.execute("DELETE FROM alembic_version")
    else:
        with app.app_context(), db.engine.begin() as connection:
            connection.exec_driver_sql(f'DELETE FROM "town_{code}".alembic_version')


def _empty_town(app, code: str) -> None:
    """The town's storage exists but holds nothing: genuinely behind, it upgrades cleanly."""
    engines = app.extensions["renkou.town_engines"]
    engines.forget(code)
    if engines.is_sqlite:
        engines.town_file(code).unlink()
        engines.town_file(code).touch()
    else:
        with app.app_context(), db.engine.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "town_{code}" CASCADE')
            connection.exec_driver_sql(f'CREATE SCHEMA "town_{code}"')


def test_db_upgrade_skips_current_towns_and_reports_each_failure(app, factory):
    broken, behind, current = factory.town(), factory.town(), factory.town()

    result = run(app, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "3 already at head" in result.output

    _forget_town_version(app, broken.code)  # its tables exist, so re-running 0001 fails
    _empty_town(app, behind.code)
    result = run(app, "db", "upgrade", "--workers", "2")
    assert result.exit_code == 1
    assert f"town {broken.code}: failed" in result.output
    assert f"FAILED {broken.code}" in result.output and "villages" in result.output
    assert f"town {behind.code}: upgraded" in result.output
    assert f"town {current.code}: current" in result.output
    assert "1 upgraded, 1 already at head, 1 failed" in result.output


def test_db_upgrade_reports_a_missing_town(app, factory):
    town = factory.town()
    engines = app.extensions["renkou.town_engines"]
    if engines.is_sqlite:
        engines.town_file(town.code).unlink()
    else:
        with app.app_context(), db.engine.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "town_{town.code}" CASCADE')
    result = run(app, "db", "upgrade")
    assert result.exit_code == 1
    assert "missing" in result.output
    if engines.is_sqlite:
        assert not engines.town_file(town.code).exists()  # never silently recreated empty


def test_town_create_list_archive(app):
    result = run(app, "town", "create", "--code", "411524101", "--name", "城关镇", "--slug", "chengguan",
                 "--admin-username", "cg_admin")
    assert result.exit_code == 0, result.output
    password = result.output.split("password: ")[1].strip()
    assert len(password) >= 10
    client = app.test_client()
    from tests.conftest import login

    assert login(client, "cg_admin", password).status_code == 302

    listed = run(app, "town", "list")
    assert "411524101\tchengguan\tactive\t城关镇" in listed.output
    archived = run(app, "town", "archive", "chengguan")
    assert archived.exit_code == 0
    assert "archived" in run(app, "town", "list").output


def test_town_create_refuses_bad_input_and_duplicates(app, factory):
    factory.town(code="411524101", slug="taken")
    bad = run(app, "town", "create", "--code", "999999101", "--name", "外镇", "--slug", "waizhen",
              "--admin-username", "wz_admin", "--admin-password", "Good-password-1")
    assert bad.exit_code == 1 and "error: code:" in bad.output
    duplicate = run(app, "town", "create", "--code", "411524102", "--name", "重复镇", "--slug", "taken",
                    "--admin-username", "cf_admin", "--admin-password", "Good-password-1")
    assert duplicate.exit_code == 1 and "error: slug:" in duplicate.output
    assert "411524102" not in run(app, "town", "list").output


def test_user_and_token_commands(app, client, factory):
    town = factory.town()
    assert run(app, "user", "create", "--username", "bureau", "--password", "Bureau-pass-1",
               "--role", "county_admin").exit_code == 0
    assert run(app, "user", "create", "--username", "clerk", "--password", "Clerk-pass-11",
               "--role", "town_staff", "--town", town.slug).exit_code == 0
    # An existing account gains a second town without a password.
    other = factory.town()
    assert run(app, "user", "create", "--username", "clerk", "--role", "town_viewer",
               "--town", other.slug).exit_code == 0
    weak = run(app, "user", "create", "--username", "weakling", "--password", "weak", "--role", "county_viewer")
    assert weak.exit_code == 1 and "password" in weak.output
    mixed = run(app, "user", "create", "--username", "mixed", "--password", "Mixed-pass-11", "--role",
                "town_staff")
    assert mixed.exit_code != 0

    token = run(app, "token", "create", "--username", "bureau").output.strip()
    assert token.startswith("rk_")
    assert client.get("/api/v1/towns", headers=bearer(token)).status_code == 200
    from renkou.accounts.models import ApiToken

    with app.app_context():
        stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert token not in stored and len(stored) == 1
    assert run(app, "token", "create", "--username", "nobody").exit_code == 1
