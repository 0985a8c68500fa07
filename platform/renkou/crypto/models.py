from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from renkou.db import SHARED_SCHEMA
from renkou.extensions import db
from renkou.types import UTCDateTime, utcnow


class TownKey(db.Model):
    """A town's data key, wrapped under the master key. One per town."""

    __tablename__ = "town_keys"
    __table_args__ = {"schema": SHARED_SCHEMA}

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey(f"{SHARED_SCHEMA}.towns.id", ondelete="CASCADE"), unique=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
