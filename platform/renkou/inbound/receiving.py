"""Receiving one message from the bureau: the single code path of the push endpoint and the pull job.

In order: the signature headers and timestamp (401), a message id seen before (409), the body (400), the
message stored under its unique id (409 when another process stored it a moment ago), then its routing
(400 with a reason per item when an item is wrong). Any refusal leaves nothing behind: the caller rolls
the transaction back, so a refused message is not stored and may be sent again once corrected. Services
flush; the request (or the pull job, message by message) commits.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from flask import current_app, g
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import Headers

from renkou.audit import services as audit
from renkou.audit.models import OUTCOME_FAILURE
from renkou.exchange import signing
from renkou.extensions import db
from renkou.inbound import routing
from renkou.inbound.models import VERIFICATION, InboundMessage
from renkou.inbound.schemas import SCHEMAS
from renkou.schemas import messages_of
from renkou.timezone import local
from renkou.types import utcnow

BUREAU_ACTOR = "bureau"  # the audit trail's name for what the bureau's messages do
MAX_MESSAGE_ID = 64
# The longest message taken: a targets message for every town and indicator is a few hundred KiB.
MAX_MESSAGE_BYTES = 2 * 1024 * 1024


class Refused(Exception):
    """A message that is not taken: ``status`` to answer with, ``reason`` (a short code) and ``errors`` in
    the API's shape ({field: [messages]}, nested by item for targets)."""

    def __init__(self, status: int, reason: str, errors: dict):
        super().__init__(errors)
        self.status, self.reason, self.errors = status, reason, errors


def check_envelope(headers: Mapping[str, str], declared_length: int | None) -> None:
    """Refuse a message on what its headers say, before its body is read or hashed: no secret here
    (503), unsigned or stale (401), no declared length (411) or longer than any message (413)."""
    _secret()
    try:
        signing.check_headers(headers)
    except signing.SignatureError as error:
        raise Refused(401, error.reason, {"_schema": [str(error)]}) from None
    if declared_length is None:
        raise Refused(411, "length_required", {"_schema": ["a message must declare its Content-Length"]})
    if declared_length > MAX_MESSAGE_BYTES:
        raise Refused(413, "too_large", {"_schema": [f"a message is at most {MAX_MESSAGE_BYTES} bytes"]})


def _secret() -> str:
    secret = current_app.config["RENKOU_SETTINGS"].bureau_secret
    if not secret:
        raise Refused(503, "not_configured", {"_schema": [str(_l(
            "Messages from the bureau cannot be received: RENKOU_BUREAU_SECRET is not set."))]})
    return secret


def receive(headers: Mapping[str, str], body: bytes, channel: str) -> InboundMessage:
    """Check, store and route one message; Refused when it is not taken (the caller rolls back)."""
    secret = _secret()
    if len(body) > MAX_MESSAGE_BYTES:
        raise Refused(413, "too_large", {"_schema": [f"a message is at most {MAX_MESSAGE_BYTES} bytes"]})
    try:
        message_id = signing.verify(secret, Headers(list(headers.items())), body, seen=_stored)
    except signing.SignatureError as error:
        raise Refused(409 if error.reason == "replay" else 401, error.reason, {"_schema": [str(error)]}) from None
    if len(message_id) > MAX_MESSAGE_ID or not message_id.isprintable():
        raise Refused(400, "invalid", {"_schema": [f"the message id must be at most {MAX_MESSAGE_ID} characters"]})
    document = _document(body)
    g.job_actor = (None, BUREAU_ACTOR)
    message = _store(message_id, document, channel)
    routing.route(message, document)
    audit.record("bureau_message.receive", town_code=None, record_type="bureau_message", record_id=message.id,
                 detail={"message_id": message_id, "kind": message.kind, "channel": channel,
                         "reference": message.reference, "status": message.status})
    return message


def record_refusal(refused: Refused, headers: Mapping[str, str], channel: str) -> None:
    """The refusal in the audit trail (written whichever way the transaction ends): who tried what."""
    audit.record_now("bureau_message.refuse", actor_name=BUREAU_ACTOR, town_code=None, record_type="bureau_message",
                     record_id=(headers.get(signing.MESSAGE_ID) or "")[:MAX_MESSAGE_ID] or None,
                     outcome=OUTCOME_FAILURE, detail={"reason": refused.reason, "status": refused.status,
                                                      "channel": channel})


def _stored(message_id: str) -> bool:
    """A quick answer for a replay; the unique key in _store is what holds under concurrency."""
    return db.session.scalar(select(InboundMessage.id).where(InboundMessage.message_id == message_id)) is not None


def _document(body: bytes) -> dict:
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "invalid", {"_schema": [str(_l("The body is not JSON."))]}) from None
    if not isinstance(document, dict):
        raise Refused(400, "invalid", {"_schema": [str(_l("The body must be a JSON object."))]})
    schema = SCHEMAS.get(document.get("kind"))
    if schema is None:
        raise Refused(400, "invalid", {"kind": [str(_l("Not a kind of message the county takes: "
                                                       "targets, verification_request or notification."))]})
    try:
        return schema().load(document)
    except ValidationError as error:
        raise Refused(400, "invalid", messages_of(error)) from None


def _store(message_id: str, document: dict, channel: str) -> InboundMessage:
    now = utcnow()
    message = InboundMessage(
        message_id=message_id, kind=document["kind"], channel=channel, reference=document.get("reference", ""),
        title=document.get("title", ""), urgent=bool(document.get("urgent", False)), received_at=now,
        received_on=local(now).date(), status=routing.initial_status(document), content=_without_people(document),
        outcome={})
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        raise Refused(409, "replay", {"_schema": ["this message was received before"]}) from None
    return message


def _without_people(document: dict) -> dict:
    """What the message says that is not about a person: the county's list of messages shows this."""
    kept = {key: value for key, value in document.items() if key not in ("kind", "reference", "title")}
    if document["kind"] == VERIFICATION:
        kept.pop("person", None)
        kept.pop("request", None)  # the request's text may describe the person; it goes with the person
    if "targets" in kept:
        kept["targets"] = [{**item, "value": format(item["value"], "f")} for item in kept["targets"]]
    return kept
