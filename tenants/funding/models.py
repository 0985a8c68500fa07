"""Funding entries (经费投入): money the town put in, by category, one voucher each.

Amounts are kept as integer fen (分, hundredths of a yuan), never as floating point: sums are exact on
PostgreSQL and SQLite alike. Pages and the API speak yuan with two decimals.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from renkou.extensions import TownModel
from renkou.types import UTCDateTime, utcnow

# The categories of the town plan: 设备, 技术服务, 儿童保健, 宣传, 培训, 网络建设, 其他.
FUNDING_CATEGORIES = ("equipment", "technical_services", "child_health", "publicity", "training", "network",
                      "other")


class FundingEntry(TownModel):
    """One payment into the work, as the voucher (凭证) in the town's books records it."""

    __tablename__ = "funding_entries"
    # Check names are given in full, as their migration did; the naming convention prefixes them once more and
    # that doubled name is what every town's database holds (tests/test_migrations.py compares them).
    __table_args__ = (CheckConstraint("amount_fen > 0", name="ck_funding_entries_amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_date: Mapped[date] = mapped_column(Date, index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    category: Mapped[str] = mapped_column(String(24), index=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    # The voucher number of the town's books, unique in the town: how a re-imported ledger finds the entry.
    voucher_number: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    @property
    def amount(self) -> Decimal:
        """The amount in yuan, two decimals."""
        return yuan(self.amount_fen)


def yuan(fen: int) -> Decimal:
    """Fen as yuan: 123450 → Decimal("1234.50")."""
    return Decimal(int(fen)).scaleb(-2)


def fen(amount: Decimal) -> int:
    """Yuan as fen: Decimal("1234.5") → 123450. The amount must have at most two decimals."""
    return int((Decimal(amount) * 100).to_integral_exact())
