"""The `renkou` command: migrations across towns, towns, users and tokens."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

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


def test_the_command_loads_without_the_web_stack():
    """`renkou --help` answers at once: loading the command imports neither Flask nor SQLAlchemy, let alone
    the application (each command imports what it uses when it runs)."""
    probe = ("import sys, renkou.cli; "
             "print(sorted(name for name in ('flask', 'sqlalchemy', 'renkou.app', 'renkou.models') "
             "if name in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
    from renkou.accounts.roles import COUNTY_ROLES, TOWN_ROLES
    from renkou.cli import COUNTY_ROLE_CHOICES, TOWN_ROLE_CHOICES

    assert (COUNTY_ROLE_CHOICES, TOWN_ROLE_CHOICES) == (COUNTY_ROLES, TOWN_ROLES)


def test_town_create_as_a_process_of_its_own(app, settings):
    """`renkou town create` in a new process builds an app without pages; the town it makes is whole: its
    row, its administrator and its storage at the town tree's head."""
    from renkou.migrations.runner import head, town_revision
    from renkou.tenancy.services import get_town_by_slug

    environment = {key: value for key, value in os.environ.items() if not key.startswith("RENKOU_")}
    environment.update(RENKOU_DATA_DIR=str(settings.data_dir), RENKOU_REDIS_URL=settings.redis_url,
                       RENKOU_REDIS_PREFIX=settings.redis_prefix, RENKOU_SECRET_KEY=settings.secret_key,
                       RENKOU_COUNTY_CODE=settings.county_code, RENKOU_SECURE_COOKIES="0")
    if settings.database_url:
        environment["RENKOU_DATABASE_URL"] = settings.database_url
    created = subprocess.run(
        [sys.executable, "-c", "from renkou.cli import main; main()", "town", "create", "--code", "411524105",
         "--name", "苏仙石乡", "--slug", "suxianshi", "--admin-username", "sxs_admin", "--admin-password",
         "Suxianshi-pass-1"], env=environment, capture_output=True, text=True, timeout=600)
    assert created.returncode == 0, created.stderr
    assert "town 411524105 苏仙石乡 created at /t/suxianshi/" in created.stdout
    engines = app.extensions["renkou.town_engines"]
    with app.app_context():
        assert get_town_by_slug("suxianshi").code == "411524105"
        with engines.town_connection("411524105") as connection:
            assert town_revision(connection, "411524105") == head("town")
    from tests.conftest import login

    assert login(app.test_client(), "sxs_admin", "Suxianshi-pass-1").status_code == 302
