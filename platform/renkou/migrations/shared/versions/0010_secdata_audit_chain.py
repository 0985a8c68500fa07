"""The audit trail's hash chain: scope, position, previous and own HMAC on every entry.

Entries already written keep no link (seq NULL); ``renkou audit verify`` accepts them only before the
first chained entry.

Revision ID: 0010_secdata
Revises: 0009_inbound
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_secdata"
down_revision = "0009_inbound"
branch_labels = None
depends_on = None

S = "shared"


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("scope", sa.String(16), nullable=False, server_default=""), schema=S)
    op.add_column("audit_events", sa.Column("seq", sa.Integer, nullable=True), schema=S)
    op.add_column("audit_events", sa.Column("prev_hash", sa.String(64), nullable=False, server_default=""),
                  schema=S)
    op.add_column("audit_events", sa.Column("row_hash", sa.String(64), nullable=False, server_default=""),
                  schema=S)
    op.create_index("ux_audit_events_scope_seq", "audit_events", ["scope", "seq"], unique=True, schema=S)


def downgrade() -> None:
    op.drop_index("ux_audit_events_scope_seq", table_name="audit_events", schema=S)
    for name in ("row_hash", "prev_hash", "seq", "scope"):
        op.drop_column("audit_events", name, schema=S)
