"""Schedules: the county's overrides of the code's default schedules, and one row per schedule and due
slot, so a second tick or a second cron process for the same slot does nothing.

Revision ID: 0005_schedules
Revises: 0004_targets
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_schedules"
down_revision = "0004_targets"
branch_labels = None
depends_on = None

S = "shared"


def upgrade() -> None:
    op.create_table(
        "schedule_settings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("local_cron", sa.String(64), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("updated_by_id", sa.Integer, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_schedule_settings"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["shared.users.id"], ondelete="SET NULL",
                                name="fk_schedule_settings_updated_by_id_users"),
        sa.UniqueConstraint("name", name="uq_schedule_settings_name"),
        schema=S,
    )
    op.create_table(
        "schedule_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("slot", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("enqueued", sa.Integer, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_schedule_runs"),
        sa.UniqueConstraint("name", "slot", name="uq_schedule_runs_name_slot"),
        schema=S,
    )
    op.create_index("ix_schedule_runs_slot", "schedule_runs", ["slot"], schema=S)


def downgrade() -> None:
    op.drop_index("ix_schedule_runs_slot", table_name="schedule_runs", schema=S)
    op.drop_table("schedule_runs", schema=S)
    op.drop_table("schedule_settings", schema=S)
