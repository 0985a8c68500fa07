"""Town monthly reports to the county.

Revision ID: 0006_town_reports
Revises: 0005_schedules
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_town_reports"
down_revision = "0005_schedules"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "town_reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("town_id", sa.Integer, nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _ts("first_submitted_at"),
        _ts("submitted_at"),
        sa.Column("submitted_by_id", sa.Integer, nullable=True),
        _ts("decided_at"),
        sa.Column("decided_by_id", sa.Integer, nullable=True),
        sa.Column("return_reason", sa.String(500), nullable=True),
        _ts("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_town_reports"),
        sa.ForeignKeyConstraint(["town_id"], ["shared.towns.id"], ondelete="CASCADE",
                                name="fk_town_reports_town_id_towns"),
        sa.ForeignKeyConstraint(["submitted_by_id"], ["shared.users.id"], name="fk_town_reports_submitted_by_id_users"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["shared.users.id"], name="fk_town_reports_decided_by_id_users"),
        sa.UniqueConstraint("town_id", "period", name="uq_town_reports_town_period"),
        schema="shared",
    )


def downgrade() -> None:
    op.drop_table("town_reports", schema="shared")
