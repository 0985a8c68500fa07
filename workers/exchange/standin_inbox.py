"""The stand-in bureau's side of messages to the county and the county's replies (added to
workers/exchange/standin_bureau.py, which serves them on the same port).

- ``GET /api/messages`` (a signed request): the messages waiting for the county, each signed as it is
  handed out (its message id stays the same, so one handed out twice is a replay to the county), in a
  signed answer: {"messages": [{"headers": {…}, "body": "<the JSON text>"}]}. A message is handed out
  until the county acknowledges it.
- ``POST /api/messages/ack`` (signed): {"results": [{"message_id", "status", …}]}; those stop being handed out.
- ``POST /api/replies`` (signed, with an Idempotency-Key): a reply, stored once per key; a resend under the
  same key gets the stored answer back. It can be told to fail (503) or refuse (4xx) the next replies.
- ``push(url, message)`` signs a message and POSTs it to the county, the way a bureau that pushes does.

Control (loopback only): ``POST /inbox/control`` with {"queue": {message}}, {"push": {"url": …, "message":
{…}}}, {"fail": 2}, {"reject": 1, "reject_status": 400} or {"reset": true}; ``GET /inbox`` shows the state.
"""

from __future__ import annotations

import ipaddress
import json
import threading
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from renkou.exchange import signing

MESSAGES_PATH = "/api/messages"
ACK_PATH = MESSAGES_PATH + "/ack"
REPLIES_PATH = "/api/replies"
CONTROL_PATH = "/inbox/control"
STATE_PATH = "/inbox"
REPLY_FIELDS = {"in_reply_to", "result", "text"}


@dataclass
class ReplyBehaviour:
    fail: int = 0
    fail_status: int = 503
    reject: int = 0
    reject_status: int = 400


@dataclass
class Inbox:
    bureau: object  # the StandinBureau: its secret, tolerance and replay memory
    waiting: dict[str, str] = field(default_factory=dict)  # message id → body, in the order queued
    handed_out: dict[str, int] = field(default_factory=dict)
    acknowledged: list[dict] = field(default_factory=list)
    replies: dict[str, dict] = field(default_factory=dict)  # idempotency key → the stored reply
    reply_requests: list[dict] = field(default_factory=list)
    behaviour: ReplyBehaviour = field(default_factory=ReplyBehaviour)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- what tests and the demo do -------------------------------------------------------------------

    def queue(self, message: dict, message_id: str | None = None) -> str:
        """Put a message in the queue the county fetches from; its message id (kept across hand-outs)."""
        message_id = message_id or uuid.uuid4().hex
        with self._lock:
            self.waiting[message_id] = json.dumps(message, ensure_ascii=False)
        return message_id

    def push(self, url: str, message: dict, message_id: str | None = None, secret: str | None = None,
             now: float | None = None) -> tuple[int, dict]:
        """Sign ``message`` and POST it to the county's endpoint ``url``; (status, JSON answer)."""
        body = json.dumps(message, ensure_ascii=False).encode("utf-8")
        headers = {**signing.sign(secret or self.bureau.secret, body, now=now, message_id=message_id),
                   "Content-Type": "application/json"}
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (a loopback URL)
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as answer:
            return answer.code, json.loads(answer.read() or b"{}")

    def configure(self, **changes) -> None:
        with self._lock:
            if changes.pop("reset", False):
                self.behaviour = ReplyBehaviour()
            for name, value in changes.items():
                if not hasattr(self.behaviour, name):
                    raise ValueError(f"unknown setting {name}")
                setattr(self.behaviour, name, value)

    def requests_for(self, key: str) -> list[dict]:
        """Every POST of a reply under ``key`` (retries and resends included)."""
        with self._lock:
            return [entry for entry in self.reply_requests if entry["key"] == key]

    def state(self) -> dict:
        with self._lock:
            return {"waiting": list(self.waiting), "handed_out": dict(self.handed_out),
                    "acknowledged": list(self.acknowledged), "replies": list(self.replies.values()),
                    "behaviour": vars(self.behaviour)}

    # -- the county's requests --------------------------------------------------------------------------

    def _refused(self, headers, body: bytes) -> tuple[int, dict] | None:
        try:
            signing.verify(self.bureau.secret, headers, body, seen=self.bureau._seen_before,
                           tolerance=self.bureau.tolerance)
        except signing.SignatureError as error:
            return 401, {"status": "ERROR", "message": f"{error.reason}: {error}"}
        return None

    def hand_out(self, headers) -> tuple[int, bytes, dict]:
        refused = self._refused(headers, b"")
        if refused:
            return refused[0], _json(refused[1]), {}
        with self._lock:
            items = []
            for message_id, text in self.waiting.items():
                self.handed_out[message_id] = self.handed_out.get(message_id, 0) + 1
                items.append({"headers": signing.sign(self.bureau.secret, text.encode("utf-8"), message_id=message_id),
                              "body": text})
        body = _json({"messages": items})
        return 200, body, signing.sign(self.bureau.secret, body)

    def acknowledge(self, headers, body: bytes) -> tuple[int, dict]:
        refused = self._refused(headers, body)
        if refused:
            return refused
        try:
            results = json.loads(body)["results"]
            ids = [item["message_id"] for item in results]
        except (ValueError, KeyError, TypeError):
            return 400, {"status": "ERROR", "message": "expected {\"results\": [{\"message_id\": …}]}"}
        with self._lock:
            self.acknowledged.extend(results)
            for message_id in ids:
                self.waiting.pop(message_id, None)
        return 200, {"status": "OK", "acknowledged": len(ids)}

    def take_reply(self, headers, body: bytes) -> tuple[int, dict]:
        key = headers.get(signing.IDEMPOTENCY_KEY)
        with self._lock:
            self.reply_requests.append({"key": key, "message_id": headers.get(signing.MESSAGE_ID),
                                        "at": datetime.now(UTC).isoformat(timespec="seconds")})
            if self.behaviour.fail > 0:
                self.behaviour.fail -= 1
                return self.behaviour.fail_status, {"status": "ERROR", "message": "The bureau is unavailable"}
        refused = self._refused(headers, body)
        if refused:
            return refused
        if not key:
            return 400, {"status": "ERROR", "message": "an Idempotency-Key is required"}
        try:
            reply = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return 400, {"status": "ERROR", "message": "the body is not JSON"}
        if not isinstance(reply, dict) or not REPLY_FIELDS <= set(reply):
            return 400, {"status": "ERROR", "message": f"a reply needs {', '.join(sorted(REPLY_FIELDS))}"}
        with self._lock:
            if self.behaviour.reject > 0:
                self.behaviour.reject -= 1
                return self.behaviour.reject_status, {"status": "ERROR", "message": "The reply was refused"}
            stored = self.replies.get(key)
            if stored is None:
                stored = self.replies[key] = {"key": key, "reference": uuid.uuid4().hex, "reply": reply,
                                              "received_at": datetime.now(UTC).isoformat(timespec="seconds")}
        return 200, {"status": "OK", "reference": stored["reference"]}

    def control(self, body: bytes) -> tuple[int, dict]:
        try:
            changes = json.loads(body or b"{}")
            if "queue" in changes:
                self.queue(changes.pop("queue"))
            if "push" in changes:
                push = changes.pop("push")
                status, answer = self.push(push["url"], push["message"])
                return 200, {"pushed": status, "answer": answer}
            self.configure(**changes)
        except (ValueError, TypeError, KeyError) as error:
            return 400, {"status": "ERROR", "message": str(error)}
        return 200, self.state()


def _json(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def serve(handler, inbox: Inbox, method: str, body: bytes | None) -> bool:
    """Answer ``handler``'s request when its path is one of the inbox's; False to let the bureau answer."""
    path = handler.path
    if method == "GET" and path == MESSAGES_PATH:
        status, data, headers = inbox.hand_out(handler.headers)
        _send(handler, status, data, headers)
    elif method == "POST" and path == ACK_PATH:
        _send(handler, *_as_bytes(inbox.acknowledge(handler.headers, body)))
    elif method == "POST" and path == REPLIES_PATH:
        _send(handler, *_as_bytes(inbox.take_reply(handler.headers, body)))
    elif path in (CONTROL_PATH, STATE_PATH) and method == ("POST" if path == CONTROL_PATH else "GET"):
        if not ipaddress.ip_address(handler.client_address[0]).is_loopback:
            _send(handler, 403, _json({"status": "ERROR", "message": "control is for loopback only"}), {})
        elif path == CONTROL_PATH:
            _send(handler, *_as_bytes(inbox.control(body)))
        else:
            _send(handler, 200, _json(inbox.state()), {})
    else:
        return False
    return True


def _as_bytes(answer: tuple[int, dict]) -> tuple[int, bytes, dict]:
    return answer[0], _json(answer[1]), {}


def _send(handler, status: int, data: bytes, headers: dict) -> None:
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
