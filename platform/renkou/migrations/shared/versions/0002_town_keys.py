"""Each town's data key, wrapped under the master key.

Revision ID: 0002_town_keys
Revises: 0001_shared
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_town_keys"
down_revision = "0001_shared"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "town_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("town_id", sa.Integer, nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_town_keys"),
        sa.ForeignKeyConstraint(["town_id"], ["shared.towns.id"], ondelete="CASCADE",
                                name="fk_town_keys_town_id_towns"),
        sa.UniqueConstraint("town_id", name="uq_town_keys_town_id"),
        schema="shared",
    )


def downgrade() -> None:
    op.drop_table("town_keys", schema="shared")
