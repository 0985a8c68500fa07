"""Births: birth registrations and their yearly number counter, births, birth notices, follow-up tasks.

Revision ID: 0003_town_births
Revises: 0002_town_registry
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_town_births"
down_revision = "0002_town_registry"
branch_labels = None
depends_on = None


def _stamps() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "birth_registrations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("number", sa.String(32), nullable=True),
        sa.Column("mother_id", sa.Integer, nullable=False),
        sa.Column("father_id", sa.Integer, nullable=True),
        sa.Column("father_name", sa.String(64), nullable=True),
        sa.Column("timing", sa.String(16), nullable=False),
        sa.Column("expected_date", sa.Date, nullable=True),
        sa.Column("child_birth_date", sa.Date, nullable=True),
        sa.Column("child_order", sa.Integer, nullable=False),
        sa.Column("self_declared", sa.Boolean, nullable=False),
        sa.Column("applied_on", sa.Date, nullable=False),
        sa.Column("submitted_on", sa.Date, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("return_reason", sa.String(500), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_birth_registrations"),
        sa.ForeignKeyConstraint(["mother_id"], ["people.id"], ondelete="RESTRICT",
                                name="fk_birth_registrations_mother_id_people"),
        sa.ForeignKeyConstraint(["father_id"], ["people.id"], ondelete="SET NULL",
                                name="fk_birth_registrations_father_id_people"),
        sa.UniqueConstraint("number", name="uq_birth_registrations_number"),
    )
    for column in ("mother_id", "father_id", "due_on", "status"):
        op.create_index(f"ix_birth_registrations_{column}", "birth_registrations", [column])
    op.create_table(
        "birth_registration_counters",
        sa.Column("year", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("last_number", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("year", name="pk_birth_registration_counters"),
    )
    op.create_table(
        "births",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("mother_id", sa.Integer, nullable=False),
        sa.Column("child_name", sa.String(64), nullable=True),
        sa.Column("born_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sex", sa.String(1), nullable=False),
        sa.Column("weight_grams", sa.Integer, nullable=True),
        sa.Column("place_type", sa.String(16), nullable=False),
        sa.Column("place_name", sa.String(100), nullable=True),
        sa.Column("birth_order", sa.Integer, nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_births"),
        sa.ForeignKeyConstraint(["mother_id"], ["people.id"], ondelete="RESTRICT", name="fk_births_mother_id_people"),
    )
    op.create_index("ix_births_mother_id", "births", ["mother_id"])
    op.create_index("ix_births_born_at", "births", ["born_at"])
    op.create_table(
        "birth_notices",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("birth_id", sa.Integer, nullable=False),
        sa.Column("born_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("on_time", sa.Boolean, nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_birth_notices"),
        sa.ForeignKeyConstraint(["birth_id"], ["births.id"], ondelete="RESTRICT",
                                name="fk_birth_notices_birth_id_births"),
    )
    for column in ("birth_id", "received_at", "on_time"):
        op.create_index(f"ix_birth_notices_{column}", "birth_notices", [column])
    op.create_table(
        "birth_tasks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("birth_id", sa.Integer, nullable=False),
        sa.Column("notice_id", sa.Integer, nullable=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("assignee_staff_id", sa.Integer, nullable=True),
        sa.Column("assignee_name", sa.String(64), nullable=True),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_note", sa.String(500), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_birth_tasks"),
        sa.ForeignKeyConstraint(["birth_id"], ["births.id"], ondelete="CASCADE", name="fk_birth_tasks_birth_id_births"),
        sa.ForeignKeyConstraint(["notice_id"], ["birth_notices.id"], ondelete="SET NULL",
                                name="fk_birth_tasks_notice_id_birth_notices"),
        sa.ForeignKeyConstraint(["assignee_staff_id"], ["village_staff.id"], ondelete="SET NULL",
                                name="fk_birth_tasks_assignee_staff_id_village_staff"),
        sa.UniqueConstraint("birth_id", "kind", name="uq_birth_tasks_birth_id"),
    )
    for column in ("birth_id", "notice_id", "due_on", "assignee_staff_id", "status"):
        op.create_index(f"ix_birth_tasks_{column}", "birth_tasks", [column])


def downgrade() -> None:
    for table in ("birth_tasks", "birth_notices", "births", "birth_registration_counters", "birth_registrations"):
        op.drop_table(table)
