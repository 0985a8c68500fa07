"""Errors as JSON under /api/ and as pages elsewhere: {"errors": {field: [messages]}}."""

from __future__ import annotations

import logging

from flask import jsonify, render_template, request
from marshmallow import ValidationError
from redis.exceptions import RedisError
from werkzeug.exceptions import HTTPException

from renkou.errors import ServiceError
from renkou.schemas import messages_of


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def _json_error(status: int, errors: dict):
    response = jsonify({"errors": errors})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="renkou"'
    return response


def handle_validation_error(error: ValidationError):
    if is_api_request():
        return _json_error(422, messages_of(error))
    return render_template("errors/generic.html", code=422, message=str(messages_of(error))), 422


def handle_service_error(error: ServiceError):
    if is_api_request():
        return _json_error(error.status_code, error.errors)
    message = "; ".join(m for messages in error.errors.values() for m in messages)
    template = "errors/404.html" if error.status_code == 404 else "errors/generic.html"
    return render_template(template, code=error.status_code, message=message), error.status_code


def handle_http_error(error: HTTPException):
    if error.response is not None:  # abort(response): a redirect to sign-in, for example
        return error.response
    if is_api_request():
        return _json_error(error.code or 500, {"_schema": [error.description or error.name]})
    template = f"errors/{error.code}.html" if error.code in (403, 404) else "errors/generic.html"
    return render_template(template, code=error.code, message=error.description), error.code


def handle_redis_error(error: RedisError):
    """Redis (the job queue) is down while a request needed it: a clean 503, and the request rolls back."""
    from renkou.jobs import queue_unavailable

    logging.getLogger(__name__).error("Redis unavailable during %s %s: %s", request.method, request.path, error)
    return handle_service_error(queue_unavailable())


def init_app(app) -> None:
    app.register_error_handler(ValidationError, handle_validation_error)
    app.register_error_handler(RedisError, handle_redis_error)
    app.register_error_handler(ServiceError, handle_service_error)
    app.register_error_handler(HTTPException, handle_http_error)
