"""What the clinics services share."""

from __future__ import annotations

import dataclasses


def apply_changes(record, values: dict, fields: tuple[str, ...]) -> list[str]:
    """Set ``fields`` of ``record`` from ``values``; the names of those that changed (never their values)."""
    changed = []
    for field in fields:
        if field in values and getattr(record, field) != values[field]:
            setattr(record, field, values[field])
            changed.append(field)
    return changed


def filter_detail(filters) -> dict:
    """A filter dataclass as it goes into the audit trail (values of filters, never of records)."""
    return {k: str(v) for k, v in dataclasses.asdict(filters).items() if v not in (None, "", False)}

