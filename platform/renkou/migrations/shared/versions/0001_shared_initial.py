"""Towns, accounts, memberships, API tokens, sign-in attempts and the append-only audit trail.

Revision ID: 0001_shared
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_shared"
down_revision = None
branch_labels = None
depends_on = None

S = "shared"


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "towns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(9), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("slug", sa.String(40), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _ts("created_at"),
        _ts("archived_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_towns"),
        sa.UniqueConstraint("code", name="uq_towns_code"),
        sa.UniqueConstraint("slug", name="uq_towns_slug"),
        schema=S,
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("county_role", sa.String(32), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("session_version", sa.Integer, nullable=False),
        _ts("created_at"),
        _ts("password_changed_at"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
        schema=S,
    )
    op.create_table(
        "memberships",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("town_id", sa.Integer, nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_memberships"),
        sa.ForeignKeyConstraint(["user_id"], [f"{S}.users.id"], ondelete="CASCADE",
                                name="fk_memberships_user_id_users"),
        sa.ForeignKeyConstraint(["town_id"], [f"{S}.towns.id"], ondelete="CASCADE",
                                name="fk_memberships_town_id_towns"),
        sa.UniqueConstraint("user_id", "town_id", name="uq_memberships_user_id"),
        schema=S,
    )
    op.create_index("ix_memberships_town_id", "memberships", ["town_id"], schema=S)
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(12), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        _ts("created_at"),
        _ts("last_used_at", nullable=True),
        _ts("revoked_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.ForeignKeyConstraint(["user_id"], [f"{S}.users.id"], ondelete="CASCADE",
                                name="fk_api_tokens_user_id_users"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
        schema=S,
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"], schema=S)
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        _ts("attempted_at"),
        sa.Column("succeeded", sa.Boolean, nullable=False),
        sa.Column("client_addr", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_attempts"),
        schema=S,
    )
    op.create_index("ix_login_attempts_username_at", "login_attempts", ["username", "attempted_at"], schema=S)
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True),
        _ts("occurred_at"),
        sa.Column("actor_id", sa.Integer, nullable=True),
        sa.Column("actor_name", sa.String(64), nullable=False),
        sa.Column("town_code", sa.String(9), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("record_type", sa.String(64), nullable=True),
        sa.Column("record_id", sa.String(64), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("client_addr", sa.String(64), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
        schema=S,
    )
    op.create_index("ix_audit_events_occurred_at", "audit_events", ["occurred_at"], schema=S)
    op.create_index("ix_audit_events_town_code_occurred_at", "audit_events", ["town_code", "occurred_at"], schema=S)
    op.create_index("ix_audit_events_record", "audit_events", ["record_type", "record_id"], schema=S)
    _make_audit_append_only()


def _make_audit_append_only() -> None:
    """Nothing edits or deletes the audit trail, whatever the application does."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION shared.audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'shared.audit_events is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON shared.audit_events "
            "FOR EACH ROW EXECUTE FUNCTION shared.audit_events_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER shared.audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
                "BEGIN SELECT RAISE(ABORT, 'shared.audit_events is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_events_append_only ON shared.audit_events")
        op.execute("DROP FUNCTION shared.audit_events_append_only()")
    for table in ("audit_events", "login_attempts", "api_tokens", "memberships", "users", "towns"):
        op.drop_table(table, schema=S)
