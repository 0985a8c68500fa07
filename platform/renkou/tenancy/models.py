from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from renkou.db import SHARED_SCHEMA, town_schema
from renkou.extensions import db
from renkou.types import UTCDateTime, utcnow

TOWN_ACTIVE = "active"
TOWN_ARCHIVED = "archived"


class Town(db.Model):
    """A town (乡镇/街道) hosted as a tenant. Its registers live in its own schema or file."""

    __tablename__ = "towns"
    __table_args__ = {"schema": SHARED_SCHEMA}

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(9), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=TOWN_ACTIVE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def schema(self) -> str:
        return town_schema(self.code)

    @property
    def is_active(self) -> bool:
        return self.status == TOWN_ACTIVE

    def __repr__(self) -> str:
        return f"<Town {self.code} {self.slug}>"
