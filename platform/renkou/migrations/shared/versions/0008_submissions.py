"""Bureau submissions, revisions and delivery attempts.

Revision ID: 0008_submissions
Revises: 0007_report_reviews
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_submissions"
down_revision = "0007_report_reviews"
branch_labels = None
depends_on = None

S = "shared"


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("report", sa.String(16), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("definition_version", sa.String(16), nullable=False),
        sa.Column("data_set", sa.String(64), nullable=False),
        sa.Column("org_unit", sa.String(64), nullable=False),
        sa.Column("idempotency_key", sa.String(160), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("sources", sa.JSON, nullable=False),
        sa.Column("towns_included", sa.Integer, nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("created_by_id", sa.Integer, nullable=True),
        _ts("created_at", nullable=False),
        _ts("state_changed_at", nullable=False),
        sa.Column("delivery_round", sa.Integer, nullable=False),
        sa.Column("claim", sa.String(32), nullable=True),
        sa.Column("last_error", sa.String(1000), nullable=True),
        _ts("delivered_at"),
        sa.Column("summary_status", sa.String(16), nullable=True),
        sa.Column("imported", sa.Integer, nullable=True),
        sa.Column("updated", sa.Integer, nullable=True),
        sa.Column("ignored", sa.Integer, nullable=True),
        sa.Column("deleted", sa.Integer, nullable=True),
        sa.Column("conflicts", sa.JSON, nullable=False),
        sa.Column("bureau_reference", sa.String(128), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_submissions"),
        sa.ForeignKeyConstraint(["created_by_id"], [f"{S}.users.id"], ondelete="SET NULL",
                                name="fk_submissions_created_by_id_users"),
        sa.UniqueConstraint("report", "period", "revision", name="uq_submissions_report_period_revision"),
        sa.UniqueConstraint("idempotency_key", name="uq_submissions_idempotency_key"),
        schema=S,
    )
    op.create_index("ix_submissions_state", "submissions", ["state"], schema=S)
    op.create_table(
        "submission_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("submission_id", sa.Integer, nullable=False),
        sa.Column("attempt_no", sa.Integer, nullable=False),
        sa.Column("delivery_round", sa.Integer, nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
        _ts("started_at", nullable=False),
        _ts("finished_at"),
        sa.Column("http_status", sa.Integer, nullable=True),
        sa.Column("response_excerpt", sa.String(2000), nullable=True),
        sa.Column("error", sa.String(1000), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_submission_attempts"),
        sa.ForeignKeyConstraint(["submission_id"], [f"{S}.submissions.id"], ondelete="CASCADE",
                                name="fk_submission_attempts_submission_id_submissions"),
        sa.UniqueConstraint("submission_id", "attempt_no", name="uq_submission_attempts_submission_id"),
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("submission_attempts", schema=S)
    op.drop_index("ix_submissions_state", table_name="submissions", schema=S)
    op.drop_table("submissions", schema=S)
