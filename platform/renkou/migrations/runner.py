"""Runs the two Alembic trees: the shared schema, then every town (bounded, in parallel processes)."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import functools
import multiprocessing
from collections.abc import Callable, Iterable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine, make_url

from renkou.db import SHARED_SCHEMA, TownEngines, create_standalone_engines, town_schema

HERE = Path(__file__).parent


def _config(tree: str, connection: Connection, **attributes) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE / tree))
    config.attributes["connection"] = connection
    config.attributes.update(attributes)
    return config


def head(tree: str) -> str:
    config = Config()
    config.set_main_option("script_location", str(HERE / tree))
    return ScriptDirectory.from_config(config).get_current_head()


@functools.cache
def town_head() -> str:
    """The town tree's head, read once per process (onboarding stamps every new town with it)."""
    return head("town")


def upgrade_shared(engine: Engine, app_role: str | None = None) -> None:
    """Upgrade the shared schema on ``engine`` (the owner's); grant ``app_role`` what it may do there."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {SHARED_SCHEMA}")
        command.upgrade(_config("shared", connection), "head")
        if app_role:
            grant_app_role(connection, SHARED_SCHEMA, app_role)


def app_role_of(settings) -> str | None:
    """The PostgreSQL role the web and worker processes connect as, when it is not the owner's."""
    if not settings.separate_owner:
        return None
    return make_url(settings.database_url).username


def grant_app_role(connection: Connection, schema: str, role: str) -> None:
    """What the application's role may do in ``schema``: read and write rows, nothing more.

    No DDL (it owns nothing), no TRUNCATE, and on the audit trail only SELECT and INSERT, so that it can
    neither edit nor empty the trail, nor switch off the triggers that guard it (only an owner can).
    """
    quoted_role = connection.dialect.identifier_preparer.quote(role)
    for statement in (
        f'GRANT USAGE ON SCHEMA "{schema}" TO {quoted_role}',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO {quoted_role}',
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO {quoted_role}',
        f'REVOKE INSERT, UPDATE, DELETE ON "{schema}".alembic_version FROM {quoted_role}',
    ):
        connection.exec_driver_sql(statement)
    if schema == SHARED_SCHEMA:
        connection.exec_driver_sql(
            f"REVOKE UPDATE, DELETE, TRUNCATE ON {SHARED_SCHEMA}.audit_events FROM {quoted_role}")


def _schema_for(connection: Connection, town_code: str) -> str | None:
    return town_schema(town_code) if connection.dialect.name == "postgresql" else None


def town_revision(connection: Connection, town_code: str) -> str | None:
    schema = _schema_for(connection, town_code)
    context = MigrationContext.configure(connection, opts={"version_table_schema": schema})
    return context.get_current_revision()


def upgrade_town(connection: Connection, town_code: str, app_role: str | None = None) -> None:
    """Upgrade one town on ``connection``, inside the transaction the caller holds."""
    command.upgrade(_config("town", connection, town_schema=_schema_for(connection, town_code)), "head")
    if app_role and connection.dialect.name == "postgresql":
        grant_app_role(connection, town_schema(town_code), app_role)


@dataclasses.dataclass
class TownUpgrade:
    town_code: str
    status: str  # "upgraded", "current" or "failed"
    error: str = ""


def upgrade_towns(
    settings,
    engines: TownEngines,
    town_codes: Iterable[str],
    workers: int,
    progress: Callable[[TownUpgrade], None] = lambda result: None,
) -> list[TownUpgrade]:
    """Upgrade every town that is behind head, ``workers`` at a time; one failure stops no other."""
    target = head("town")
    results: list[TownUpgrade] = []
    behind: list[str] = []
    for code in town_codes:
        problem = _missing_storage(engines, code)
        if problem:
            results.append(TownUpgrade(code, "failed", problem))
            progress(results[-1])
            continue
        with engines.engine_for(code).connect() as connection:
            current = town_revision(connection, code)
        if current == target:
            results.append(TownUpgrade(code, "current"))
            progress(results[-1])
        else:
            behind.append(code)
    if not behind:
        return results
    # Spawned processes start clean: no pooled connection of this process is shared with them.
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=min(workers, len(behind)), mp_context=context) as pool:
        futures = {pool.submit(_upgrade_in_process, settings, code): code for code in behind}
        for future in concurrent.futures.as_completed(futures):
            try:
                result = future.result()
            except Exception as exc:  # the process itself died
                result = TownUpgrade(futures[future], "failed", f"{type(exc).__name__}: {exc}")
            results.append(result)
            progress(result)
    return results


def _missing_storage(engines: TownEngines, town_code: str) -> str:
    if engines.is_sqlite and not engines.town_file(town_code).exists():
        return f"town file {engines.town_file(town_code)} is missing (restore it from a backup)"
    if not engines.is_sqlite:
        with engines.shared_engine.connect() as connection:
            found = connection.exec_driver_sql(
                "SELECT 1 FROM pg_namespace WHERE nspname = %(name)s",
                {"name": town_schema(town_code)},
            ).first()
        if found is None:
            return f"schema {town_schema(town_code)} is missing (restore it from a backup)"
    return ""


def _upgrade_in_process(settings, town_code: str) -> TownUpgrade:
    engines = create_standalone_engines(settings, owner=True)
    try:
        with engines.town_connection(town_code) as connection:
            upgrade_town(connection, town_code, app_role_of(settings))
        return TownUpgrade(town_code, "upgraded")
    except Exception as exc:
        return TownUpgrade(town_code, "failed", f"{type(exc).__name__}: {exc}")
    finally:
        engines.dispose()
