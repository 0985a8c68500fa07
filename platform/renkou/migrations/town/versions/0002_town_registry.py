"""Village groups and staff; households and people; spreadsheet import batches.

Revision ID: 0002_town_registry
Revises: 0001_town
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_town_registry"
down_revision = "0001_town"
branch_labels = None
depends_on = None


def _stamps() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "village_groups",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("village_id", sa.Integer, nullable=False),
        sa.Column("code", sa.String(3), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_village_groups"),
        sa.ForeignKeyConstraint(["village_id"], ["villages.id"], ondelete="RESTRICT",
                                name="fk_village_groups_village_id_villages"),
        sa.UniqueConstraint("village_id", "code", name="uq_village_groups_village_id"),
    )
    op.create_index("ix_village_groups_village_id", "village_groups", ["village_id"])
    op.create_table(
        "village_staff",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("village_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("position", sa.String(64), nullable=False),
        sa.Column("duties", sa.String(500), nullable=False),
        sa.Column("phone", sa.LargeBinary, nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_village_staff"),
        sa.ForeignKeyConstraint(["village_id"], ["villages.id"], ondelete="RESTRICT",
                                name="fk_village_staff_village_id_villages"),
    )
    op.create_index("ix_village_staff_village_id", "village_staff", ["village_id"])
    op.create_table(
        "households",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("village_id", sa.Integer, nullable=False),
        sa.Column("group_id", sa.Integer, nullable=True),
        sa.Column("address", sa.String(200), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_households"),
        sa.ForeignKeyConstraint(["village_id"], ["villages.id"], ondelete="RESTRICT",
                                name="fk_households_village_id_villages"),
        sa.ForeignKeyConstraint(["group_id"], ["village_groups.id"], ondelete="SET NULL",
                                name="fk_households_group_id_village_groups"),
        sa.UniqueConstraint("number", name="uq_households_number"),
    )
    op.create_index("ix_households_village_id", "households", ["village_id"])
    op.create_index("ix_households_group_id", "households", ["group_id"])
    op.create_table(
        "people",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("sex", sa.String(1), nullable=False),
        sa.Column("birth_date", sa.Date, nullable=False),
        sa.Column("resident_id", sa.LargeBinary, nullable=True),
        sa.Column("resident_id_index", sa.String(64), nullable=True),
        sa.Column("resident_id_legacy", sa.Boolean, nullable=False),
        sa.Column("household_id", sa.Integer, nullable=True),
        sa.Column("relation", sa.String(16), nullable=False),
        sa.Column("marital_status", sa.String(16), nullable=False),
        sa.Column("phone", sa.LargeBinary, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_people"),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], ondelete="SET NULL",
                                name="fk_people_household_id_households"),
        sa.UniqueConstraint("resident_id_index", name="uq_people_resident_id_index"),
    )
    for column in ("name", "birth_date", "household_id", "status"):
        op.create_index(f"ix_people_{column}", "people", [column])
    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("total_rows", sa.Integer, nullable=False),
        sa.Column("error_rows", sa.Integer, nullable=False),
        sa.Column("created_count", sa.Integer, nullable=False),
        sa.Column("updated_count", sa.Integer, nullable=False),
        sa.Column("errors", sa.JSON, nullable=False),
        sa.Column("failure", sa.String(500), nullable=False),
        sa.Column("created_by", sa.Integer, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_import_batches"),
    )


def downgrade() -> None:
    for table in ("import_batches", "people", "households", "village_staff", "village_groups"):
        op.drop_table(table)
