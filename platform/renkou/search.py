"""The one way a list's free-text search matches rows.

What people type is matched literally: ``%`` and ``_`` are escaped, so ``?q=%`` finds names holding a
percent sign instead of every row.
"""

from __future__ import annotations

from sqlalchemy import or_
from sqlalchemy.sql import ColumnElement


def text_matches(q: str, *columns) -> ColumnElement[bool]:
    """Rows where any of ``columns`` contains ``q`` as typed (case as the database compares it)."""
    return or_(*(column.contains(q, autoescape=True) for column in columns))
