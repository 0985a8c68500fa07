from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from renkou.extensions import TownModel
from renkou.types import UTCDateTime, utcnow

# uploaded → checking → checked → committing → committed; failed when the file itself cannot be read or
# its check failed for good. An import that failed for good goes back to checked (nothing was written).
UPLOADED, CHECKING, CHECKED, COMMITTING, COMMITTED, FAILED = (
    "uploaded", "checking", "checked", "committing", "committed", "failed")
STATUSES = (UPLOADED, CHECKING, CHECKED, COMMITTING, COMMITTED, FAILED)


class ImportBatch(TownModel):
    """One uploaded spreadsheet, kept in the town's own storage (it holds personal data)."""

    __tablename__ = "import_batches"
    affects_indicators = False  # the rows it writes mark their own periods; its progress moves nothing

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(200))
    # The file itself, until it is committed (then it is dropped: the register holds the data).
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    status: Mapped[str] = mapped_column(String(16), default="uploaded")
    total_rows: Mapped[int] = mapped_column(default=0)
    error_rows: Mapped[int] = mapped_column(default=0)
    created_count: Mapped[int] = mapped_column(default=0)
    updated_count: Mapped[int] = mapped_column(default=0)
    # [{"row": 7, "column": "身份证号码", "message": "…"}], the dry run's findings
    errors: Mapped[list] = mapped_column(JSON, default=list)
    failure: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def valid_rows(self) -> int:
        return self.total_rows - self.error_rows

    @property
    def in_progress(self) -> bool:
        return self.status in ("uploaded", "checking", "committing")
