"""The association (计生协会, DESIGN.md §7 "family support"): member homes (会员之家), member groups (会员小组),
members (会员) and the households each member keeps in touch with (联系户).

A member is a person of the registry (``person_id``) or only a typed name; the name is stored in both
cases, so the member's record outlives a registry entry deleted by mistake. The phone is personal data:
encrypted with the town's key, masked on lists and in exports.

A village is optional for a home and a member (the town's own home, council members of the town); a
group always belongs to a village. Villages holding association records are not deleted (the network
area asks tenants.association.services.common.records_in_village first).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from renkou.crypto.fields import EncryptedString
from renkou.extensions import TownModel
from renkou.types import UTCDateTime, utcnow
from tenants.network.models import Village
from tenants.registry.models import Household, Person

# 会员, 小组长, 理事, 志愿者: in the order lists and forms show them.
MEMBER_ROLES = ("member", "group_leader", "council_member", "volunteer")
# 在会 / 已退会: a member who leaves keeps their record, with the day they left.
MEMBER_STATUSES = ("active", "left")


class MemberHome(TownModel):
    """A member home (会员之家): a place where the association's members meet, in a village or the town's own."""

    __tablename__ = "association_homes"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique in the town: how a home is told apart on forms and lists.
    name: Mapped[str] = mapped_column(String(100), unique=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id", ondelete="RESTRICT"), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    opened_on: Mapped[date | None] = mapped_column(Date)
    facilities: Mapped[str] = mapped_column(String(1000), default="")
    active: Mapped[bool] = mapped_column(default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    village: Mapped[Village | None] = relationship(lazy="joined")


class MemberGroup(TownModel):
    """A member group (会员小组) of a village, meeting at a home or not, with a leader from its members."""

    __tablename__ = "association_groups"
    __table_args__ = (UniqueConstraint("village_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id", ondelete="RESTRICT"), index=True)
    home_id: Mapped[int | None] = mapped_column(ForeignKey("association_homes.id", ondelete="SET NULL"), index=True)
    # Members point at their group and the group at its leader: the database adds this key last (use_alter).
    leader_id: Mapped[int | None] = mapped_column(
        ForeignKey("association_members.id", ondelete="SET NULL", use_alter=True), index=True)
    founded_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    village: Mapped[Village] = relationship(lazy="joined")
    home: Mapped[MemberHome | None] = relationship(lazy="joined")
    leader: Mapped[Member | None] = relationship(foreign_keys=[leader_id], lazy="joined", post_update=True)


class Member(TownModel):
    """A member of the association: who (a registry person or a typed name), their number, group and role."""

    __tablename__ = "association_members"
    # Check names are given in full, as their migration did; the naming convention prefixes them once more and
    # that doubled name is what every town's database holds (tests/test_migrations.py compares them).
    __table_args__ = (
        CheckConstraint("(status = 'active' AND left_on IS NULL) OR (status = 'left' AND left_on IS NOT NULL)",
                        name="ck_association_members_left_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The association's own number, unique in the town: how an import finds the member again.
    member_number: Mapped[str] = mapped_column(String(32), unique=True)
    # A registry person is a member once; typed-in members have none.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), unique=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    phone: Mapped[str | None] = mapped_column(EncryptedString("association_members.phone"))
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id", ondelete="RESTRICT"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("association_groups.id", ondelete="SET NULL"),
                                                 index=True)
    joined_on: Mapped[date] = mapped_column(Date, index=True)
    role: Mapped[str] = mapped_column(String(16), default="member", index=True)
    status: Mapped[str] = mapped_column(String(8), default="active", index=True)
    left_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    person: Mapped[Person | None] = relationship(lazy="joined")
    village: Mapped[Village | None] = relationship(lazy="joined")
    group: Mapped[MemberGroup | None] = relationship(foreign_keys=[group_id], lazy="joined")

    @property
    def in_registry(self) -> bool:
        return self.person_id is not None

    @property
    def active(self) -> bool:
        return self.status == "active"


class Liaison(TownModel):
    """A household of the registry that a member keeps in touch with (联系户), from ``start_date`` to
    ``end_date`` (inclusive; none: still). A household with two liaisons counts once in the coverage."""

    __tablename__ = "association_liaisons"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="ck_association_liaisons_period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("association_members.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[date] = mapped_column(Date, index=True)
    end_date: Mapped[date | None] = mapped_column(Date, index=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    member: Mapped[Member] = relationship(lazy="joined")
    household: Mapped[Household] = relationship(lazy="joined")

    def current_on(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)
