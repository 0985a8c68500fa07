"""The migrations build exactly the tables the models declare, in the shared schema and in a town's.

Alembic's autogenerate comparison between the models and a freshly migrated database must find nothing:
a column or index added to a model without its migration (or the reverse) fails here, not in production.
"""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

from renkou.db import SHARED_SCHEMA, town_schema
from renkou.extensions import db
from renkou.models import shared_metadata, town_metadata

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])


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


def test_shared_schema_matches_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        assert _differences(connection, shared_metadata(), SHARED_SCHEMA) == []


def test_town_schema_matches_the_models(app, town):
    schema = town_schema(town.code)
    in_schema = MetaData(naming_convention=town_metadata.naming_convention)
    for table in town_metadata.tables.values():
        table.to_metadata(in_schema, schema=schema)
    with app.app_context(), db.engine.connect() as connection:
        assert _differences(connection, in_schema, schema) == []
