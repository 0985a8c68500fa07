"""Governance (DESIGN.md §7): the leadership group (领导小组), responsibility agreements (责任书) between the
town and a village committee or an agency, and cadre duties: 包片 (an area of villages), 包村 (a village)
and 包户 (households).

Agreements serve families: their items are about services, oversight and data quality. A veto item
(一票否决) may only be of a kind in tenants.governance.rules.VETO_KINDS, never about numbers of births;
the database refuses any other kind as well.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from renkou.crypto.fields import EncryptedString
from renkou.extensions import TownModel, town_metadata
from renkou.types import UTCDateTime, utcnow
from tenants.governance.rules import VETO_KINDS
from tenants.network.models import Village, VillageStaff
from tenants.registry.models import Household

# 组长 / 副组长 / 成员, in the order the group's list shows them.
GROUP_ROLES = ("leader", "deputy", "member")
PARTY_KINDS = ("village", "agency")
# 包片: an area of villages; 包村: one village; 包户: households.
DUTY_KINDS = ("area", "village", "household")


class LeadershipMember(TownModel):
    """A member of the town's leadership group: their post in the town and their role in the group.

    The phone is personal data: encrypted, masked on lists, shown in full only on audited reads."""

    __tablename__ = "leadership_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    position: Mapped[str] = mapped_column(String(64))  # the post in the town: 党委书记, 镇长 …
    group_role: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(EncryptedString("leadership_members.phone"))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Agreement(TownModel):
    """A responsibility agreement of one year between the town and a village committee or an agency."""

    __tablename__ = "responsibility_agreements"
    indicator_stock = True  # a stock: villages with a signed agreement (renkou.indicators.freshness)
    # One agreement a year with a village (agencies, which have no row of their own, are checked by name).
    __table_args__ = (UniqueConstraint("year", "village_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    party_kind: Mapped[str] = mapped_column(String(16))
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id", ondelete="RESTRICT"), index=True)
    agency_name: Mapped[str | None] = mapped_column(String(100))
    signed_on: Mapped[date | None] = mapped_column(Date)
    # The signed paper, scanned: kept in the town's own storage, loaded only when it is downloaded.
    scan: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    scan_content_type: Mapped[str | None] = mapped_column(String(32))
    scan_size: Mapped[int | None] = mapped_column(Integer)
    scan_uploaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The year-end evaluation (the scores are on the items).
    evaluated_on: Mapped[date | None] = mapped_column(Date)
    evaluator: Mapped[str | None] = mapped_column(String(64))
    evaluation_note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    village: Mapped[Village | None] = relationship(lazy="joined")
    items: Mapped[list[AgreementItem]] = relationship(back_populates="agreement", order_by="AgreementItem.position",
                                                      cascade="all, delete-orphan", lazy="selectin")

    @property
    def party_name(self) -> str:
        return self.village.name if self.village is not None else (self.agency_name or "")

    @property
    def signed(self) -> bool:
        return self.signed_on is not None

    @property
    def has_scan(self) -> bool:
        return self.scan_size is not None

    @property
    def evaluated(self) -> bool:
        return self.evaluated_on is not None

    @property
    def total_weight(self) -> int:
        return sum(item.weight for item in self.items)

    @property
    def total_score(self) -> float | None:
        """The sum of the items' scores (kept in tenths of a point, so the sum is exact)."""
        if not self.evaluated:
            return None
        return sum(item.score_tenths or 0 for item in self.items) / 10

    @property
    def vetoed(self) -> bool | None:
        """Whether a veto item was found broken at the evaluation (None before it)."""
        if not self.evaluated:
            return None
        return any(item.veto_triggered for item in self.items)

    @property
    def outcome(self) -> str | None:
        """"passed" or "vetoed" once evaluated; None before."""
        if not self.evaluated:
            return None
        return "vetoed" if self.vetoed else "passed"

    def indicator_dates(self) -> set[date]:
        """Coverage counts an agreement for every period ending in its year: a change moves them from 1 Jan."""
        return {date(self.year, 1, 1)} if self.year else set()


class AgreementItem(TownModel):
    """One item of an agreement: what is to be done, its points and target, and its year-end score."""

    __tablename__ = "agreement_items"
    __table_args__ = (
        CheckConstraint(
            "(veto AND veto_kind IN ({})) OR (NOT veto AND veto_kind IS NULL)".format(
                ", ".join(f"'{kind}'" for kind in VETO_KINDS)),
            name="veto_kind",
        ),
        CheckConstraint("weight >= 0", name="weight"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("responsibility_agreements.id", ondelete="CASCADE"),
                                              index=True)
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(500))
    weight: Mapped[int] = mapped_column(Integer)
    target: Mapped[str] = mapped_column(String(500), default="")
    veto: Mapped[bool] = mapped_column(default=False)
    veto_kind: Mapped[str | None] = mapped_column(String(16))
    # The evaluation: points given (in tenths, 0..weight × 10) and, for a veto item, whether it was broken.
    score_tenths: Mapped[int | None] = mapped_column(Integer)
    veto_triggered: Mapped[bool] = mapped_column(default=False)

    agreement: Mapped[Agreement] = relationship(back_populates="items")

    @property
    def score(self) -> float | None:
        return None if self.score_tenths is None else self.score_tenths / 10


duty_villages = Table(
    "cadre_assignment_villages", town_metadata,
    Column("assignment_id", ForeignKey("cadre_assignments.id", ondelete="CASCADE"), primary_key=True),
    Column("village_id", ForeignKey("villages.id", ondelete="CASCADE"), primary_key=True, index=True),
)

duty_households = Table(
    "cadre_assignment_households", town_metadata,
    Column("assignment_id", ForeignKey("cadre_assignments.id", ondelete="CASCADE"), primary_key=True),
    Column("household_id", ForeignKey("households.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class CadreAssignment(TownModel):
    """A cadre's duty: a leader covers an area (包片, named, of villages) or a village (包村); a cadre
    covers households (包户). The cadre is a leadership group member, a village staff member, or only a
    name; the name is kept either way, so the record outlives the person's entry."""

    __tablename__ = "cadre_assignments"
    indicator_stock = True  # a stock: households covered by a cadre

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    cadre_name: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("leadership_members.id", ondelete="SET NULL"),
                                                  index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("village_staff.id", ondelete="SET NULL"), index=True)
    area_name: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(String(500), default="")
    active: Mapped[bool] = mapped_column(default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    member: Mapped[LeadershipMember | None] = relationship(lazy="joined")
    staff: Mapped[VillageStaff | None] = relationship(lazy="joined")
    villages: Mapped[list[Village]] = relationship(secondary=duty_villages, order_by=Village.code, lazy="selectin")
    households: Mapped[list[Household]] = relationship(secondary=duty_households, order_by=Household.number,
                                                      lazy="selectin")

    @property
    def village_ids(self) -> list[int]:
        return [village.id for village in self.villages]

    @property
    def household_ids(self) -> list[int]:
        return [household.id for household in self.households]
