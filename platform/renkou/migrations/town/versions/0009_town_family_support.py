"""Family support: reward/special support rolls and ledgers, childcare subsidy, 三结合.

Revision ID: 0009_town_family_support
Revises: 0008_town_association
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_town_family_support"
down_revision = "0008_town_association"
branch_labels = None
depends_on = None


def _stamps() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False)]


def _indexes(table: str, columns: tuple[str, ...]) -> None:
    for column in columns:
        op.create_index(f"ix_{table}_{column}", table, [column])


def upgrade() -> None:
    op.create_table(
        "support_roll_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("declarations", sa.JSON, nullable=False),
        sa.Column("confirmed_by", sa.String(64), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_support_roll_entries"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="RESTRICT",
                                name="fk_support_roll_entries_person_id_people"),
        sa.UniqueConstraint("person_id", "kind", "year", name="uq_support_roll_entries_person_id"),
        sa.CheckConstraint("amount_fen > 0", name="ck_support_roll_entries_amount_positive"),
    )
    _indexes("support_roll_entries", ("person_id", "kind", "year"))

    op.create_table(
        "support_payments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("roll_entry_id", sa.Integer, nullable=False),
        sa.Column("paid_on", sa.Date, nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("returned_on", sa.Date, nullable=True),
        sa.Column("return_reason", sa.String(500), nullable=True),
        sa.Column("note", sa.String(500), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_support_payments"),
        sa.ForeignKeyConstraint(["roll_entry_id"], ["support_roll_entries.id"], ondelete="RESTRICT",
                                name="fk_support_payments_roll_entry_id_support_roll_entries"),
        sa.UniqueConstraint("reference", name="uq_support_payments_reference"),
        sa.CheckConstraint("amount_fen > 0", name="ck_support_payments_amount_positive"),
    )
    _indexes("support_payments", ("roll_entry_id", "paid_on", "status"))

    op.create_table(
        "childcare_subsidies",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("child_id", sa.Integer, nullable=False),
        sa.Column("applicant_id", sa.Integer, nullable=True),
        sa.Column("applicant_name", sa.String(64), nullable=True),
        sa.Column("applicant_phone", sa.LargeBinary, nullable=True),
        sa.Column("subsidy_year", sa.Integer, nullable=False),
        sa.Column("months", sa.Integer, nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("return_reason", sa.String(500), nullable=True),
        sa.Column("review_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_on", sa.Date, nullable=True),
        sa.Column("payment_reference", sa.String(64), nullable=True),
        sa.Column("note", sa.String(500), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_childcare_subsidies"),
        sa.ForeignKeyConstraint(["child_id"], ["people.id"], ondelete="RESTRICT",
                                name="fk_childcare_subsidies_child_id_people"),
        sa.ForeignKeyConstraint(["applicant_id"], ["people.id"], ondelete="SET NULL",
                                name="fk_childcare_subsidies_applicant_id_people"),
        sa.UniqueConstraint("child_id", "subsidy_year", name="uq_childcare_subsidies_child_id"),
        sa.CheckConstraint("amount_fen >= 0", name="ck_childcare_subsidies_amount_not_negative"),
    )
    _indexes("childcare_subsidies", ("child_id", "applicant_id", "subsidy_year", "received_on", "due_on", "status"))

    op.create_table(
        "support_assistance",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("household_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("given_on", sa.Date, nullable=False),
        sa.Column("value_fen", sa.BigInteger, nullable=False),
        sa.Column("provider", sa.String(100), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_support_assistance"),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], ondelete="RESTRICT",
                                name="fk_support_assistance_household_id_households"),
        sa.UniqueConstraint("household_id", "given_on", "kind", name="uq_support_assistance_household_id"),
        sa.CheckConstraint("value_fen > 0", name="ck_support_assistance_value_positive"),
    )
    _indexes("support_assistance", ("household_id", "kind", "given_on"))


def downgrade() -> None:
    for table in ("support_assistance", "childcare_subsidies", "support_payments", "support_roll_entries"):
        op.drop_table(table)
