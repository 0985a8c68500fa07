"""Clinics: medical units, licences, services, inspections and findings.

Revision ID: 0005_town_clinics
Revises: 0004_town_counselling_movements
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_town_clinics"
down_revision = "0004_town_counselling_movements"
branch_labels = None
depends_on = None

# One finding per unit and restricted service while it is not closed (both dialects know partial indexes).
OPEN_SERVICE_FINDING = "service_code IS NOT NULL AND status <> 'closed'"


def _stamps() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "medical_units",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("village_id", sa.Integer, nullable=True),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("contact_name", sa.String(64), nullable=True),
        sa.Column("contact_phone", sa.LargeBinary, nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_medical_units"),
        sa.ForeignKeyConstraint(["village_id"], ["villages.id"], ondelete="SET NULL",
                                name="fk_medical_units_village_id_villages"),
    )
    for column in ("kind", "name", "village_id", "active"):
        op.create_index(f"ix_medical_units_{column}", "medical_units", [column])
    op.create_table(
        "medical_unit_services",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("unit_id", sa.Integer, nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_medical_unit_services"),
        sa.ForeignKeyConstraint(["unit_id"], ["medical_units.id"], ondelete="CASCADE",
                                name="fk_medical_unit_services_unit_id_medical_units"),
        sa.UniqueConstraint("unit_id", "code", name="uq_medical_unit_services_unit_id"),
    )
    op.create_index("ix_medical_unit_services_unit_id", "medical_unit_services", ["unit_id"])
    op.create_table(
        "clinic_licences",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("unit_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("issuer", sa.String(100), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=True),
        sa.Column("valid_to", sa.Date, nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_clinic_licences"),
        sa.ForeignKeyConstraint(["unit_id"], ["medical_units.id"], ondelete="RESTRICT",
                                name="fk_clinic_licences_unit_id_medical_units"),
        sa.UniqueConstraint("kind", "number", name="uq_clinic_licences_kind"),
    )
    for column in ("unit_id", "valid_to"):
        op.create_index(f"ix_clinic_licences_{column}", "clinic_licences", [column])
    op.create_table(
        "clinic_inspections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("unit_id", sa.Integer, nullable=False),
        sa.Column("inspection_date", sa.Date, nullable=False),
        sa.Column("inspectors", sa.String(200), nullable=False),
        sa.Column("notes", sa.String(1000), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_clinic_inspections"),
        sa.ForeignKeyConstraint(["unit_id"], ["medical_units.id"], ondelete="RESTRICT",
                                name="fk_clinic_inspections_unit_id_medical_units"),
    )
    for column in ("unit_id", "inspection_date"):
        op.create_index(f"ix_clinic_inspections_{column}", "clinic_inspections", [column])
    op.create_table(
        "clinic_inspection_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("inspection_id", sa.Integer, nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("result", sa.String(8), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_clinic_inspection_items"),
        sa.ForeignKeyConstraint(["inspection_id"], ["clinic_inspections.id"], ondelete="CASCADE",
                                name="fk_clinic_inspection_items_inspection_id_clinic_inspections"),
        sa.UniqueConstraint("inspection_id", "code", name="uq_clinic_inspection_items_inspection_id"),
    )
    op.create_index("ix_clinic_inspection_items_inspection_id", "clinic_inspection_items", ["inspection_id"])
    op.create_table(
        "clinic_findings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("unit_id", sa.Integer, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("service_code", sa.String(32), nullable=True),
        sa.Column("inspection_id", sa.Integer, nullable=True),
        sa.Column("item_code", sa.String(32), nullable=True),
        sa.Column("found_on", sa.Date, nullable=False),
        sa.Column("description", sa.String(1000), nullable=False),
        sa.Column("deadline", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rectified_on", sa.Date, nullable=True),
        sa.Column("rectification_note", sa.String(1000), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("close_note", sa.String(500), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_clinic_findings"),
        sa.ForeignKeyConstraint(["unit_id"], ["medical_units.id"], ondelete="RESTRICT",
                                name="fk_clinic_findings_unit_id_medical_units"),
        sa.ForeignKeyConstraint(["inspection_id"], ["clinic_inspections.id"], ondelete="RESTRICT",
                                name="fk_clinic_findings_inspection_id_clinic_inspections"),
        sa.UniqueConstraint("inspection_id", "item_code", name="uq_clinic_findings_inspection_id"),
    )
    for column in ("unit_id", "inspection_id", "deadline", "status"):
        op.create_index(f"ix_clinic_findings_{column}", "clinic_findings", [column])
    op.create_index("uq_clinic_findings_open_service", "clinic_findings", ["unit_id", "service_code"], unique=True,
                    postgresql_where=sa.text(OPEN_SERVICE_FINDING), sqlite_where=sa.text(OPEN_SERVICE_FINDING))


def downgrade() -> None:
    for table in ("clinic_findings", "clinic_inspection_items", "clinic_inspections", "clinic_licences",
                  "medical_unit_services", "medical_units"):
        op.drop_table(table)
