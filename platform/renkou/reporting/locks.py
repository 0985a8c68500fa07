"""Whether a town's month is locked by an approved report.

Read by the registers' commit hook (renkou.indicators.freshness) and by the recomputation job, so this
module stays small and imports neither of them.

On PostgreSQL the report rows are read with a share lock that lasts to the end of the caller's
transaction. An approval takes the row for update, so the two wait for each other instead of passing:
a register change either commits first (and the approval then finds the month being recomputed, and
refuses), or waits for the approval (and then finds the month locked, and is refused). A recomputation
that holds the share lock likewise finishes before an approval reads the figures. SQLite serialises
writers on its own and ignores the lock.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from renkou.extensions import db
from renkou.reporting.models import APPROVED, TownReport


def locked_months(connection: Connection, town_id: int, month_ids: list[str], hold: bool = True) -> list[str]:
    """The months among ``month_ids`` whose report is approved (and not unlocked), oldest first."""
    if not month_ids:
        return []
    statement = select(TownReport.period, TownReport.status).where(TownReport.town_id == town_id,
                                                                   TownReport.period.in_(month_ids))
    if hold:
        statement = statement.with_for_update(read=True)
    return sorted(period for period, status in connection.execute(statement) if status == APPROVED)


def is_locked(town_id: int, month_id: str) -> bool:
    """True when the town's report of ``month_id`` is approved: its figures are final until the county
    unlocks the month."""
    return bool(locked_months(db.session.connection(), town_id, [month_id], hold=False))
