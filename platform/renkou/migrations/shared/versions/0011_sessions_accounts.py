"""Accounts: forced password change, two-factor sign-in (TOTP, recovery codes), expiring API tokens.

Revision ID: 0011_sessions
Revises: 0010_secdata
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_sessions"
down_revision = "0010_secdata"
branch_labels = None
depends_on = None

S = "shared"


def upgrade() -> None:
    with op.batch_alter_table("users", schema=S) as batch:
        batch.add_column(sa.Column("must_change_password", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("totp_secret", sa.LargeBinary, nullable=True))
        batch.add_column(sa.Column("totp_enabled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.Integer, nullable=True))
    with op.batch_alter_table("api_tokens", schema=S) as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_recovery_codes"),
        sa.ForeignKeyConstraint(["user_id"], [f"{S}.users.id"], ondelete="CASCADE",
                                name="fk_recovery_codes_user_id_users"),
        schema=S,
    )
    op.create_index("ix_recovery_codes_user_id", "recovery_codes", ["user_id"], schema=S)


def downgrade() -> None:
    op.drop_index("ix_recovery_codes_user_id", "recovery_codes", schema=S)
    op.drop_table("recovery_codes", schema=S)
    with op.batch_alter_table("api_tokens", schema=S) as batch:
        batch.drop_column("expires_at")
    with op.batch_alter_table("users", schema=S) as batch:
        for name in ("totp_last_step", "totp_enabled_at", "totp_secret", "must_change_password"):
            batch.drop_column(name)
