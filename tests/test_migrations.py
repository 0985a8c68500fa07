"""The migrations build exactly the tables the models declare, in the shared schema and in a town's.

Alembic's autogenerate comparison between the models and a freshly migrated database must find nothing:
a column or index added to a model without its migration (or the reverse) fails here, not in production.
A new town is not migrated but made from the models in one script and stamped at head: it must equal a
migrated town, object by object, and take later revisions like any other.
"""

from __future__ import annotations

import shutil

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, inspect

from renkou.db import SHARED_SCHEMA, town_schema
from renkou.extensions import db
from renkou.migrations import runner
from renkou.models import shared_metadata, town_metadata

only_postgresql = pytest.mark.parametrize("backend", ["postgresql"])


def _differences(connection, metadata, schema: str) -> list:
    def include_object(obj, name, type_, reflected, compare_to):
        table = obj if type_ == "table" else getattr(obj, "table", None)
        if type_ == "table" and name == "alembic_version":
            return False
        if table is not None and type_ == "table":
            return (table.schema or schema) == schema
        return True

    context = MigrationContext.configure(connection, opts={
        "include_schemas": True, "include_object": include_object, "compare_type": True,
        "include_name": lambda name, type_, parent: type_ != "schema" or name == schema,
        "target_metadata": metadata})
    found = compare_metadata(context, metadata)
    return [diff for diff in found if not _is_other_schema(diff, schema)]


def _is_other_schema(diff, schema: str) -> bool:
    first = diff[0] if isinstance(diff, list) else diff
    for item in first[1:]:
        table = getattr(item, "table", None) if not hasattr(item, "schema") else item
        if table is not None and getattr(table, "schema", None) not in (None, schema):
            return True
    return False


@only_postgresql
def test_shared_schema_matches_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        assert _differences(connection, shared_metadata(), SHARED_SCHEMA) == []


@only_postgresql
def test_town_schema_matches_the_models(app):
    """The town tree, replayed revision by revision, builds the models' tables."""
    code = "411524190"
    _migrate_town(app, code)
    with app.app_context(), db.engine.connect() as connection:
        assert _differences(connection, _town_tables_in(town_schema(code)), town_schema(code)) == []


def _town_tables_in(schema: str) -> MetaData:
    in_schema = MetaData(naming_convention=town_metadata.naming_convention)
    for table in town_metadata.tables.values():
        table.to_metadata(in_schema, schema=schema)
    return in_schema


def _migrate_town(app, code: str) -> None:
    """Storage for ``code`` built the old way: every revision of the town tree in turn."""
    engines = app.extensions["renkou.town_engines"]
    with app.app_context():
        if engines.is_sqlite:
            engines.town_file(code).parent.mkdir(parents=True, exist_ok=True)
            with engines.town_connection(code) as connection:
                runner.upgrade_town(connection, code)
            return
        with engines.engine_for(code).begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{town_schema(code)}"')
            runner.upgrade_town(connection, code)


def _structure(app, code: str) -> dict:
    """Every table of a town as the database describes it: columns with types, nullability and defaults,
    keys, foreign keys with their actions, indexes (with their conditions), unique and check constraints."""
    engines = app.extensions["renkou.town_engines"]
    with app.app_context(), engines.town_connection(code) as connection:
        schema = None if engines.is_sqlite else town_schema(code)
        inspector = inspect(connection)
        found = {}
        for table in inspector.get_table_names(schema=schema):
            found[table] = {
                # By name: a column a later revision added comes last in a migrated table, and that order
                # is all that may differ.
                "columns": sorted((c["name"], repr(c["type"]), c["nullable"], _unnamed(c.get("default"), schema),
                                   c.get("autoincrement")) for c in inspector.get_columns(table, schema=schema)),
                "primary_key": inspector.get_pk_constraint(table, schema=schema),
                "foreign_keys": sorted((fk["name"] or "", fk["constrained_columns"], fk["referred_table"],
                                        fk["referred_columns"], sorted(fk["options"].items()))
                                       for fk in inspector.get_foreign_keys(table, schema=schema)),
                "indexes": sorted((ix["name"], ix["column_names"], ix["unique"], sorted(
                    (key, str(value)) for key, value in ix.get("dialect_options", {}).items()))
                                  for ix in inspector.get_indexes(table, schema=schema)),
                "unique": sorted((uq["name"] or "", uq["column_names"])
                                 for uq in inspector.get_unique_constraints(table, schema=schema)),
                "checks": sorted((ck["name"] or "", " ".join(ck["sqltext"].split()))
                                 for ck in inspector.get_check_constraints(table, schema=schema)),
            }
        version = connection.exec_driver_sql(
            f"SELECT version_num FROM {'' if schema is None else schema + '.'}alembic_version").scalar_one()
    return {"tables": found, "version": version}


def _unnamed(default: str | None, schema: str | None) -> str | None:
    """A column default without the town's own schema name (nextval('town_….villages_id_seq'))."""
    return default.replace(schema, "<town>") if default and schema else default


def test_a_new_town_equals_a_migrated_town(app, town):
    """Onboarding makes a town from the models in one script: the same tables, columns, keys, indexes and
    constraints as replaying every migration, and the same version, so Alembic sees no difference."""
    migrated = "411524191"
    _migrate_town(app, migrated)
    made, replayed = _structure(app, town.code), _structure(app, migrated)
    assert made["version"] == replayed["version"] == runner.head("town")
    assert sorted(made["tables"]) == sorted(replayed["tables"])
    differing = {table: [(key, made["tables"][table][key], value) for key, value in replayed["tables"][table].items()
                         if made["tables"][table][key] != value]
                 for table in replayed["tables"] if made["tables"][table] != replayed["tables"][table]}
    assert differing == {}


@only_postgresql
def test_a_new_town_matches_the_models(app, town):
    with app.app_context(), db.engine.connect() as connection:
        assert _differences(connection, _town_tables_in(town_schema(town.code)), town_schema(town.code)) == []


LATER_REVISION = '''
import sqlalchemy as sa
from alembic import op

revision = "9990_later"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("villages", sa.Column("later_note", sa.String(20), nullable=True))
    op.create_table("later_things", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("later_things")
    op.drop_column("villages", "later_note")
'''


def test_a_new_town_takes_a_later_revision(app, factory, tmp_path, monkeypatch):
    """A town made from the models is at head as far as Alembic knows: the runner sees it behind the next
    revision and applies that one (in this process: the migration pool's processes would not see the
    extra revision)."""
    town = factory.town()
    trees = tmp_path / "trees"
    for tree in ("shared", "town"):
        shutil.copytree(runner.HERE / tree, trees / tree, ignore=shutil.ignore_patterns("__pycache__"))
    (trees / "town" / "versions" / "9990_later.py").write_text(LATER_REVISION.format(head=runner.head("town")))
    monkeypatch.setattr(runner, "HERE", trees)
    engines = app.extensions["renkou.town_engines"]
    with app.app_context(), engines.town_connection(town.code) as connection:
        assert runner.town_revision(connection, town.code) != runner.head("town") == "9990_later"
        runner.upgrade_town(connection, town.code)
    structure = _structure(app, town.code)
    assert structure["version"] == "9990_later"
    assert "later_things" in structure["tables"]
    assert "later_note" in [column[0] for column in structure["tables"]["villages"]["columns"]]
