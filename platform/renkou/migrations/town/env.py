"""Alembic environment of one town. Run through renkou.migrations.runner with the town's connection.

On PostgreSQL the town tables are declared without a schema and land in `town_<code>` through the
connection's schema_translate_map; the version table is kept in the same schema. On SQLite the town is
its own file and everything stays in `main`.
"""

from alembic import context

from renkou.models import town_metadata

connection = context.config.attributes["connection"]
schema = context.config.attributes.get("town_schema")
# Connection.execution_options changes the connection in place, and onboarding migrates on the
# caller's connection: put the previous map back afterwards.
previous_map = connection.get_execution_options().get("schema_translate_map")
previous_path = None
if schema is not None:
    connection.execution_options(schema_translate_map={None: schema})
    # Alembic's ALTER operations (add_column, alter_column, create_foreign_key…) name the table themselves
    # and ignore the map: the town's schema goes first on the path for this transaction too.
    previous_path = connection.exec_driver_sql("SHOW search_path").scalar_one()
    connection.exec_driver_sql(f'SET LOCAL search_path TO "{schema}", public')
try:
    context.configure(connection=connection, target_metadata=town_metadata, version_table_schema=schema)
    with context.begin_transaction():
        context.run_migrations()
finally:
    connection.execution_options(schema_translate_map=previous_map)
# Reached on success only: a failed migration's rollback undoes the SET LOCAL along with everything else.
if previous_path is not None:
    connection.exec_driver_sql("SELECT set_config('search_path', %(path)s, true)", {"path": previous_path})
