"""Answering a task: the reply is stored, then delivered signed to the bureau by a job on the exchange queue.

    task:   open → replying → replied          (back to open when the bureau refuses the reply for good)
    reply:  queued → sending → delivered | failed
                       └──→ queued again while a retry waits (network error, 5xx)

Each reply has its own Idempotency-Key (the county, the task and the reply's number), so the bureau stores
a reply delivered twice (a worker killed after sending) once. Every move is one conditional UPDATE, so of
two copies of a delivery job only one sends.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from rq import Retry
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from renkou import jobs
from renkou.audit import services as audit
from renkou.crypto.keys import decrypt, encrypt
from renkou.db import after_commit
from renkou.errors import ConflictError, ServiceError
from renkou.extensions import db
from renkou.inbound.labels import RESULTS_BY_KIND
from renkou.inbound.models import OPEN, QUEUED, REPLYING, Notice, Reply
from renkou.types import utcnow

DELIVERY_JOB = "workers.exchange.inbound_jobs.deliver_reply"
TEXT_PURPOSE = "bureau_notice.reply"
RECORD_TYPE = "bureau_notice"


def settings():
    return current_app.config["RENKOU_SETTINGS"]


def reply(notice: Notice, result: str, text: str, actor) -> Reply:
    """Answer ``notice`` (its status must be open) and queue the answer for the bureau."""
    if not settings().bureau_replies_url or not settings().bureau_secret:
        raise ServiceError(str(_l("Replies cannot be sent: the bureau is not configured "
                                  "(RENKOU_BUREAU_REPLIES_URL, RENKOU_BUREAU_SECRET).")))
    if result not in RESULTS_BY_KIND[notice.kind]:
        raise ServiceError.on("result", str(_l("Not an answer to this kind of task.")))
    moved = db.session.execute(update(Notice).where(Notice.id == notice.id, Notice.status == OPEN)
                               .values(status=REPLYING).execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        raise ConflictError(str(_l("This task has been answered already.")))
    number = (db.session.scalar(select(func.max(Reply.number)).where(Reply.notice_id == notice.id)) or 0) + 1
    answer = Reply(notice_id=notice.id, number=number, idempotency_key=idempotency_key(notice, number),
                   result=result, state=QUEUED, attempts=0, created_by_id=actor.id if actor else None)
    if notice.for_county:
        answer.text_plain = text
    else:
        answer.text_sealed = encrypt(notice.town.code, TEXT_PURPOSE, text)
    try:
        with db.session.begin_nested():
            db.session.add(answer)
    except IntegrityError:
        raise ConflictError(str(_l("This task has been answered already."))) from None
    db.session.refresh(notice)
    audit.record("bureau_notice.reply", actor=actor, town_code=notice.town.code if notice.town else None,
                 record_type=RECORD_TYPE, record_id=notice.id, detail={"reply": number, "result": result})
    after_commit(db.session, lambda reply_id=answer.id: enqueue_delivery(reply_id))
    return answer


def idempotency_key(notice: Notice, number: int) -> str:
    return f"renkou-{settings().county_code}-notice-{notice.id}-reply-{number}"


def text_of(answer: Reply) -> str:
    """The reply's text in full (for the delivery job, and for the town's own page)."""
    if answer.text_sealed is None:
        return answer.text_plain or ""
    return decrypt(answer.notice.town.code, TEXT_PURPOSE, answer.text_sealed)


def enqueue_delivery(reply_id: int) -> None:
    """Queue the delivery, retried after the configured waits on network errors and 5xx answers."""
    intervals = list(settings().bureau_retry_intervals)
    jobs.enqueue_unique("exchange", DELIVERY_JOB, reply_id, job_id=f"notice-reply-{reply_id}",
                        description=f"reply {reply_id} to the bureau",
                        retry=Retry(max=len(intervals), interval=intervals) if intervals else None)


def move(reply_id: int, to: str, *, from_states: tuple[str, ...], holder: str | None = None, **values) -> bool:
    """Move the reply to ``to`` if it is in ``from_states`` (and claimed by ``holder``); True if this call did."""
    conditions = [Reply.id == reply_id, Reply.state.in_(from_states)]
    if holder is not None:
        conditions.append(Reply.claim == holder)
    return db.session.execute(update(Reply).where(*conditions).values(state=to, **values)
                              .execution_options(synchronize_session=False)).rowcount == 1


def settle_notice(notice_id: int, delivered: bool) -> None:
    """The task after its reply's fate: replied, or open again so it can be answered anew."""
    values = {"status": "replied", "replied_at": utcnow()} if delivered else {"status": OPEN}
    db.session.execute(update(Notice).where(Notice.id == notice_id, Notice.status == REPLYING).values(**values)
                       .execution_options(synchronize_session=False))
