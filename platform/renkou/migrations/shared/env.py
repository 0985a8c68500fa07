"""Alembic environment of the shared schema. Run through renkou.migrations.runner, which passes the
connection in; the shared tables name their schema themselves."""

from alembic import context

from renkou.db import SHARED_SCHEMA
from renkou.models import shared_metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=shared_metadata(),
    version_table_schema=SHARED_SCHEMA,
    include_schemas=True,
    include_name=lambda name, type_, parent: type_ != "schema" or name == SHARED_SCHEMA,
)
with context.begin_transaction():
    context.run_migrations()
