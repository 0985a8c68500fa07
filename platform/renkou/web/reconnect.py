"""A restarted database costs no failed request.

Connections are checked before use (``pool_pre_ping``, renkou.db), which covers connections that died
while idle in the pool. A connection that dies during a request (the database restarted under it) is
handled here: a GET or HEAD runs once more on a fresh connection, since it changes nothing; any other
request answers a clean 503 — its transaction died with the connection, so nothing was saved.
"""

from __future__ import annotations

import logging

from flask import request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DBAPIError

from renkou.errors import ServiceUnavailable

log = logging.getLogger(__name__)

_RETRY = "renkou.retry_on_disconnect"
_SAFE_METHODS = ("GET", "HEAD")


class RetryOnDisconnect:
    """WSGI middleware: re-run a safe request once when the app flagged a dropped database connection."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") not in _SAFE_METHODS:
            return self.wsgi_app(environ, start_response)
        held = []
        body = self.wsgi_app(environ, lambda *args: held.append(args))
        if environ.pop(_RETRY, False):
            if hasattr(body, "close"):
                body.close()
            environ["renkou.retried"] = True
            return self.wsgi_app(environ, start_response)
        start_response(*held[0])
        return body


def handle_dbapi_error(error: DBAPIError):
    """A dropped connection: flag a safe request for one more run, else answer 503. Other errors stay 500s."""
    if not error.connection_invalidated:
        raise error
    if request.method in _SAFE_METHODS and not request.environ.get("renkou.retried"):
        log.warning("database connection lost during %s %s; running it again", request.method, request.path)
        request.environ[_RETRY] = True
    else:
        log.error("database connection lost during %s %s: %s", request.method, request.path, error)
    from renkou.api.errors import handle_service_error

    return handle_service_error(ServiceUnavailable(str(_l(
        "The connection to the database was lost, so nothing was saved. Please try again."))))


def init_app(app) -> None:
    app.register_error_handler(DBAPIError, handle_dbapi_error)
    app.wsgi_app = RetryOnDisconnect(app.wsgi_app)
