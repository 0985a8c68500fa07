"""Keeping resident ID numbers and phone numbers out of logs and audit details.

``redact`` masks anything that looks like one: a run of 14 or more digits (an 18-character or 15-digit
resident ID, or the first digits of one, which give the area and the birth date), and mainland mobile
and landline numbers. The audit trail runs every detail through it; ``install_log_redaction`` makes
every log record of the process go through it, whichever logger (the app's, gunicorn's, RQ's,
werkzeug's) and whichever handler it ends in.
"""

from __future__ import annotations

import logging
import re
import traceback

_ID_LIKE = re.compile(r"(?<![0-9])(\d{6})\d{8,11}([0-9Xx]?)(?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9]\d{5}(\d{4})(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])0\d{2,3}-\d{3,4}(\d{4})(?![0-9])")


def has_id_like(text: str) -> bool:
    """Whether ``text`` holds what may be a resident ID number or the first 14+ digits of one."""
    return bool(_ID_LIKE.search(text))


def redact(text: str) -> str:
    """``text`` with ID-like digit runs shown as ``110101********`` and phones as ``*******1234``."""
    if not any(character.isdigit() for character in text):
        return text
    text = _ID_LIKE.sub(lambda match: match.group(1) + "*" * (len(match.group(0)) - 6), text)
    text = _MOBILE.sub(lambda match: "*******" + match.group(1), text)
    return _LANDLINE.sub(lambda match: "*******" + match.group(1), text)


def redact_value(value):
    """``value`` (text, or dicts and lists of them, as an audit detail) with every string redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact(str(key)) if isinstance(key, str) else key: redact_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(item) for item in value]
    return value


class RedactingFilter(logging.Filter):
    """Rewrites a record's message (arguments merged) and its traceback with ``redact``."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def redact_record(record: logging.LogRecord) -> None:
    if getattr(record, "_renkou_redacted", False):
        return
    try:
        message = record.getMessage()
    except Exception:  # malformed arguments: logging reports them itself when it formats the record
        return
    record.msg, record.args = redact(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    record._renkou_redacted = True


_installed = False


def install_log_redaction() -> None:
    """Redact every log record this process creates, once, at its creation (before any handler sees it).

    A record factory rather than a filter on some handlers: gunicorn, RQ and werkzeug add their handlers
    at different times, and a handler added later would escape a filter put on the ones that exist now.
    The same ``RedactingFilter`` also guards the loggers that write access lines.
    """
    global _installed
    if _installed:
        return
    _installed = True
    make_record = logging.getLogRecordFactory()

    def redacting_factory(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        redact_record(record)
        return record

    logging.setLogRecordFactory(redacting_factory)
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error", "rq.worker", "renkou"):
        logging.getLogger(name).addFilter(RedactingFilter())
