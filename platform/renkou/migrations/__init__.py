"""Alembic migrations: one tree for the shared schema, one for every town's schema (DESIGN.md §3)."""
