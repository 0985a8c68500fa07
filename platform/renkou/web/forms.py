"""Browser forms validated by the same marshmallow schemas as the API (one set of rules for both)."""

from __future__ import annotations

from flask import request
from marshmallow import Schema, ValidationError
from werkzeug.datastructures import MultiDict

from renkou.errors import ServiceError
from renkou.schemas import FIELD_MESSAGES, messages_of


def load_form(schema: Schema, formdata: MultiDict, partial: bool = False) -> tuple[dict | None, dict]:
    """(data, {}) when valid, (None, errors) otherwise.

    Fields the schema does not know are ignored (the CSRF token, buttons). A blank field counts as
    absent: optional ones are left out, required ones are reported as required, not as malformed.
    """
    raw, blank_required = {}, []
    for name, field in schema.fields.items():
        if field.dump_only or name not in formdata:
            continue
        value = formdata.get(name)
        if value.strip() == "":
            if field.required:
                blank_required.append(name)
            continue
        raw[name] = value
    try:
        data, errors = schema.load(raw, partial=partial), {}
    except ValidationError as error:
        data, errors = None, messages_of(error)
    for name in blank_required:
        errors[name] = [str(FIELD_MESSAGES["required"])]
    return (None, errors) if errors else (data, {})


def load_args(schema: Schema, args: MultiDict) -> dict:
    """Query-string arguments of a list page; bad values fall back to the defaults."""
    raw = {name: args.get(name) for name in schema.fields if args.get(name) not in (None, "")}
    try:
        return schema.load(raw)
    except ValidationError as error:
        for name in error.normalized_messages():
            raw.pop(name, None)
        return schema.load(raw)


class FormResult:
    """The outcome of a submitted form: what was saved, or errors to show and the status to answer with."""

    def __init__(self, errors: dict | None = None, status: int = 200, saved=None):
        self.errors = errors or {}
        self.status = status
        self.saved = saved

    @classmethod
    def invalid(cls, errors: dict) -> FormResult:
        return cls(errors, 422)

    @classmethod
    def from_service_error(cls, error: ServiceError) -> FormResult:
        return cls(error.errors, error.status_code if error.status_code != 404 else 422)


def submit_form(schema: Schema, save, partial: bool = False, formdata: MultiDict | None = None) -> FormResult:
    """Load the posted form with ``schema`` and hand the data to ``save``; the saved record is
    ``result.saved``, or the errors are in ``result`` (422 for invalid input, 409 for a conflict).

    ``formdata`` replaces ``request.form`` when the view has reshaped it (ticked boxes joined, say)."""
    data, errors = load_form(schema, request.form if formdata is None else formdata, partial)
    if data is None:
        return FormResult.invalid(errors)
    try:
        return FormResult(saved=save(data))
    except ServiceError as error:
        return FormResult.from_service_error(error)


def requested_path() -> str:
    """The path and query of this request, to come back to after signing in."""
    query = request.query_string.decode("latin-1")
    return request.path + (f"?{query}" if query else "")
