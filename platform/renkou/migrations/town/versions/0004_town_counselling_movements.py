"""Informed-choice counselling visits and "四前四后" follow-up visits; deaths and moves.

Revision ID: 0004_town_counselling_movements
Revises: 0003_town_births
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_town_counselling_movements"
down_revision = "0003_town_births"
branch_labels = None
depends_on = None


def _stamps() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "counselling_visits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("visit_date", sa.Date, nullable=False),
        sa.Column("counsellor", sa.String(64), nullable=False),
        sa.Column("methods_discussed", sa.JSON, nullable=False),
        sa.Column("method_chosen", sa.String(32), nullable=True),
        sa.Column("stopped", sa.Boolean, nullable=False),
        sa.Column("consent", sa.Boolean, nullable=False),
        sa.Column("notes", sa.String(1000), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_counselling_visits"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="RESTRICT",
                                name="fk_counselling_visits_person_id_people"),
    )
    for column in ("person_id", "visit_date", "method_chosen"):
        op.create_index(f"ix_counselling_visits_{column}", "counselling_visits", [column])
    op.create_table(
        "follow_up_visits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("visit_date", sa.Date, nullable=False),
        sa.Column("visitor", sa.String(64), nullable=False),
        sa.Column("content", sa.String(1000), nullable=False),
        sa.Column("outcome", sa.String(500), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_follow_up_visits"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="RESTRICT",
                                name="fk_follow_up_visits_person_id_people"),
    )
    for column in ("person_id", "kind", "visit_date"):
        op.create_index(f"ix_follow_up_visits_{column}", "follow_up_visits", [column])
    op.create_table(
        "movements",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("event_date", sa.Date, nullable=False),
        sa.Column("place", sa.String(200), nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("created_person", sa.Boolean, nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.String(500), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_movements"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="RESTRICT",
                                name="fk_movements_person_id_people"),
    )
    for column in ("person_id", "kind", "event_date", "cancelled_at"):
        op.create_index(f"ix_movements_{column}", "movements", [column])


def downgrade() -> None:
    for table in ("movements", "follow_up_visits", "counselling_visits"):
        op.drop_table(table)
