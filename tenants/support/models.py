"""Family support records: the yearly roll of reward and special support and its payments, childcare-subsidy
applications, and assistance combined with development (三结合).

Amounts are integer fen (分). Every record here is about money or help given to a family; none of it is a
penalty. Eligibility is worked out from the register each time it is asked (tenants.support.services.
eligibility); a roll entry keeps the reasons as they stood when staff confirmed it, with the facts that
were declared because the register does not hold them, and who checked them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from renkou.crypto.fields import EncryptedString
from renkou.extensions import TownModel
from renkou.types import UTCDateTime, utcnow
from tenants.registry.models import Household, Person
from tenants.support import rules

SUPPORT_KINDS = tuple(rules.KINDS)
PAYMENT_METHODS = ("bank", "card", "cash", "other")
# A payment is paid; the bank may send it back (account closed …): returned, and it no longer counts.
PAYMENT_STATUSES = ("paid", "returned")
# received → under_review → approved → paid; received or under_review → returned (with a reason) →
# received again when the family files it anew.
SUBSIDY_STATUSES = ("received", "under_review", "approved", "returned", "paid")
OPEN_SUBSIDY_STATUSES = ("received", "under_review")
ASSISTANCE_KINDS = tuple(rules.ASSISTANCE_KINDS)


class RollEntry(TownModel):
    """A person confirmed onto a year's roll of one kind of support, with the year's amount."""

    __tablename__ = "support_roll_entries"
    # Check names are given in full, as their migration did; the naming convention prefixes them once more and
    # that doubled name is what every town's database holds (tests/test_migrations.py compares them).
    __table_args__ = (UniqueConstraint("person_id", "kind", "year"),
                      CheckConstraint("amount_fen > 0", name="ck_support_roll_entries_amount_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    # [{"condition", "status", "code", "text"}] as the eligibility check gave them on confirmation.
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    # [{"code", "checked_by", "checked_on", "note"}]: conditions the register does not hold.
    declarations: Mapped[list] = mapped_column(JSON, default=list)
    confirmed_by: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    person: Mapped[Person] = relationship(lazy="joined")
    payments: Mapped[list[SupportPayment]] = relationship(back_populates="roll_entry",
                                                          order_by="SupportPayment.paid_on")

    @property
    def paid_fen(self) -> int:
        return sum(payment.amount_fen for payment in self.payments if payment.status == "paid")

    @property
    def outstanding_fen(self) -> int:
        return self.amount_fen - self.paid_fen


class SupportPayment(TownModel):
    """A payment against a roll entry, as the bank's or the office's voucher records it."""

    __tablename__ = "support_payments"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="ck_support_payments_amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    roll_entry_id: Mapped[int] = mapped_column(ForeignKey("support_roll_entries.id", ondelete="RESTRICT"),
                                               index=True)
    paid_on: Mapped[date] = mapped_column(Date, index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(16))
    # The voucher or bank reference, unique in the town: how a re-imported ledger finds the payment.
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="paid", index=True)
    returned_on: Mapped[date | None] = mapped_column(Date)
    return_reason: Mapped[str | None] = mapped_column(String(500))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    roll_entry: Mapped[RollEntry] = relationship(back_populates="payments", lazy="joined")


class SubsidyApplication(TownModel):
    """A childcare-subsidy (育儿补贴) application for a child under three, for one subsidy year."""

    __tablename__ = "childcare_subsidies"
    __table_args__ = (UniqueConstraint("child_id", "subsidy_year"),
                      CheckConstraint("amount_fen >= 0", name="ck_childcare_subsidies_amount_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"), index=True)
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    applicant_name: Mapped[str | None] = mapped_column(String(64))  # when the applicant is not on the register
    applicant_phone: Mapped[str | None] = mapped_column(EncryptedString("childcare_subsidies.applicant_phone"))
    subsidy_year: Mapped[int] = mapped_column(Integer, index=True)
    months: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    received_on: Mapped[date] = mapped_column(Date, index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default="received", index=True)
    return_reason: Mapped[str | None] = mapped_column(String(500))
    review_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paid_on: Mapped[date | None] = mapped_column(Date)
    payment_reference: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    child: Mapped[Person] = relationship(foreign_keys=[child_id], lazy="joined")
    applicant: Mapped[Person | None] = relationship(foreign_keys=[applicant_id], lazy="joined")

    @property
    def applicant_display(self) -> str:
        return self.applicant.name if self.applicant is not None else (self.applicant_name or "")

    def is_overdue(self, day: date) -> bool:
        return self.status in OPEN_SUBSIDY_STATUSES and self.due_on < day

    @property
    def overdue(self) -> bool:
        return self.is_overdue(rules.today())


class Assistance(TownModel):
    """Help given to a household under 三结合: training, a microcredit, project support, goods …"""

    __tablename__ = "support_assistance"
    # One record per household, kind and day: how a re-imported sheet finds it again.
    __table_args__ = (UniqueConstraint("household_id", "given_on", "kind"),
                      CheckConstraint("value_fen > 0", name="ck_support_assistance_value_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    given_on: Mapped[date] = mapped_column(Date, index=True)
    value_fen: Mapped[int] = mapped_column(BigInteger)
    provider: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    household: Mapped[Household] = relationship(lazy="joined")
