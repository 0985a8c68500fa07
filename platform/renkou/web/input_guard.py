"""Input no handler should ever see: ids past 32 bits, NUL bytes, lone surrogates, JSON nested without end,
and ID numbers in a query string (a search by ID number is a POST, so no URL or access log carries one).

Each would otherwise reach the database or the JSON parser and end as a 500: PostgreSQL refuses NUL in
text and integers past its ``integer`` range, psycopg cannot encode a lone surrogate, and Python's JSON
parser runs out of stack on deep nesting. They are stopped here, once for every route: a record id past
the range matches no route (404), bad text or deep JSON is a 422 that names the field.
"""

from __future__ import annotations

import re

from flask import abort, current_app, request
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from werkzeug.routing import IntegerConverter

from renkou.redaction import has_id_like
from renkou.schemas import BAD_TEXT_MESSAGE, has_bad_text

# Record ids are PostgreSQL ``integer`` columns.
MAX_ID = 2**31 - 1
# Deeper than any document the API takes (a register entry with its items nests three or four levels).
MAX_JSON_DEPTH = 32

_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")  # as renkou.schemas.has_bad_text, for naming a field
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]")


def _up_to(limit: str) -> str:
    """A regular expression of the decimal numbers 0..``limit`` (no leading zeros past its length)."""
    choices = [rf"[0-9]{{1,{len(limit) - 1}}}"]
    for position, digit in enumerate(limit):
        if digit != "0":
            rest = len(limit) - position - 1
            choices.append(limit[:position] + f"[0-{int(digit) - 1}]" + (rf"[0-9]{{{rest}}}" if rest else ""))
    choices.append(limit)
    return "(?:" + "|".join(choices) + ")"


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: a number past a record id's range is no record (404).

    The range is in the pattern itself, not only in ``max``: werkzeug answers 405 instead of 404 when a
    number matches the pattern, fails the range check, and another method's route has the same path.
    """

    regex = _up_to(str(MAX_ID))

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def bad_text_message() -> str:
    return str(BAD_TEXT_MESSAGE)


def checks_its_own_body(view):
    """Mark a view that refuses a request on its headers before reading the body (the bureau's signed
    messages): the guard must not read a body the view would refuse unread. The view's schema still
    refuses text no field can hold."""
    view.checks_its_own_body = True
    return view


def check_request() -> None:
    """before_request: refuse a path, query, form or JSON body carrying input no field can hold."""
    if has_bad_text(request.path):
        abort(404)
    errors: dict[str, list[str]] = {}
    for source in (request.args, request.form):
        for key, value in source.items(multi=True):
            if has_bad_text(key) or has_bad_text(value):
                errors[_field_name(key)] = [bad_text_message()]
    if request.method == "GET":
        for key, value in request.args.items(multi=True):
            if has_id_like(value):
                errors[key] = [str(_l("Search ID numbers with the search form (a POST), never in a link: links "
                                      "end up in browser histories and server logs."))]
    view = current_app.view_functions.get(request.endpoint)
    if request.is_json and request.content_length != 0 and not getattr(view, "checks_its_own_body", False):
        _check_json(errors)
    if errors:
        raise ValidationError(errors)


def _check_json(errors: dict) -> None:
    body = request.get_data(cache=True)
    if json_depth(body) > MAX_JSON_DEPTH:
        errors["_schema"] = [str(_l("The JSON document is nested too deeply."))]
        return
    document = request.get_json(silent=True)
    if isinstance(document, dict):
        for key, value in document.items():
            if has_bad_text(key) or _holds_bad_text(value):
                errors[_field_name(key)] = [bad_text_message()]
    elif _holds_bad_text(document):
        errors["_schema"] = [bad_text_message()]


def json_depth(body: bytes) -> int:
    """How deeply ``body`` nests arrays and objects, counted without parsing it (strings left out)."""
    brackets = _NOT_BRACKET.sub(b"", _JSON_STRING.sub(b"", body))
    depth = deepest = 0
    for byte in brackets:
        depth += 1 if byte in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _holds_bad_text(value) -> bool:
    if isinstance(value, str):
        return has_bad_text(value)
    if isinstance(value, dict):
        return any(has_bad_text(key) or _holds_bad_text(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_bad_text(item) for item in value)
    return False


def _field_name(key: str) -> str:
    return _BAD_TEXT.sub("\ufffd", key)


def init_app(app) -> None:
    # Before any blueprint's url_value_preprocessor: the town's is the first to query (by slug).
    app.url_value_preprocessor(lambda endpoint, values: check_request())
