"""Town report review: the town's note, figure snapshots, unlocks and the steps of every report.

Revision ID: 0007_report_reviews
Revises: 0006_town_reports
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_report_reviews"
down_revision = "0006_town_reports"
branch_labels = None
depends_on = None

S = "shared"


def _new_columns() -> list[sa.Column]:
    """Plain columns only: SQLite cannot add a column with a foreign key to an existing table (who unlocked
    a report is kept in town_report_events, which has its keys)."""
    return [sa.Column("note", sa.String(1000), nullable=True),
            sa.Column("approved_figures", sa.JSON, nullable=True),
            sa.Column("unlocked_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("unlock_reason", sa.String(500), nullable=True)]


def upgrade() -> None:
    for column in _new_columns():
        op.add_column("town_reports", column, schema=S)
    op.create_table(
        "town_report_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("report_id", sa.Integer, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.Integer, nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("figures", sa.JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_town_report_events"),
        sa.ForeignKeyConstraint(["report_id"], ["shared.town_reports.id"], ondelete="CASCADE",
                                name="fk_town_report_events_report_id_town_reports"),
        sa.ForeignKeyConstraint(["actor_id"], ["shared.users.id"], name="fk_town_report_events_actor_id_users"),
        schema=S,
    )
    op.create_index("ix_town_report_events_report_id", "town_report_events", ["report_id"], schema=S)


def downgrade() -> None:
    op.drop_index("ix_town_report_events_report_id", table_name="town_report_events", schema=S)
    op.drop_table("town_report_events", schema=S)
    for column in reversed(_new_columns()):
        op.drop_column("town_reports", column.name, schema=S)
