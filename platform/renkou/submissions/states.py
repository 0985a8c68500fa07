"""The guarded state machine of a submission revision.

    draft → queued → sending → delivered → accepted | rejected
                       │  ↑        (a 2xx or 409 answer carries the bureau's import summary)
                       │  └── queued again while a retry waits (network error, 5xx)
                       └──→ failed (other 4xx, or no retries left)
    any state but draft → queued (resend: a new delivery round, same revision and idempotency key)

Every move is one conditional UPDATE (… WHERE state IN the states it may come from), the same on
PostgreSQL and SQLite: of two copies of a delivery job (RQ delivers at least once), only one can move
the row, and nothing moves an accepted submission but the county's explicit resend.
"""

from __future__ import annotations

from sqlalchemy import update

from renkou.extensions import db
from renkou.submissions.models import (
    ACCEPTED,
    DELIVERED,
    DRAFT,
    FAILED,
    QUEUED,
    REJECTED,
    SENDING,
    Submission,
)
from renkou.types import utcnow

ALLOWED = {
    DRAFT: {QUEUED},
    QUEUED: {SENDING, QUEUED},  # QUEUED again: a resend of a revision whose job was lost
    SENDING: {SENDING, QUEUED, DELIVERED, FAILED},  # SENDING again: a job taking over from a stopped worker
    DELIVERED: {ACCEPTED, REJECTED, QUEUED},
    ACCEPTED: {QUEUED},
    REJECTED: {QUEUED},
    FAILED: {QUEUED},
}


class IllegalMove(ValueError):
    pass


def move(submission_id: int, to: str, *, from_states: tuple[str, ...], round_no: int | None = None,
         holder: str | None = None, **values) -> bool:
    """Move the revision to ``to`` if it is in one of ``from_states`` (and in delivery round ``round_no``,
    and claimed by ``holder``, when given); True when this call moved it. ``values`` are written with it."""
    for state in from_states:
        if to not in ALLOWED.get(state, ()):
            raise IllegalMove(f"{state} → {to} is not a move of a submission")
    conditions = [Submission.id == submission_id, Submission.state.in_(from_states)]
    if round_no is not None:
        conditions.append(Submission.delivery_round == round_no)
    if holder is not None:
        conditions.append(Submission.claim == holder)
    result = db.session.execute(update(Submission).where(*conditions)
                                .values(state=to, state_changed_at=utcnow(), **values)
                                .execution_options(synchronize_session=False))
    moved = result.rowcount == 1
    if moved:
        cached = db.session.identity_map.get(db.session.identity_key(Submission, submission_id))
        if cached is not None:
            db.session.refresh(cached)
    return moved
