"""Inbound bureau messages and cross-region notices.

Revision ID: 0009_inbound
Revises: 0008_submissions
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_inbound"
down_revision = "0008_submissions"
branch_labels = None
depends_on = None

S = "shared"


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("reference", sa.String(128), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("urgent", sa.Boolean, nullable=False),
        _ts("received_at", nullable=False),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("content", sa.JSON, nullable=False),
        sa.Column("outcome", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_inbound_messages"),
        sa.UniqueConstraint("message_id", name="uq_inbound_messages_message_id"),
        schema=S,
    )
    op.create_index("ix_inbound_messages_received_at", "inbound_messages", ["received_at"], schema=S)
    op.create_table(
        "bureau_notices",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("inbound_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("town_id", sa.Integer, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("urgent", sa.Boolean, nullable=False),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("person_masked", sa.String(64), nullable=False),
        sa.Column("resident_id_masked", sa.String(32), nullable=False),
        sa.Column("personal", sa.LargeBinary, nullable=True),
        sa.Column("located", sa.String(16), nullable=True),
        sa.Column("person_id", sa.Integer, nullable=True),
        _ts("created_at", nullable=False),
        _ts("replied_at"),
        sa.PrimaryKeyConstraint("id", name="pk_bureau_notices"),
        sa.ForeignKeyConstraint(["inbound_id"], [f"{S}.inbound_messages.id"], ondelete="CASCADE",
                                name="fk_bureau_notices_inbound_id_inbound_messages"),
        sa.ForeignKeyConstraint(["town_id"], [f"{S}.towns.id"], ondelete="CASCADE",
                                name="fk_bureau_notices_town_id_towns"),
        sa.UniqueConstraint("inbound_id", "scope", name="uq_bureau_notices_inbound_id"),
        sa.CheckConstraint("(town_id IS NULL) = (scope = 'county')", name="ck_bureau_notices_scope_matches_town"),
        schema=S,
    )
    op.create_index("ix_bureau_notices_town_id", "bureau_notices", ["town_id"], schema=S)
    op.create_index("ix_bureau_notices_due_on", "bureau_notices", ["due_on"], schema=S)
    op.create_table(
        "inbound_lookups",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("inbound_id", sa.Integer, nullable=False),
        sa.Column("town_id", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("personal", sa.LargeBinary, nullable=True),
        _ts("checked_at"),
        sa.PrimaryKeyConstraint("id", name="pk_inbound_lookups"),
        sa.ForeignKeyConstraint(["inbound_id"], [f"{S}.inbound_messages.id"], ondelete="CASCADE",
                                name="fk_inbound_lookups_inbound_id_inbound_messages"),
        sa.ForeignKeyConstraint(["town_id"], [f"{S}.towns.id"], ondelete="CASCADE",
                                name="fk_inbound_lookups_town_id_towns"),
        sa.UniqueConstraint("inbound_id", "town_id", name="uq_inbound_lookups_inbound_id"),
        schema=S,
    )
    op.create_table(
        "notice_replies",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("notice_id", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("idempotency_key", sa.String(160), nullable=False),
        sa.Column("result", sa.String(16), nullable=False),
        sa.Column("text_sealed", sa.LargeBinary, nullable=True),
        sa.Column("text_plain", sa.Text, nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("claim", sa.String(32), nullable=True),
        sa.Column("http_status", sa.Integer, nullable=True),
        sa.Column("last_error", sa.String(1000), nullable=True),
        sa.Column("bureau_reference", sa.String(128), nullable=True),
        sa.Column("created_by_id", sa.Integer, nullable=True),
        _ts("created_at", nullable=False),
        _ts("delivered_at"),
        sa.PrimaryKeyConstraint("id", name="pk_notice_replies"),
        sa.ForeignKeyConstraint(["notice_id"], [f"{S}.bureau_notices.id"], ondelete="CASCADE",
                                name="fk_notice_replies_notice_id_bureau_notices"),
        sa.ForeignKeyConstraint(["created_by_id"], [f"{S}.users.id"], ondelete="SET NULL",
                                name="fk_notice_replies_created_by_id_users"),
        sa.UniqueConstraint("notice_id", "number", name="uq_notice_replies_notice_id"),
        sa.UniqueConstraint("idempotency_key", name="uq_notice_replies_idempotency_key"),
        schema=S,
    )
    op.create_index("ix_notice_replies_state", "notice_replies", ["state"], schema=S)


def downgrade() -> None:
    op.drop_index("ix_notice_replies_state", table_name="notice_replies", schema=S)
    op.drop_table("notice_replies", schema=S)
    op.drop_table("inbound_lookups", schema=S)
    op.drop_index("ix_bureau_notices_due_on", table_name="bureau_notices", schema=S)
    op.drop_index("ix_bureau_notices_town_id", table_name="bureau_notices", schema=S)
    op.drop_table("bureau_notices", schema=S)
    op.drop_index("ix_inbound_messages_received_at", table_name="inbound_messages", schema=S)
    op.drop_table("inbound_messages", schema=S)
