"""Jobs of the bureau's messages: searching one town for a request's person (default queue),
fetching the messages of a bureau that does not push, and delivering a town's or the county's reply
(both on the exchange queue, which waits on the bureau).

All three are idempotent (DESIGN.md §4): a search records its result once (renkou.inbound.routing), a
fetched message is stored once under its unique message id (a message fetched twice is a replay), and a
reply moves through a guarded state machine and is sent under its own Idempotency-Key.
"""

from __future__ import annotations

import json
import logging
import uuid

from rq import get_current_job
from sqlalchemy import select

from renkou import jobs
from renkou.audit import services as audit
from renkou.exchange import signing
from renkou.extensions import db
from renkou.inbound import receiving, replies, routing
from renkou.inbound.models import DELIVERED, FAILED, PENDING, PULL, QUEUED, SENDING, Lookup, Reply
from renkou.tenancy.context import load_town_model
from renkou.types import utcnow
from tenants.registry.services import find_by_resident_id
from workers.exchange import bureau_http

log = logging.getLogger(__name__)
EXCERPT_CHARS = 500


class BureauUnavailable(Exception):
    """The bureau could not be reached or answered 5xx; RQ retries the job (or the next pull does)."""


class BureauRefused(Exception):
    """The bureau answered in a way that retrying will not change (4xx, an unsigned answer)."""


def _settings():
    from flask import current_app

    return current_app.config["RENKOU_SETTINGS"]


# ---------------------------------------------------------------------------------------------------------
# Searching one town for a request's person


def locate_person(message_pk: int, town_code: str) -> str | None:
    """Look the person of request ``message_pk`` up in ``town_code``'s register (its blind index)."""
    return jobs.run_for_town(town_code, _locate, message_pk)


def _locate(message_pk: int) -> str | None:
    town = load_town_model()
    lookup = db.session.scalar(select(Lookup).where(Lookup.inbound_id == message_pk, Lookup.town_id == town.id))
    if lookup is None or lookup.state != PENDING or lookup.personal is None:
        return None  # searched already: a job run twice
    personal = routing.unseal(town.code, lookup.personal)
    person = find_by_resident_id(personal["resident_id"])
    if person is not None:
        audit.record("bureau_notice.locate", record_type="person", record_id=person.id,
                     detail={"bureau_message": message_pk})
    return routing.record_search(message_pk, town, person.id if person is not None else None)


# ---------------------------------------------------------------------------------------------------------
# Fetching the messages of a bureau that does not push


def pull_messages() -> dict:
    app = jobs.job_app()
    with app.app_context():
        try:
            return _pull()
        finally:
            db.session.remove()


def _pull() -> dict:
    settings = _settings()
    if not settings.bureau_messages_url or not settings.bureau_secret:
        return {"skipped": "the bureau is not configured (RENKOU_BUREAU_MESSAGES_URL, RENKOU_BUREAU_SECRET)"}
    answer = bureau_http.call("GET", settings.bureau_messages_url, None,
                              bureau_http.signed_headers(settings.bureau_secret, b""), settings.bureau_timeout_seconds)
    if answer.retryable:
        raise BureauUnavailable(answer.error or f"the bureau answered {answer.status}")
    if answer.status != 200:
        raise BureauRefused(f"the bureau answered {answer.status}: {answer.text[:EXCERPT_CHARS]}")
    try:
        # The answer's own message id is not kept: a replayed answer only holds messages stored already,
        # which are refused one by one as replays below.
        signing.verify(settings.bureau_secret, answer.headers, answer.body, seen=lambda _message_id: False)
    except signing.SignatureError as error:
        raise BureauRefused(f"the bureau's answer is not signed properly ({error.reason})") from None
    results = [_take(item) for item in _items(answer.body)]
    if results:
        _acknowledge(settings, results)
    counts = {"fetched": len(results)}
    for result in results:
        counts[result["status"]] = counts.get(result["status"], 0) + 1
    return counts


def _items(body: bytes) -> list:
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BureauRefused("the bureau's answer is not JSON") from None
    items = document.get("messages") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise BureauRefused("the bureau's answer has no list of messages")
    return items


def _take(item) -> dict:
    """One fetched message through the push endpoint's code path, in a transaction of its own."""
    headers = item.get("headers") if isinstance(item, dict) else None
    body = item.get("body") if isinstance(item, dict) else None
    if not isinstance(headers, dict) or not isinstance(body, str):
        return {"message_id": None, "status": "refused", "errors": {"_schema": ["headers and body are required"]}}
    try:
        message = receiving.receive(headers, body.encode("utf-8"), PULL)
        db.session.commit()
        return {"message_id": message.message_id, "status": "accepted"}
    except receiving.Refused as refused:
        db.session.rollback()
        receiving.record_refusal(refused, headers, PULL)
        status = "duplicate" if refused.reason == "replay" else "refused"
        return {"message_id": headers.get(signing.MESSAGE_ID), "status": status, "errors": refused.errors}


def _acknowledge(settings, results: list[dict]) -> None:
    """Tell the bureau what became of each message, so it stops handing them out. A lost acknowledgement
    costs nothing: the messages come again and are refused as replays."""
    body = json.dumps({"results": results}, ensure_ascii=False).encode("utf-8")
    url = settings.bureau_messages_url.rstrip("/") + "/ack"
    answer = bureau_http.call("POST", url, body, bureau_http.signed_headers(
        settings.bureau_secret, body, **{"Content-Type": "application/json"}), settings.bureau_timeout_seconds)
    if answer.status is None or not 200 <= answer.status < 300:
        log.warning("the bureau did not take the acknowledgement: %s", answer.error or answer.status)


# ---------------------------------------------------------------------------------------------------------
# Delivering a reply


def deliver_reply(reply_id: int) -> dict:
    app = jobs.job_app()
    with app.app_context():
        try:
            return _deliver(reply_id)
        finally:
            db.session.remove()


def _deliver(reply_id: int) -> dict:
    claim = uuid.uuid4().hex
    if not replies.move(reply_id, SENDING, from_states=(QUEUED, SENDING), claim=claim, attempts=Reply.attempts + 1):
        state = db.session.scalar(select(Reply.state).where(Reply.id == reply_id))
        db.session.rollback()
        return {"skipped": True, "state": state}
    db.session.commit()  # the attempt is on record before anything leaves
    answer_row = db.session.get(Reply, reply_id)
    settings = _settings()
    hold = {"from_states": (SENDING,), "holder": claim}
    if not settings.bureau_replies_url or not settings.bureau_secret:
        return _finish(answer_row, FAILED, hold, None, "the bureau is not configured (RENKOU_BUREAU_REPLIES_URL)")
    body = _reply_body(answer_row, settings)
    headers = bureau_http.signed_headers(settings.bureau_secret, body, **{
        signing.IDEMPOTENCY_KEY: answer_row.idempotency_key, "Content-Type": "application/json"})
    answer = bureau_http.call("POST", settings.bureau_replies_url, body, headers, settings.bureau_timeout_seconds)
    if answer.status is not None and 200 <= answer.status < 300:
        return _finish(answer_row, DELIVERED, hold, answer, None)
    if not answer.retryable:
        return _finish(answer_row, FAILED, hold, answer,
                       f"the bureau refused the reply ({answer.status}): {answer.text[:EXCERPT_CHARS]}")
    error = answer.error or f"the bureau answered {answer.status}"
    if _retries_left() > 0:
        replies.move(reply_id, QUEUED, **hold, claim=None, http_status=answer.status, last_error=error[:1000])
        db.session.commit()
        raise BureauUnavailable(error)
    return _finish(answer_row, FAILED, hold, answer, error)


def _finish(answer_row: Reply, state: str, hold: dict, answer: bureau_http.Answer | None, error: str | None) -> dict:
    values = {"claim": None, "http_status": answer.status if answer else None,
              "last_error": error[:1000] if error else None}
    if state == DELIVERED:
        values.update(delivered_at=utcnow(), bureau_reference=_reference(answer))
    notice_id, town = answer_row.notice_id, answer_row.notice.town
    if replies.move(answer_row.id, state, **hold, **values):
        replies.settle_notice(notice_id, delivered=state == DELIVERED)
        audit.record("bureau_notice.reply_" + state, actor_name="job", town_code=town.code if town else None,
                     record_type=replies.RECORD_TYPE, record_id=notice_id,
                     detail={"reply": answer_row.number, "http_status": values["http_status"]},
                     outcome="success" if state == DELIVERED else "failure")
    db.session.commit()
    return {"state": state, "http_status": values["http_status"]}


def _reply_body(answer_row: Reply, settings) -> bytes:
    notice = answer_row.notice
    message = notice.message
    town = notice.town
    document = {
        "kind": "reply", "in_reply_to": message.message_id, "reference": message.reference,
        "task": notice.id, "county": settings.county_code,
        "org_unit": settings.bureau_org_unit or settings.county_code,
        "town": {"code": town.code, "name": town.name} if town else None,
        "result": answer_row.result, "text": replies.text_of(answer_row),
        "replied_at": answer_row.created_at.isoformat(timespec="seconds"),
    }
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def _reference(answer: bureau_http.Answer | None) -> str | None:
    try:
        reference = json.loads(answer.text).get("reference") if answer else None
    except (ValueError, AttributeError):
        return None
    return str(reference)[:128] if reference else None


def _retries_left() -> int:
    job = get_current_job()
    return (job.retries_left or 0) if job is not None else 0
