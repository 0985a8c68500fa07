"""The tenant-aware session and the engines behind it (DESIGN.md §3).

A town's tables are declared without a schema. The session is told which town it serves
(``bind_town``); from then on every statement runs on that town's engine:

* PostgreSQL: the one engine with ``schema_translate_map={None: "town_<code>"}``, cached per town, so
  every town shares one connection pool and unqualified town tables land in the town's schema.
* SQLite (embedded default): one file per town, ``var/towns/<code>.db``, with ``shared.db`` attached
  as ``shared`` on connect.

Shared tables carry ``schema="shared"`` and so work through either engine. A session with no town
refuses town tables instead of guessing.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import flask_sqlalchemy.session
import sqlalchemy as sa
from flask import current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, scoped_session

log = logging.getLogger(__name__)

SHARED_SCHEMA = "shared"
_TOWN_KEY = "renkou.town_code"
_AFTER_COMMIT = "renkou.after_commit"
_AFTER_ROLLBACK = "renkou.after_rollback"


class NoTownSelected(RuntimeError):
    """A town table was queried on a session that serves no town."""


def town_schema(code: str) -> str:
    return f"town_{code}"


class TenantSession(flask_sqlalchemy.session.Session):
    """Routes every statement to the engine of the town bound to this session."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is not None:
            return bind
        town_code = self.info.get(_TOWN_KEY)
        if town_code is not None:
            return town_engines().engine_for(town_code)
        if _is_town_statement(mapper, clause):
            raise NoTownSelected("this session serves no town; call bind_town() first")
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def _is_town_statement(mapper, clause) -> bool:
    from renkou.extensions import town_metadata

    if mapper is not None:
        return mapper.local_table.metadata is town_metadata
    tables = getattr(clause, "table", None)
    return getattr(tables, "metadata", None) is town_metadata


def bind_town(session: Session, town_code: str) -> None:
    """Make ``session`` serve ``town_code``. A session serves one town for its whole life."""
    session = _real(session)
    current = session.info.get(_TOWN_KEY)
    if current is not None and current != town_code:
        raise RuntimeError(f"session already serves town {current}, not {town_code}")
    if current is None and session.in_transaction():
        # Release the connection used for shared look-ups (town, membership) so that the rest of the
        # request runs in one transaction on the town's engine.
        session.rollback()
    session.info[_TOWN_KEY] = town_code


def bound_town(session: Session) -> str | None:
    return _real(session).info.get(_TOWN_KEY)


def _real(session):
    """The Session behind Flask-SQLAlchemy's scoped_session proxy (which lacks some methods)."""
    return session() if isinstance(session, scoped_session) else session


# ---------------------------------------------------------------------------------------------------------
# Work that must wait for the outcome of the transaction: enqueueing jobs after commit, removing a
# half-made town file after rollback.


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    _real(session).info.setdefault(_AFTER_COMMIT, []).append(callback)


def after_rollback(session: Session, callback: Callable[[], None]) -> None:
    _real(session).info.setdefault(_AFTER_ROLLBACK, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # SQLAlchemy fires this for a savepoint too; only the outer commit makes work visible
    session.info.pop(_AFTER_ROLLBACK, None)
    for callback in session.info.pop(_AFTER_COMMIT, []):
        try:
            callback()
        except Exception:  # the commit stands; one failed side effect must not hide the others
            log.exception("a callback after commit failed")


@event.listens_for(Session, "after_soft_rollback")
def _run_after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is not None:
        return  # a savepoint or subtransaction; the outer transaction decides
    session.info.pop(_AFTER_COMMIT, None)
    for callback in session.info.pop(_AFTER_ROLLBACK, []):
        callback()


# ---------------------------------------------------------------------------------------------------------
# Engines per town.


class TownEngines:
    """Creates and caches the engine of each town. One instance per application."""

    def __init__(self, shared_engine: Engine, sqlite_dir: Path | None):
        self.shared_engine = shared_engine
        self.sqlite_dir = sqlite_dir
        self._engines: dict[str, Engine] = {}
        self._lock = threading.Lock()

    @property
    def is_sqlite(self) -> bool:
        return self.sqlite_dir is not None

    def engine_for(self, town_code: str) -> Engine:
        engine = self._engines.get(town_code)
        if engine is None:
            with self._lock:
                engine = self._engines.get(town_code)
                if engine is None:
                    engine = self._make_engine(town_code)
                    self._engines[town_code] = engine
        return engine

    def _make_engine(self, town_code: str) -> Engine:
        if self.sqlite_dir is None:
            return self.shared_engine.execution_options(schema_translate_map={None: town_schema(town_code)})
        path = self.town_file(town_code)
        engine = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": 30})
        configure_sqlite_engine(engine, self.shared_file)
        return engine

    @property
    def shared_file(self) -> Path:
        assert self.sqlite_dir is not None
        return self.sqlite_dir / "shared.db"

    def town_file(self, town_code: str) -> Path:
        assert self.sqlite_dir is not None
        return self.sqlite_dir / "towns" / f"{town_code}.db"

    def forget(self, town_code: str) -> None:
        with self._lock:
            engine = self._engines.pop(town_code, None)
        if engine is not None and self.is_sqlite:
            engine.dispose()

    def dispose(self, close: bool = True) -> None:
        """After fork (close=False) or at shutdown: drop pooled connections of every town engine."""
        with self._lock:
            engines = list(self._engines.values())
        for engine in engines:
            if self.is_sqlite:
                engine.dispose(close=close)
        self.shared_engine.dispose(close=close)

    @contextlib.contextmanager
    def town_connection(self, town_code: str) -> Iterator[Connection]:
        """A connection of its own for one town, in a transaction committed on success (migrations).

        On SQLite it opens the town's file alone, without shared.db: a migration then never waits
        for the shared.db write lock that the request onboarding the town holds.
        """
        if not self.is_sqlite:
            with self.engine_for(town_code).begin() as connection:
                yield connection
            return
        engine = sa.create_engine(f"sqlite:///{self.town_file(town_code)}", poolclass=sa.pool.NullPool,
                                  connect_args={"timeout": 30})
        configure_sqlite_engine(engine, shared_file=None)
        try:
            with engine.begin() as connection:
                yield connection
        finally:
            engine.dispose()


def town_engines() -> TownEngines:
    return current_app.extensions["renkou.town_engines"]


READ_METHODS = ("GET", "HEAD", "OPTIONS")
REQUEST_BUSY_MS = 5000  # a request waits this long for SQLite's write lock, then fails ("database is locked")
JOB_BUSY_MS = 30000  # jobs and commands wait behind a long import instead


def owner_engine() -> Engine:
    """The engine DDL runs on: the owner role's (RENKOU_DATABASE_OWNER_URL), or the one engine of a
    single-role setup (embedded mode, development)."""
    return current_app.extensions.get("renkou.owner_engine") or current_app.extensions["sqlalchemy"].engine


def make_owner_engine(settings) -> Engine | None:
    """An engine of the owner role when it is separate from the application's; None otherwise."""
    if not settings.separate_owner:
        return None
    return sa.create_engine(settings.database_owner_url, poolclass=sa.pool.NullPool)


def configure_sqlite_engine(engine: Engine, shared_file: Path | None) -> None:
    """SQLite as a proper transactional store: real BEGIN, foreign keys, shared.db attached.

    pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT and transactional DDL, so
    it is switched off and BEGIN is emitted by SQLAlchemy (the recipe in SQLAlchemy's SQLite docs).

    A request that changes things (POST, PUT, PATCH, DELETE), a job and a command begin IMMEDIATE: they
    take the write lock up front, since a transaction that read first and writes later would otherwise
    fail at once with "database is locked" when another connection wrote in between, instead of waiting
    its turn. A GET (or HEAD) reads: it begins DEFERRED and holds no write lock, so a page, a signed-in
    user's loading or /readyz never makes another request wait (WAL lets it read beside the writer).
    ``connection.execution_options(sqlite_begin="DEFERRED")`` asks for a read transaction anywhere. A
    request waits at most REQUEST_BUSY_MS for a lock, well inside its own time budget; jobs wait longer.
    PostgreSQL is the store for real concurrency.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL lets readers and one writer work side by side (web, workers, the separate audit
        # connection). Its cost: a transaction that writes both a town file and shared.db is atomic
        # per file, not across both; PostgreSQL has no such limit.
        cursor.execute("PRAGMA main.journal_mode=WAL")
        if shared_file is not None:
            cursor.execute("ATTACH DATABASE ? AS shared", (str(shared_file),))
            cursor.execute("PRAGMA shared.journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        in_request = has_request_context()
        mode = connection.get_execution_options().get("sqlite_begin")
        if mode is None:
            mode = "DEFERRED" if in_request and request.method in READ_METHODS else "IMMEDIATE"
        busy = REQUEST_BUSY_MS if in_request else JOB_BUSY_MS
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {busy}")
        connection.exec_driver_sql(f"BEGIN {mode}")


# ---------------------------------------------------------------------------------------------------------
# Engine configuration, shared by the Flask app and by processes that run without it (migration pool).


def shared_engine_config(settings) -> tuple[str, dict]:
    """The URL and engine options of the shared engine for ``settings``."""
    if settings.is_postgres:
        return settings.database_url, {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 10}
    # SQLite: an empty in-memory main database with shared.db attached as `shared`, so that a town
    # table queried without a town fails loudly instead of landing in the wrong file. A URI, not
    # "sqlite://": Flask-SQLAlchemy would pin a plain in-memory URL to one connection for all threads.
    options = {"poolclass": sa.pool.QueuePool, "connect_args": {"check_same_thread": False, "timeout": 30}}
    return "sqlite:///file:renkou-main?mode=memory&uri=true", options


def sqlite_dir_for(settings) -> Path | None:
    if settings.is_postgres:
        return None
    return settings.sqlite_dir.resolve()


def create_standalone_engines(settings, owner: bool = False) -> TownEngines:
    """Engines for a process without a Flask app (each process of the migration pool, which runs as the
    owner role: ``owner=True``)."""
    url, options = shared_engine_config(settings)
    if owner and settings.separate_owner:
        url = settings.database_owner_url
    engine = sa.create_engine(url, **options)
    sqlite_dir = sqlite_dir_for(settings)
    if sqlite_dir is not None:
        sqlite_dir.mkdir(parents=True, exist_ok=True)
        configure_sqlite_engine(engine, sqlite_dir / "shared.db")
    return TownEngines(engine, sqlite_dir)
