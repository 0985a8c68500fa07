"""Targets per indicator for the county and its towns.

Revision ID: 0004_targets
Revises: 0003_indicators
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_targets"
down_revision = "0003_indicators"
branch_labels = None
depends_on = None

S = "shared"


def upgrade() -> None:
    # scope is "county" or the town's code and never NULL, so the unique key works on SQLite too.
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("indicator", sa.String(40), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("period_kind", sa.String(16), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("town_id", sa.Integer, nullable=True),
        sa.Column("value", sa.Numeric(18, 4), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("set_by_id", sa.Integer, nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_targets"),
        sa.ForeignKeyConstraint(["town_id"], [f"{S}.towns.id"], ondelete="CASCADE",
                                name="fk_targets_town_id_towns"),
        sa.ForeignKeyConstraint(["set_by_id"], [f"{S}.users.id"], ondelete="SET NULL",
                                name="fk_targets_set_by_id_users"),
        sa.UniqueConstraint("indicator", "period", "scope", name="uq_targets_indicator_period_scope"),
        sa.CheckConstraint("(town_id IS NULL) = (scope = 'county')", name="ck_targets_scope_matches_town"),
        sa.CheckConstraint("source IN ('county', 'bureau')", name="ck_targets_source"),
        schema=S,
    )
    op.create_index("ix_targets_period", "targets", ["period"], schema=S)


def downgrade() -> None:
    op.drop_index("ix_targets_period", table_name="targets", schema=S)
    op.drop_table("targets", schema=S)
