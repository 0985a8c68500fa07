"""Medical units (医疗机构) of the town, their licences and services; inspections against 两非 and the
findings that ask a unit to put something right.

The contact person's phone is personal data: encrypted, masked on lists, in full only on the (audited)
record page. Findings are oversight of medical units, never of families; nothing here is a penalty.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from renkou.crypto.fields import EncryptedString
from renkou.extensions import TownModel
from renkou.types import UTCDateTime, utcnow
from tenants.clinics import rules
from tenants.network.models import Village

UNIT_KINDS = tuple(rules.UNIT_KINDS)
LICENCE_KINDS = tuple(rules.LICENCE_KINDS)
LICENCE_STATES = ("valid", "expiring", "expired")
ITEM_RESULTS = ("pass", "fail", "na")
# open → rectified (the unit put it right: date and note) → closed (the office checked it).
FINDING_STATUSES = ("open", "rectified", "closed")
FINDING_SOURCES = ("service", "inspection")


class MedicalUnit(TownModel):
    """A medical unit in the town: health centre, village clinic, private clinic or hospital."""

    __tablename__ = "medical_units"
    indicator_stock = True  # a stock: clinics (the inspection coverage denominator)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    # Optional: a hospital or health centre may serve the whole town. A deleted village leaves it empty.
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id", ondelete="SET NULL"), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    contact_name: Mapped[str | None] = mapped_column(String(64))
    contact_phone: Mapped[str | None] = mapped_column(EncryptedString("medical_units.contact_phone"))
    active: Mapped[bool] = mapped_column(default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    village: Mapped[Village | None] = relationship(lazy="joined")
    service_rows: Mapped[list[UnitService]] = relationship(
        back_populates="unit", cascade="all, delete-orphan", order_by="UnitService.code", lazy="selectin")
    licences: Mapped[list[Licence]] = relationship(back_populates="unit", order_by="Licence.valid_to")

    @property
    def services(self) -> list[str]:
        """The codes of the services the unit offers, in the configured order."""
        offered = {row.code for row in self.service_rows}
        return [code for code in rules.SERVICE_CODES if code in offered]

    @property
    def restricted_offered(self) -> list[str]:
        """The services the unit offers that its kind may not provide today."""
        restricted = rules.restricted_services(self.kind, rules.today())
        return [code for code in self.services if code in restricted]


class UnitService(TownModel):
    """A service a unit offers (one row per unit and service code)."""

    __tablename__ = "medical_unit_services"
    __table_args__ = (UniqueConstraint("unit_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("medical_units.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    unit: Mapped[MedicalUnit] = relationship(back_populates="service_rows")


class Licence(TownModel):
    """A licence of a unit (执业许可证 …): number, issuer and the days it is valid (no end: no expiry)."""

    __tablename__ = "clinic_licences"
    # A licence number is issued once per kind of licence.
    __table_args__ = (UniqueConstraint("kind", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("medical_units.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    number: Mapped[str] = mapped_column(String(64))
    issuer: Mapped[str] = mapped_column(String(100))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    unit: Mapped[MedicalUnit] = relationship(back_populates="licences", lazy="joined")

    def state_on(self, day: date) -> str:
        """expired (the last valid day has passed), expiring (it is at most the configured number of days
        away) or valid."""
        if self.valid_to is None:
            return "valid"
        if self.valid_to < day:
            return "expired"
        if (self.valid_to - day).days <= rules.expiry_warning_days(day):
            return "expiring"
        return "valid"

    @property
    def state(self) -> str:
        return self.state_on(rules.today())


class Inspection(TownModel):
    """An inspection of a unit against 两非, with one result per checklist item."""

    __tablename__ = "clinic_inspections"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("medical_units.id", ondelete="RESTRICT"), index=True)
    inspection_date: Mapped[date] = mapped_column(Date, index=True)
    inspectors: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    unit: Mapped[MedicalUnit] = relationship(lazy="joined")
    items: Mapped[list[InspectionItem]] = relationship(
        back_populates="inspection", cascade="all, delete-orphan", order_by="InspectionItem.id", lazy="selectin")
    findings: Mapped[list[Finding]] = relationship(back_populates="inspection", order_by="Finding.id")

    @property
    def failed(self) -> int:
        return sum(1 for item in self.items if item.result == "fail")


class InspectionItem(TownModel):
    """The result of one checklist item: pass, fail or not applicable, with a note."""

    __tablename__ = "clinic_inspection_items"
    __table_args__ = (UniqueConstraint("inspection_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("clinic_inspections.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    result: Mapped[str] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(String(500))

    inspection: Mapped[Inspection] = relationship(back_populates="items")


class Finding(TownModel):
    """Something a unit has to put right, by a deadline: a failed checklist item, or a service its kind
    may not provide. open → rectified (date and note) → closed."""

    __tablename__ = "clinic_findings"
    __table_args__ = (
        UniqueConstraint("inspection_id", "item_code"),
        # One finding per unit and restricted service while it is not closed: recording the service
        # again raises nothing new.
        Index("uq_clinic_findings_open_service", "unit_id", "service_code", unique=True,
              postgresql_where=text("service_code IS NOT NULL AND status <> 'closed'"),
              sqlite_where=text("service_code IS NOT NULL AND status <> 'closed'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("medical_units.id", ondelete="RESTRICT"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    service_code: Mapped[str | None] = mapped_column(String(32))
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("clinic_inspections.id", ondelete="RESTRICT"),
                                                      index=True)
    item_code: Mapped[str | None] = mapped_column(String(32))
    found_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(1000))
    deadline: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    rectified_on: Mapped[date | None] = mapped_column(Date)
    rectification_note: Mapped[str | None] = mapped_column(String(1000))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    close_note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    unit: Mapped[MedicalUnit] = relationship(lazy="joined")
    inspection: Mapped[Inspection | None] = relationship(back_populates="findings")

    def is_overdue(self, day: date) -> bool:
        return self.status == "open" and self.deadline < day

    @property
    def overdue(self) -> bool:
        return self.is_overdue(rules.today())
