"""One signed HTTP request to the bureau, for the jobs that fetch its messages and deliver replies.

Submissions have their own POST in workers/exchange/delivery.py (private to its state machine); this one
also does GET and hands back the answer's headers and raw bytes, which a signed answer needs to be checked.
Network failures come back as ``error`` (status None), never as exceptions: the caller decides to retry.
"""

from __future__ import annotations

import dataclasses
import urllib.error
import urllib.request
from collections.abc import Mapping

from renkou.exchange import signing

USER_AGENT = "renkou-exchange/1"


@dataclasses.dataclass
class Answer:
    status: int | None
    body: bytes = b""
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict)
    error: str | None = None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def retryable(self) -> bool:
        """Nothing came back, or a 5xx: the same request may well work later. A 4xx will not."""
        return self.status is None or self.status >= 500


def signed_headers(secret: str, body: bytes, **extra: str) -> dict[str, str]:
    return {**signing.sign(secret, body), "Accept": "application/json", "User-Agent": USER_AGENT, **extra}


def call(method: str, url: str, body: bytes | None, headers: dict[str, str], timeout: int) -> Answer:
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (the configured URL)
            return Answer(response.status, response.read(), response.headers)
    except urllib.error.HTTPError as answer:
        return Answer(answer.code, answer.read(), answer.headers)
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as failure:
        reason = getattr(failure, "reason", failure)
        return Answer(None, error=f"{type(failure).__name__}: {reason}")
