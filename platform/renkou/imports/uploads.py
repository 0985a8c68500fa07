"""Uploaded files at rest: encrypted with the town's data key, and dropped once their import ends.

An upload holds ID numbers in clear, so it is kept only as ciphertext (bound to the town and to this
purpose) and only while it is needed: the engine drops it when the batch is committed or cannot be read,
and ``forget_abandoned`` drops those of batches checked but never committed. The per-row findings stay.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from renkou.crypto.keys import FORMAT_V1, Sealer
from renkou.extensions import db
from renkou.imports.models import ImportBatch
from renkou.tenancy.context import current_town
from renkou.types import utcnow

PURPOSE = "import_batches.content"
# A checked import not committed within this time is abandoned: its file is dropped (upload it again).
ABANDONED_AFTER = timedelta(hours=24)


def seal(content: bytes) -> bytes:
    return Sealer(current_town().code, PURPOSE).seal_bytes(content)


def content_of(batch: ImportBatch) -> bytes | None:
    """The uploaded file in clear, or None once it has been dropped."""
    if batch.content is None:
        return None
    stored = bytes(batch.content)
    if not stored.startswith(FORMAT_V1):  # kept before uploads were encrypted; dropped like the others
        return stored
    return Sealer(current_town().code, PURPOSE).open_bytes(stored)


def forget_abandoned(now=None) -> int:
    """Drop the files of the town's imports that ended without a commit or were left unfinished for a day."""
    cutoff = (now or utcnow()) - ABANDONED_AFTER
    result = db.session.execute(
        update(ImportBatch)
        .where(ImportBatch.content.is_not(None), ImportBatch.created_at < cutoff,
               ImportBatch.status.in_(("checked", "failed", "committed")))
        .values(content=None)
        .execution_options(synchronize_session=False))
    return result.rowcount or 0
