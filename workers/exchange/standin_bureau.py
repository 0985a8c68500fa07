"""A stand-in for the higher bureau: a real HTTP server on loopback for the tests and the demo.

It is strict where the real bureau is: every submission must be signed (renkou.exchange.signing: the
timestamp within the window, the HMAC over timestamp, message id and body, a message id never seen
before) and carry an Idempotency-Key; the body must be a DHIS2 data value set (application/json) or an
ADX message (application/adx+xml) of a known data set. It answers with a DHIS2-like import summary and
stores each idempotency key's submission exactly once: a resend under the same key gets the stored
answer back and changes nothing.

It can be told to fail (503), stall (hold the answer back, optionally after storing) or reject (409 with
conflicts, or 400) — through the object (tests) or ``POST /control`` (the demo, loopback only):

    {"fail": 3}                                   the next 3 submissions get 503
    {"stall_seconds": 30, "stall_after_store": true}   hold every answer 30 s (after storing it)
    {"reject": 1, "reject_status": 409, "conflicts": [{"object": "RK_X", "value": "…"}]}
    {"release": true}    let stalled answers go now;   {"reset": true}   back to normal

``GET /control`` shows the settings and counts, ``GET /submissions`` what was stored. Its messages to the
county (fetched at ``GET /api/messages``) and the county's replies (``POST /api/replies``) are served by
workers/exchange/standin_inbox.py on the same port.
Run alone: ``python -m workers.exchange.standin_bureau --port 8089 --secret S``.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from renkou.exchange import signing
from workers.exchange import standin_import, standin_inbox
from workers.exchange.standin_import import ShapeError

DATA_PATH = "/api/dataValueSets"
MAX_BODY = 5 * 1024 * 1024


@dataclass
class Behaviour:
    """What the stand-in is told to do; guarded by the bureau's lock."""

    fail: int = 0
    fail_status: int = 503
    stall_seconds: float = 0
    stall_after_store: bool = False
    reject: int = 0
    reject_status: int = 409
    conflicts: list = field(default_factory=lambda: [
        {"object": "period", "value": "The period is closed for data entry"}])

    def public(self) -> dict:
        return dict(vars(self))


@dataclass
class Stored:
    key: str
    received_at: str
    content_type: str
    canonical: tuple
    answer: dict
    sets: list


class StandinBureau:
    """The server and its memory. ``start()`` serves in a thread; ``url`` is where submissions go."""

    def __init__(self, secret: str, host: str = "127.0.0.1", port: int = 0, org_unit: str | None = None,
                 stat_year_start_month: int = 10, tolerance: int = signing.TOLERANCE_SECONDS):
        self.secret, self.org_unit, self.tolerance = secret, org_unit, tolerance
        self.stat_year_start_month = stat_year_start_month
        self.behaviour = Behaviour()
        self.stored: dict[str, Stored] = {}
        self.store_count: dict[str, int] = {}
        self.values: dict[tuple, Decimal] = {}
        self.received: list[dict] = []
        self.stalling = 0  # answers held back right now: a test kills the county's worker while it waits
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()
        self._release = threading.Event()
        self.inbox = standin_inbox.Inbox(self)  # messages to the county and its replies (standin_inbox.py)
        self.server = ThreadingHTTPServer((host, port), _handler(self))
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        return self.base_url + DATA_PATH

    def start(self) -> StandinBureau:
        self._thread = threading.Thread(target=self.server.serve_forever, name="standin-bureau", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    # -- telling it what to do ---------------------------------------------------------------------------

    def configure(self, **changes) -> None:
        with self._lock:
            if changes.pop("reset", False):
                self.behaviour = Behaviour()
                self._release.set()
            if changes.pop("release", False):
                self.behaviour.stall_seconds = 0
                self._release.set()
            for name, value in changes.items():
                if not hasattr(self.behaviour, name):
                    raise ValueError(f"unknown setting {name}")
                setattr(self.behaviour, name, value)
            if self.behaviour.stall_seconds:
                self._release.clear()

    def release(self) -> None:
        """Let stalled answers go now, and stall no more."""
        self.configure(release=True)

    # -- what it stored ------------------------------------------------------------------------------------

    def accepted(self, key: str | None = None) -> list[Stored]:
        with self._lock:
            return [item for k, item in self.stored.items() if key is None or k == key]

    def times_stored(self, key: str) -> int:
        with self._lock:
            return self.store_count.get(key, 0)

    def requests_for(self, key: str) -> list[dict]:
        with self._lock:
            return [entry for entry in self.received if entry["key"] == key]

    # -- the checks ----------------------------------------------------------------------------------------

    def _seen_before(self, message_id: str) -> bool:
        """Record the message id; True if it was recorded already (ids older than the window are dropped,
        since their timestamps are refused anyway)."""
        now = time.time()
        with self._lock:
            for old, at in list(self._seen.items()):
                if now - at > 2 * self.tolerance:
                    del self._seen[old]
            if message_id in self._seen:
                return True
            self._seen[message_id] = now
            return False

    def handle_submission(self, headers, body: bytes) -> tuple[int, dict]:
        """(status, JSON answer) for one POST of a submission; the stall is applied by the caller."""
        with self._lock:
            if self.behaviour.fail > 0:
                self.behaviour.fail -= 1
                return self.behaviour.fail_status, _error(self.behaviour.fail_status, "The bureau is unavailable")
        try:
            signing.verify(self.secret, headers, body, seen=self._seen_before, tolerance=self.tolerance)
        except signing.SignatureError as error:
            return 401, _error(401, f"{error.reason}: {error}")
        key = headers.get(signing.IDEMPOTENCY_KEY)
        if not key:
            return 400, _error(400, "Idempotency-Key is required")
        content_type = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        try:
            if content_type == "application/json":
                sets = standin_import.read_json(body)
            elif content_type == "application/adx+xml":
                sets = standin_import.read_adx(body, self.stat_year_start_month)
            else:
                return 415, _error(415, "send application/json or application/adx+xml")
        except ShapeError as error:
            return 400, _error(400, str(error))
        with self._lock:
            if self.behaviour.reject > 0:
                self.behaviour.reject -= 1
                status = self.behaviour.reject_status
                return status, _summary_answer(status, "ERROR", 0, 0, 0, list(self.behaviour.conflicts), None)
            return self._import(key, content_type, sets)

    def _import(self, key: str, content_type: str, sets: list) -> tuple[int, dict]:
        canonical = tuple(value_set.canonical() for value_set in sets)
        stored = self.stored.get(key)
        if stored is not None:
            if stored.canonical != canonical:
                return 422, _error(422, "this Idempotency-Key was used for a different submission")
            return 200, stored.answer
        result = standin_import.import_sets(sets, self.values, self.org_unit)
        if result.status == "ERROR":
            return 409, _summary_answer(409, "ERROR", 0, 0, result.ignored, result.conflicts, None)
        reference = uuid.uuid4().hex
        answer = _summary_answer(200, result.status, result.imported, result.updated, result.ignored,
                                 result.conflicts, reference)
        self.values.update(result.accepted)
        self.stored[key] = Stored(key, datetime.now(UTC).isoformat(timespec="seconds"), content_type, canonical,
                                  answer, [vars(value_set) for value_set in sets])
        self.store_count[key] = self.store_count.get(key, 0) + 1
        return 200, answer

    def stall(self, stored: bool) -> None:
        """Hold the answer back if told to (before or after storing), until released or the time is up."""
        with self._lock:
            seconds, after_store = self.behaviour.stall_seconds, self.behaviour.stall_after_store
        if seconds and after_store == stored:
            with self._lock:
                self.stalling += 1
            try:
                self._release.wait(timeout=seconds)
            finally:
                with self._lock:
                    self.stalling -= 1

    def log(self, key: str | None, status: int, message_id: str | None) -> None:
        with self._lock:
            self.received.append({"key": key, "status": status, "message_id": message_id,
                                  "at": datetime.now(UTC).isoformat(timespec="seconds")})

    def overview(self) -> dict:
        with self._lock:
            return {"behaviour": self.behaviour.public(), "stored": len(self.stored), "received": len(self.received),
                    "submissions": [{"key": item.key, "received_at": item.received_at,
                                     "content_type": item.content_type,
                                     "sets": [{"dataSet": s["data_set"], "period": s["period"],
                                               "orgUnit": s["org_unit"], "values": len(s["values"])}
                                              for s in item.sets],
                                     "import_summary": item.answer["response"]} for item in self.stored.values()]}


def _error(status: int, message: str) -> dict:
    return {"httpStatus": _REASONS.get(status, "Error"), "httpStatusCode": status, "status": "ERROR",
            "message": message}


_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 409: "Conflict",
            415: "Unsupported Media Type", 422: "Unprocessable Entity", 500: "Internal Server Error",
            502: "Bad Gateway", 503: "Service Unavailable"}


def _summary_answer(status: int, import_status: str, imported: int, updated: int, ignored: int,
                    conflicts: list, reference: str | None) -> dict:
    return {
        "httpStatus": _REASONS.get(status, "Error"), "httpStatusCode": status,
        "status": "OK" if import_status != "ERROR" else "ERROR",
        "message": "Import was successful." if import_status != "ERROR" else "The import was rejected.",
        "response": {"responseType": "ImportSummary", "status": import_status,
                     "description": "Import process completed" if import_status != "ERROR" else "Import rejected",
                     "importCount": {"imported": imported, "updated": updated, "ignored": ignored, "deleted": 0},
                     "conflicts": conflicts, "reference": reference},
    }


def _handler(bureau: StandinBureau):
    class Handler(BaseHTTPRequestHandler):
        server_version = "StandinBureau/1"
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args) -> None:  # quiet: the tests and the demo read the bureau's memory
            pass

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender gave up (a stopped worker, a timeout): what it sent is stored all the same

        def _body(self) -> bytes | None:
            length = self.headers.get("Content-Length")
            if length is None or not length.isdigit() or int(length) > MAX_BODY:
                status = 411 if length is None else 413
                self._answer(status, _error(status, "a Content-Length up to 5 MiB is required"))
                return None
            return self.rfile.read(int(length))

        def _loopback(self) -> bool:
            if ipaddress.ip_address(self.client_address[0]).is_loopback:
                return True
            self._answer(403, _error(403, "control is for loopback only"))
            return False

        def do_GET(self) -> None:  # noqa: N802
            if standin_inbox.serve(self, bureau.inbox, "GET", None):
                return
            if self.path == "/health":
                self._answer(200, {"status": "ok"})
            elif self.path in ("/control", "/submissions"):
                if self._loopback():
                    self._answer(200, bureau.overview())
            else:
                self._answer(404, _error(404, "not found"))

        def do_POST(self) -> None:  # noqa: N802
            body = self._body()
            if body is None:
                return
            if standin_inbox.serve(self, bureau.inbox, "POST", body):
                return
            if self.path == "/control":
                if self._loopback():
                    self._control(body)
                return
            if self.path != DATA_PATH:
                self._answer(404, _error(404, "not found"))
                return
            bureau.stall(stored=False)
            status, answer = bureau.handle_submission(self.headers, body)
            bureau.log(self.headers.get(signing.IDEMPOTENCY_KEY), status, self.headers.get(signing.MESSAGE_ID))
            bureau.stall(stored=True)
            self._answer(status, answer)

        def _control(self, body: bytes) -> None:
            try:
                changes = json.loads(body or b"{}")
                bureau.configure(**changes)
            except (ValueError, TypeError) as error:
                self._answer(400, _error(400, str(error)))
                return
            self._answer(200, bureau.overview())

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The stand-in higher bureau, on loopback.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--secret", required=True, help="the secret both sides sign with (RENKOU_BUREAU_SECRET)")
    parser.add_argument("--org-unit", default=None, help="refuse other org units (RENKOU_BUREAU_ORG_UNIT)")
    args = parser.parse_args(argv)
    bureau = StandinBureau(args.secret, args.host, args.port, args.org_unit)
    print(f"stand-in bureau: submissions to {bureau.url}, control at {bureau.base_url}/control", flush=True)
    try:
        bureau.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        bureau.server.server_close()


if __name__ == "__main__":
    main()
