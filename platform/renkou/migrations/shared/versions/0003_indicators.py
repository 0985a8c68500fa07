"""Indicator values per town and period, their freshness, and flags for review.

Revision ID: 0003_indicators
Revises: 0002_town_keys
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_indicators"
down_revision = "0002_town_keys"
branch_labels = None
depends_on = None

S = "shared"
AMOUNT = sa.Numeric(18, 4)


def _town_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["town_id"], ["shared.towns.id"], ondelete="CASCADE",
                                   name=f"fk_{table}_town_id_towns")


def upgrade() -> None:
    op.create_table(
        "indicator_values",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("town_id", sa.Integer, nullable=False),
        sa.Column("indicator", sa.String(40), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("period_kind", sa.String(16), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("numerator", AMOUNT, nullable=False),
        sa.Column("denominator", AMOUNT, nullable=False),
        sa.Column("value", AMOUNT, nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_indicator_values"),
        _town_fk("indicator_values"),
        sa.UniqueConstraint("town_id", "indicator", "period", name="uq_indicator_values_town_indicator_period"),
        schema=S,
    )
    op.create_index("ix_indicator_values_period_indicator", "indicator_values", ["period", "indicator"], schema=S)
    op.create_table(
        "town_periods",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("town_id", sa.Integer, nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("dirty_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("change_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("compute_ms", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_town_periods"),
        _town_fk("town_periods"),
        sa.UniqueConstraint("town_id", "period", name="uq_town_periods_town_period"),
        schema=S,
    )
    op.create_index("ix_town_periods_dirty_since", "town_periods", ["dirty_since"], schema=S)
    op.create_table(
        "validation_flags",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("town_id", sa.Integer, nullable=False),
        sa.Column("indicator", sa.String(40), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer, nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_note", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_validation_flags"),
        _town_fk("validation_flags"),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["shared.users.id"],
                                name="fk_validation_flags_reviewed_by_id_users"),
        sa.UniqueConstraint("town_id", "indicator", "period", "rule", name="uq_validation_flags_key"),
        schema=S,
    )


def downgrade() -> None:
    for table in ("validation_flags", "town_periods", "indicator_values"):
        op.drop_table(table, schema=S)
