"""Creating and removing the storage of one town: its PostgreSQL schema or its SQLite file."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from renkou.db import after_rollback, owner_engine, town_engines, town_schema
from renkou.errors import ConflictError
from renkou.migrations.runner import app_role_of, grant_app_role, town_head
from renkou.migrations.town_script import create_town_tables


def provision(session: Session, town_code: str) -> None:
    """Create the town's storage at the town tree's head, bound to ``session``'s outcome.

    The tables come from one script generated from the town models and are stamped at head (see
    renkou.migrations.town_script); later revisions reach them through `renkou db upgrade`.
    PostgreSQL: CREATE SCHEMA and the script run in the session's own transaction, so a rollback
    leaves no schema behind. SQLite: the file is made on its own connection and deleted again if the
    session rolls back.
    """
    engines = town_engines()
    if exists(town_code):
        # Left over from a restore or an earlier install: never build a town over someone's data.
        raise ConflictError.on("code", str(_l("Data for town %(code)s already exists in the database; "
                                              "ask the operators to check it.", code=town_code)))
    settings = current_app.config["RENKOU_SETTINGS"]
    if not engines.is_sqlite and not settings.separate_owner:
        connection = session.connection()
        connection.exec_driver_sql(f'CREATE SCHEMA "{town_schema(town_code)}"')
        create_town_tables(connection, town_code, town_head())
        return
    if not engines.is_sqlite:
        # The application's role may not create schemas: the owner does, in a transaction of its own
        # committed now, and drops the schema again if the onboarding request rolls back.
        after_rollback(session, lambda: _drop_schema(town_code))
        with owner_engine().begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{town_schema(town_code)}"')
            create_town_tables(connection, town_code, town_head())
            grant_app_role(connection, town_schema(town_code), app_role_of(settings))
        return
    path = engines.town_file(town_code)
    path.parent.mkdir(parents=True, exist_ok=True)
    after_rollback(session, lambda: discard_sqlite_file(town_code))
    try:
        with engines.town_connection(town_code) as connection:
            create_town_tables(connection, town_code, town_head())
    except Exception:
        discard_sqlite_file(town_code)
        raise


def _drop_schema(town_code: str) -> None:
    with owner_engine().begin() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{town_schema(town_code)}" CASCADE')


def discard_sqlite_file(town_code: str) -> None:
    engines = town_engines()
    engines.forget(town_code)
    path = engines.town_file(town_code)
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def exists(town_code: str) -> bool:
    """Whether the town's schema or file exists (used by tests and the health of onboarding)."""
    engines = town_engines()
    if engines.is_sqlite:
        return engines.town_file(town_code).exists()
    with engines.shared_engine.connect() as connection:
        row = connection.exec_driver_sql(
            "SELECT 1 FROM pg_namespace WHERE nspname = %(name)s", {"name": town_schema(town_code)}
        ).first()
    return row is not None
