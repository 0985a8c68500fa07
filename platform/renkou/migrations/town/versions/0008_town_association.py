"""The association (计生协会): member homes, member groups, members, liaison households.

Revision ID: 0008_town_association
Revises: 0007_town_governance
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_town_association"
down_revision = "0007_town_governance"
branch_labels = None
depends_on = None

# A group points at its leader (a member) and a member at their group: one of the two keys is added once
# both tables exist. SQLite cannot add a key to a table; it accepts one naming a table yet to come.
LEADER_KEY = "fk_association_groups_leader_id_association_members"


def _stamps() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False)]


def _indexes(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(f"ix_{table}_{column}", table, [column])


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "association_homes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("village_id", sa.Integer, nullable=True),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("opened_on", sa.Date, nullable=True),
        sa.Column("facilities", sa.String(1000), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_association_homes"),
        sa.ForeignKeyConstraint(["village_id"], ["villages.id"], ondelete="RESTRICT",
                                name="fk_association_homes_village_id_villages"),
        sa.UniqueConstraint("name", name="uq_association_homes_name"),
    )
    _indexes("association_homes", "village_id", "active")
    leader_key = [sa.ForeignKeyConstraint(["leader_id"], ["association_members.id"], ondelete="SET NULL",
                                          name=LEADER_KEY)] if sqlite else []
    op.create_table(
        "association_groups",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("village_id", sa.Integer, nullable=False),
        sa.Column("home_id", sa.Integer, nullable=True),
        sa.Column("leader_id", sa.Integer, nullable=True),
        sa.Column("founded_on", sa.Date, nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_association_groups"),
        sa.ForeignKeyConstraint(["village_id"], ["villages.id"], ondelete="RESTRICT",
                                name="fk_association_groups_village_id_villages"),
        sa.ForeignKeyConstraint(["home_id"], ["association_homes.id"], ondelete="SET NULL",
                                name="fk_association_groups_home_id_association_homes"),
        *leader_key,
        sa.UniqueConstraint("village_id", "name", name="uq_association_groups_village_id"),
    )
    _indexes("association_groups", "village_id", "home_id", "leader_id")
    op.create_table(
        "association_members",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("member_number", sa.String(32), nullable=False),
        sa.Column("person_id", sa.Integer, nullable=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("phone", sa.LargeBinary, nullable=True),
        sa.Column("village_id", sa.Integer, nullable=True),
        sa.Column("group_id", sa.Integer, nullable=True),
        sa.Column("joined_on", sa.Date, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("left_on", sa.Date, nullable=True),
        sa.Column("note", sa.String(500), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_association_members"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="SET NULL",
                                name="fk_association_members_person_id_people"),
        sa.ForeignKeyConstraint(["village_id"], ["villages.id"], ondelete="RESTRICT",
                                name="fk_association_members_village_id_villages"),
        sa.ForeignKeyConstraint(["group_id"], ["association_groups.id"], ondelete="SET NULL",
                                name="fk_association_members_group_id_association_groups"),
        sa.UniqueConstraint("member_number", name="uq_association_members_member_number"),
        sa.UniqueConstraint("person_id", name="uq_association_members_person_id"),
        sa.CheckConstraint("(status = 'active' AND left_on IS NULL) OR (status = 'left' AND left_on IS NOT NULL)",
                           name="ck_association_members_left_on"),
    )
    _indexes("association_members", "name", "village_id", "group_id", "joined_on", "role", "status")
    if not sqlite:
        op.create_foreign_key(LEADER_KEY, "association_groups", "association_members", ["leader_id"], ["id"],
                              ondelete="SET NULL")
    op.create_table(
        "association_liaisons",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("member_id", sa.Integer, nullable=False),
        sa.Column("household_id", sa.Integer, nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=True),
        sa.Column("note", sa.String(500), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_association_liaisons"),
        sa.ForeignKeyConstraint(["member_id"], ["association_members.id"], ondelete="CASCADE",
                                name="fk_association_liaisons_member_id_association_members"),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], ondelete="CASCADE",
                                name="fk_association_liaisons_household_id_households"),
        sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name="ck_association_liaisons_period"),
    )
    _indexes("association_liaisons", "member_id", "household_id", "start_date", "end_date")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(LEADER_KEY, "association_groups", type_="foreignkey")
    for table in ("association_liaisons", "association_members", "association_groups", "association_homes"):
        op.drop_table(table)
