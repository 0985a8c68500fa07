"""Errors that services raise and views turn into form messages or JSON error bodies."""

from __future__ import annotations


class ServiceError(Exception):
    """A request that cannot be carried out, with messages per field.

    ``errors`` maps a field name (or ``"_schema"`` for the whole request) to a list of messages,
    the same shape marshmallow uses, so forms and the API render both the same way.
    """

    status_code = 422

    def __init__(self, errors: dict[str, list[str]] | str):
        if isinstance(errors, str):
            errors = {"_schema": [errors]}
        self.errors = {field: [str(message) for message in messages] for field, messages in errors.items()}
        super().__init__(self.errors)

    @classmethod
    def on(cls, field: str, message: str) -> ServiceError:
        return cls({field: [message]})


class ConflictError(ServiceError):
    """The request clashes with what is stored (a duplicate code, slug or username)."""

    status_code = 409


class NotFoundError(ServiceError):
    status_code = 404


class PermissionDenied(ServiceError):
    status_code = 403


class ServiceUnavailable(ServiceError):
    """A service the request needs (the job queue) is down; nothing was saved."""

    status_code = 503
