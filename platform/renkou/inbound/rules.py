"""How long the county has to answer the bureau: dated CONFIGURATION, not code.

An entry is in force from its date; the latest entry dated on or before the day a message is received
applies (the earliest for older days). When the province changes a time limit, add an entry with the day
it applies from; tasks already received keep the deadline they were given.

Deadlines are calendar days counted from the day of receipt in the county (a request received on 1 March
with 15 days is due on 16 March), not working days: the bureau's 协查 and 通报 rules count them so.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta


@dataclasses.dataclass(frozen=True)
class TimeLimits:
    urgent_verification_days: int  # 协查, marked urgent
    verification_days: int  # 协查
    notification_days: int  # 通报: the reply


TIME_LIMITS: list[tuple[date, TimeLimits]] = [
    # 跨区域协查: 15 days when urgent, otherwise 30; 通报: a reply within 30 days.
    (date(2020, 1, 1), TimeLimits(urgent_verification_days=15, verification_days=30, notification_days=30)),
]


def limits_on(day: date) -> TimeLimits:
    applying = [limits for since, limits in TIME_LIMITS if since <= day]
    return applying[-1] if applying else TIME_LIMITS[0][1]


def due_on(kind: str, received_on: date, urgent: bool) -> date:
    """The day the answer to a message of ``kind`` received on ``received_on`` is due."""
    limits = limits_on(received_on)
    if kind == "verification_request":
        days = limits.urgent_verification_days if urgent else limits.verification_days
    elif kind == "notification":
        days = limits.notification_days
    else:
        raise ValueError(f"a {kind} message has no deadline")
    return received_on + timedelta(days=days)
