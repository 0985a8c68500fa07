"""A new town's tables made in one script from the town models, and stamped at the town tree's head.

Replaying the town tree revision by revision costs a new town about 140 DDL round trips plus Alembic's
own work (3.5 s of a 6.6 s onboarding). The models and the migrations describe the same tables
(tests/test_migrations.py compares the models with a migrated town, and a town made here with a
migrated one), so a new town gets the models' DDL, compiled once per process, and the version row
Alembic would have written. Every later revision still reaches it through `renkou db upgrade`.
"""

from __future__ import annotations

import functools

from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table, create_mock_engine
from sqlalchemy.engine import Connection
from sqlalchemy.schema import AddConstraint, CreateIndex, CreateTable

from renkou.db import town_schema

# Compiled into the statements in place of the town's schema, then replaced by it.
_PLACEHOLDER = "renkou_town_schema_placeholder"
VERSION_TABLE = "alembic_version"


def create_town_tables(connection: Connection, town_code: str, revision: str) -> None:
    """Create every town table on ``connection`` (in the caller's transaction) and record ``revision``
    (the town tree's head) as Alembic does. PostgreSQL: the schema must exist; one round trip.
    SQLite: the connection is the town's own file."""
    statements = _statements(connection.dialect.name)
    version = f"INSERT INTO {_PLACEHOLDER}.{VERSION_TABLE} (version_num) VALUES ('{revision}')"
    if connection.dialect.name == "postgresql":
        schema = connection.dialect.identifier_preparer.quote_schema(town_schema(town_code))
        script = ";\n".join((*statements, version)).replace(_PLACEHOLDER, schema)
        connection.exec_driver_sql(script)  # no parameters: psycopg sends several statements at once
        return
    # SQLite's executescript() would commit the caller's transaction: one statement at a time, in process.
    for statement in (*statements, version.replace(f"{_PLACEHOLDER}.", "")):
        connection.exec_driver_sql(statement)


@functools.cache
def _statements(dialect_name: str) -> tuple[str, ...]:
    """CREATE TABLE / INDEX statements of the town models and of Alembic's version table, in dependency
    order, with the town's schema left as a placeholder (none on SQLite, where the town is the file)."""
    from renkou.models import town_metadata

    dialect = create_mock_engine(f"{dialect_name}://", lambda *args, **kwargs: None).dialect
    translate = {None: _PLACEHOLDER} if dialect_name == "postgresql" else None

    def compiled(element) -> str:
        return str(element.compile(dialect=dialect, schema_translate_map=translate,
                                   render_schema_translate=translate is not None)).strip()

    found, added_later = [], []
    for table in town_metadata.sorted_tables:
        # A key between two tables that point at each other (use_alter) is added once both exist on
        # PostgreSQL; SQLite cannot add one to a table, and checks keys only when rows are written, so it
        # goes inline there.
        inline = [key for key in table.foreign_key_constraints if dialect_name == "sqlite" or not key.use_alter]
        added_later += [key for key in table.foreign_key_constraints if key not in inline]
        found.append(compiled(CreateTable(table, include_foreign_key_constraints=inline)))
        found += [compiled(CreateIndex(index)) for index in sorted(table.indexes, key=lambda index: index.name)]
    # isolate_from_table=False: leave the key as the models declare it (SQLAlchemy would otherwise mark it
    # as never inline, for every later CREATE TABLE of that table, whatever the dialect).
    found += [compiled(AddConstraint(key, isolate_from_table=False)) for key in added_later]
    found.append(compiled(CreateTable(_version_table())))
    return tuple(found)


def _version_table() -> Table:
    """Alembic's version table, as its MigrationContext declares it."""
    return Table(VERSION_TABLE, MetaData(), Column("version_num", String(32), nullable=False),
                 PrimaryKeyConstraint("version_num", name=f"{VERSION_TABLE}_pkc"))
