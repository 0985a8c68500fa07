"""HMAC-SHA256 signatures over timestamp and body, both ways between the county and its bureau.

A message carries:
    X-Renkou-Timestamp: seconds since the epoch (UTC) when it was signed
    X-Renkou-Message-Id: a unique id per message (replays of the same id are refused by the receiver)
    X-Renkou-Signature: "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + message id + "." + body))
Outbound submissions also carry Idempotency-Key (one per report, period and revision), so the bureau
stores a resent submission once.

The receiver checks, in this order: the headers are there, the timestamp is within TOLERANCE of its
clock, the signature matches (constant-time compare), and the message id was not seen before.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections.abc import Callable, Mapping

TIMESTAMP, MESSAGE_ID, SIGNATURE, IDEMPOTENCY_KEY = (
    "X-Renkou-Timestamp", "X-Renkou-Message-Id", "X-Renkou-Signature", "Idempotency-Key")
TOLERANCE_SECONDS = 300


class SignatureError(Exception):
    """A message that must be refused; ``reason`` is a short code (missing, stale, bad_signature, replay)."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def signature(secret: str, timestamp: str, message_id: str, body: bytes) -> str:
    signed = timestamp.encode() + b"." + message_id.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, *, now: float | None = None, message_id: str | None = None) -> dict[str, str]:
    """The headers that sign ``body``."""
    timestamp = str(int(now if now is not None else time.time()))
    message_id = message_id or uuid.uuid4().hex
    return {TIMESTAMP: timestamp, MESSAGE_ID: message_id,
            SIGNATURE: signature(secret, timestamp, message_id, body)}


def check_headers(headers: Mapping[str, str], *, now: float | None = None,
                  tolerance: int = TOLERANCE_SECONDS) -> None:
    """What can be refused before the body is read: the signature headers are there and the timestamp
    is fresh. SignatureError (missing, stale) otherwise."""
    timestamp, message_id, given = (headers.get(name) for name in (TIMESTAMP, MESSAGE_ID, SIGNATURE))
    if not (timestamp and message_id and given):
        raise SignatureError("missing", "the message is not signed")
    try:
        age = abs((now if now is not None else time.time()) - int(timestamp))
    except ValueError:
        raise SignatureError("missing", "the timestamp is not a number") from None
    if age > tolerance:
        raise SignatureError("stale", "the timestamp is too far from now")


def verify(secret: str, headers: Mapping[str, str], body: bytes, *, seen: Callable[[str], bool],
           now: float | None = None, tolerance: int = TOLERANCE_SECONDS) -> str:
    """Check a received message; its message id when it is good, SignatureError otherwise.

    ``seen(message_id)`` records the id and answers whether it was already recorded (an atomic
    set-if-absent, e.g. a unique row or Redis SET NX), so a replay is refused even inside the window.
    """
    check_headers(headers, now=now, tolerance=tolerance)
    timestamp, message_id, given = (headers.get(name) for name in (TIMESTAMP, MESSAGE_ID, SIGNATURE))
    if not hmac.compare_digest(given, signature(secret, timestamp, message_id, body)):
        raise SignatureError("bad_signature", "the signature does not match the body")
    if seen(message_id):
        raise SignatureError("replay", "this message was received before")
    return message_id
