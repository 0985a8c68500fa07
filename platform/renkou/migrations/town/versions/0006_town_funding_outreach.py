"""Funding entries; outreach activities, materials, slogans and population-school sessions.

Revision ID: 0006_town_funding_outreach
Revises: 0005_town_clinics
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_town_funding_outreach"
down_revision = "0005_town_clinics"
branch_labels = None
depends_on = None


def _stamps() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False)]


def _village(table: str) -> list:
    """An optional village: deleting the village makes the record town-wide."""
    return [sa.Column("village_id", sa.Integer, nullable=True),
            sa.ForeignKeyConstraint(["village_id"], ["villages.id"], ondelete="SET NULL",
                                    name=f"fk_{table}_village_id_villages")]


def upgrade() -> None:
    op.create_table(
        "funding_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("entry_date", sa.Date, nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("category", sa.String(24), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("voucher_number", sa.String(32), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_funding_entries"),
        sa.UniqueConstraint("voucher_number", name="uq_funding_entries_voucher_number"),
        sa.CheckConstraint("amount_fen > 0", name="ck_funding_entries_amount_positive"),
    )
    for column in ("entry_date", "category"):
        op.create_index(f"ix_funding_entries_{column}", "funding_entries", [column])

    op.create_table(
        "outreach_activities",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("activity_date", sa.Date, nullable=False),
        sa.Column("participants", sa.Integer, nullable=False),
        sa.Column("description", sa.String(1000), nullable=False),
        *_village("outreach_activities"),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_outreach_activities"),
    )
    for column in ("kind", "activity_date", "village_id"):
        op.create_index(f"ix_outreach_activities_{column}", "outreach_activities", [column])

    op.create_table(
        "outreach_materials",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_outreach_materials"),
        sa.UniqueConstraint("name", name="uq_outreach_materials_name"),
    )
    op.create_index("ix_outreach_materials_kind", "outreach_materials", ["kind"])

    op.create_table(
        "material_deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("material_id", sa.Integer, nullable=False),
        sa.Column("delivery_date", sa.Date, nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        *_village("material_deliveries"),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_material_deliveries"),
        sa.ForeignKeyConstraint(["material_id"], ["outreach_materials.id"], ondelete="RESTRICT",
                                name="fk_material_deliveries_material_id_outreach_materials"),
    )
    for column in ("material_id", "village_id", "delivery_date"):
        op.create_index(f"ix_material_deliveries_{column}", "material_deliveries", [column])

    op.create_table(
        "material_delivery_households",
        sa.Column("delivery_id", sa.Integer, nullable=False),
        sa.Column("household_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("delivery_id", "household_id", name="pk_material_delivery_households"),
        sa.ForeignKeyConstraint(["delivery_id"], ["material_deliveries.id"], ondelete="CASCADE",
                                name="fk_material_delivery_households_delivery_id_material_deliveries"),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], ondelete="CASCADE",
                                name="fk_material_delivery_households_household_id_households"),
    )
    op.create_index("ix_material_delivery_households_household_id", "material_delivery_households",
                    ["household_id"])

    op.create_table(
        "outreach_slogans",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("content", sa.String(500), nullable=False),
        sa.Column("slogan_date", sa.Date, nullable=False),
        *_village("outreach_slogans"),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_outreach_slogans"),
    )
    for column in ("village_id", "slogan_date"):
        op.create_index(f"ix_outreach_slogans_{column}", "outreach_slogans", [column])

    op.create_table(
        "school_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("session_date", sa.Date, nullable=False),
        sa.Column("attendance", sa.Integer, nullable=False),
        *_village("school_sessions"),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_school_sessions"),
    )
    for column in ("session_date", "village_id"):
        op.create_index(f"ix_school_sessions_{column}", "school_sessions", [column])


def downgrade() -> None:
    for table in ("school_sessions", "outreach_slogans", "material_delivery_households", "material_deliveries",
                  "outreach_materials", "outreach_activities", "funding_entries"):
        op.drop_table(table)
