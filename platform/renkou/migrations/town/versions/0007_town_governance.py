"""Governance: leadership group, responsibility agreements, cadre duties.

Revision ID: 0007_town_governance
Revises: 0006_town_funding_outreach
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_town_governance"
down_revision = "0006_town_funding_outreach"
branch_labels = None
depends_on = None

# tenants.governance.rules.VETO_KINDS when this revision was written: the only kinds a veto item may be.
VETO_KINDS = ("service", "oversight", "data_quality")


def _stamps() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "leadership_members",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("position", sa.String(64), nullable=False),
        sa.Column("group_role", sa.String(16), nullable=False),
        sa.Column("phone", sa.LargeBinary, nullable=True),
        sa.Column("sort_order", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_leadership_members"),
    )
    op.create_index("ix_leadership_members_active", "leadership_members", ["active"])
    op.create_table(
        "responsibility_agreements",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("party_kind", sa.String(16), nullable=False),
        sa.Column("village_id", sa.Integer, nullable=True),
        sa.Column("agency_name", sa.String(100), nullable=True),
        sa.Column("signed_on", sa.Date, nullable=True),
        sa.Column("scan", sa.LargeBinary, nullable=True),
        sa.Column("scan_content_type", sa.String(32), nullable=True),
        sa.Column("scan_size", sa.Integer, nullable=True),
        sa.Column("scan_uploaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("evaluated_on", sa.Date, nullable=True),
        sa.Column("evaluator", sa.String(64), nullable=True),
        sa.Column("evaluation_note", sa.String(500), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_responsibility_agreements"),
        sa.ForeignKeyConstraint(["village_id"], ["villages.id"], ondelete="RESTRICT",
                                name="fk_responsibility_agreements_village_id_villages"),
        sa.UniqueConstraint("year", "village_id", name="uq_responsibility_agreements_year"),
    )
    for column in ("year", "village_id"):
        op.create_index(f"ix_responsibility_agreements_{column}", "responsibility_agreements", [column])
    kinds = ", ".join(f"'{kind}'" for kind in VETO_KINDS)
    op.create_table(
        "agreement_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("agreement_id", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("weight", sa.Integer, nullable=False),
        sa.Column("target", sa.String(500), nullable=False),
        sa.Column("veto", sa.Boolean, nullable=False),
        sa.Column("veto_kind", sa.String(16), nullable=True),
        sa.Column("score_tenths", sa.Integer, nullable=True),
        sa.Column("veto_triggered", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_agreement_items"),
        sa.ForeignKeyConstraint(["agreement_id"], ["responsibility_agreements.id"], ondelete="CASCADE",
                                name="fk_agreement_items_agreement_id_responsibility_agreements"),
        sa.CheckConstraint(f"(veto AND veto_kind IN ({kinds})) OR (NOT veto AND veto_kind IS NULL)",
                           name="ck_agreement_items_veto_kind"),
        sa.CheckConstraint("weight >= 0", name="ck_agreement_items_weight"),
    )
    op.create_index("ix_agreement_items_agreement_id", "agreement_items", ["agreement_id"])
    op.create_table(
        "cadre_assignments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("cadre_name", sa.String(64), nullable=False),
        sa.Column("member_id", sa.Integer, nullable=True),
        sa.Column("staff_id", sa.Integer, nullable=True),
        sa.Column("area_name", sa.String(100), nullable=True),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_cadre_assignments"),
        sa.ForeignKeyConstraint(["member_id"], ["leadership_members.id"], ondelete="SET NULL",
                                name="fk_cadre_assignments_member_id_leadership_members"),
        sa.ForeignKeyConstraint(["staff_id"], ["village_staff.id"], ondelete="SET NULL",
                                name="fk_cadre_assignments_staff_id_village_staff"),
    )
    for column in ("kind", "member_id", "staff_id", "active"):
        op.create_index(f"ix_cadre_assignments_{column}", "cadre_assignments", [column])
    op.create_table(
        "cadre_assignment_villages",
        sa.Column("assignment_id", sa.Integer, nullable=False),
        sa.Column("village_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("assignment_id", "village_id", name="pk_cadre_assignment_villages"),
        sa.ForeignKeyConstraint(["assignment_id"], ["cadre_assignments.id"], ondelete="CASCADE",
                                name="fk_cadre_assignment_villages_assignment_id_cadre_assignments"),
        sa.ForeignKeyConstraint(["village_id"], ["villages.id"], ondelete="CASCADE",
                                name="fk_cadre_assignment_villages_village_id_villages"),
    )
    op.create_index("ix_cadre_assignment_villages_village_id", "cadre_assignment_villages", ["village_id"])
    op.create_table(
        "cadre_assignment_households",
        sa.Column("assignment_id", sa.Integer, nullable=False),
        sa.Column("household_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("assignment_id", "household_id", name="pk_cadre_assignment_households"),
        sa.ForeignKeyConstraint(["assignment_id"], ["cadre_assignments.id"], ondelete="CASCADE",
                                name="fk_cadre_assignment_households_assignment_id_cadre_assignments"),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], ondelete="CASCADE",
                                name="fk_cadre_assignment_households_household_id_households"),
    )
    op.create_index("ix_cadre_assignment_households_household_id", "cadre_assignment_households",
                    ["household_id"])


def downgrade() -> None:
    for table in ("cadre_assignment_households", "cadre_assignment_villages", "cadre_assignments",
                  "agreement_items", "responsibility_agreements", "leadership_members"):
        op.drop_table(table)
