"""Marshmallow fields for spreadsheet cells as people fill them in: coded values written in Chinese, yes
or no, lists in one cell, and dates written the ways Chinese offices write them.

Every reader here takes what the cell says (trimmed text, see spreadsheets.read_rows) and gives the value
the area's services take, or a translated message that says how to write it.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import date

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate

from renkou.errors import ServiceError
from renkou.schemas import FIELD_MESSAGES

YES_WORDS = frozenset({"是", "有", "y", "yes", "true", "1", "√", "✓"})
NO_WORDS = frozenset({"否", "无", "n", "no", "false", "0", "×", "✗", "不是"})
# What separates the items of a list in one cell: 、 , ， ; ； and line breaks (and spaces).
LIST_SEPARATORS = re.compile(r"[、,，;；\s]+")
# 2025-03-01, 2025/3/1, 2025.3.1 and 2025年3月1日.
DAY = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
DAY_MESSAGE = _l("Write the date as 2020-01-31.")


class Choice(fields.String):
    """A coded value. The cell may hold the value's Chinese name or a synonym (``words``: text → code), the
    label the pages show (``labels``: code → lazy label, in the reader's language) or the code itself."""

    def __init__(self, words: Mapping[str, str], labels: Mapping[str, object] | None = None, **kwargs):
        kwargs.setdefault("error_messages", FIELD_MESSAGES)
        super().__init__(**kwargs)
        self.words = dict(words)
        self.labels = dict(labels or {})
        self.codes = list(dict.fromkeys([*self.words.values(), *self.labels]))

    def _deserialize(self, value, attr, data, **kwargs):
        return self.code_of(super()._deserialize(value, attr, data, **kwargs))

    def code_of(self, written: str) -> str:
        written = written.strip()
        if written in self.words:
            return self.words[written]
        if written in self.codes:
            return written
        for code, label in self.labels.items():
            if written == str(label):
                return code
        raise ValidationError(str(_l("Write one of: %(values)s.", values="、".join(self.suggestions()))))

    def suggestions(self) -> list[str]:
        """The first word given for each code (its official name), in the order of the codes."""
        first: dict[str, str] = {}
        for word, code in self.words.items():
            first.setdefault(code, word)
        return [first.get(code) or str(self.labels.get(code, code)) for code in self.codes]


class ChoiceList(fields.Field):
    """Several coded values in one cell (see Choice and TextList): "助产、人流" → ["delivery", "termination"]."""

    def __init__(self, words: Mapping[str, str], labels: Mapping[str, object] | None = None, **kwargs):
        kwargs.setdefault("error_messages", FIELD_MESSAGES)
        super().__init__(**kwargs)
        self.choice = Choice(words, labels)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        parts = [part for part in LIST_SEPARATORS.split(value) if part]
        return list(dict.fromkeys(self.choice.code_of(part) for part in parts))


class YesNo(fields.Boolean):
    """是 or 否 (also Y/N, yes/no, 1/0, √/×), and the words of the column itself (``yes``, ``no``: e.g.
    在营 and 停业 for whether a clinic is in operation)."""

    def __init__(self, yes: tuple[str, ...] = (), no: tuple[str, ...] = (), **kwargs):
        kwargs.setdefault("error_messages", FIELD_MESSAGES)
        super().__init__(**kwargs)
        self.yes, self.no = YES_WORDS | set(yes), NO_WORDS | set(no)
        self.message = _l("Write %(yes)s or %(no)s.", yes=yes[0] if yes else "是", no=no[0] if no else "否")

    def _deserialize(self, value, attr, data, **kwargs):
        written = str(value).strip().lower()
        if written in self.yes:
            return True
        if written in self.no:
            return False
        raise ValidationError(str(self.message))


class TextList(fields.Field):
    """Several values in one cell, separated by 、 or commas (or semicolons, spaces, line breaks); repeats
    are dropped, the order is kept."""

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", FIELD_MESSAGES)
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        return list(dict.fromkeys(part for part in LIST_SEPARATORS.split(value) if part))


class Day(fields.Date):
    """A date written 2025-03-01, 2025/3/1, 2025.3.1 or 2025年3月1日."""

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {**FIELD_MESSAGES, "invalid": DAY_MESSAGE})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        match = DAY.match(str(value).strip())
        if match is None:
            raise self.make_error("invalid")
        try:
            return date(*(int(part) for part in match.groups()))
        except ValueError as error:
            raise self.make_error("invalid") from error


class Count(fields.Integer):
    """A number of people, things or points, written as a whole number; a unit after it ("30人", "12 户",
    "10分") is ignored."""

    UNITS = "人名户次个份场期分"

    def __init__(self, maximum: int = 100_000, **kwargs):
        kwargs.setdefault("error_messages", {**FIELD_MESSAGES, "invalid": _l("Write a whole number.")})
        kwargs.setdefault("validate", validate.Range(0, maximum, error=_l("Must be between {min} and {max}.")))
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = value.strip().rstrip(self.UNITS).strip()
        return super()._deserialize(value, attr, data, **kwargs)


@contextlib.contextmanager
def columns_for(rename: Mapping[str, str] | Callable[[str], str]) -> Iterator[None]:
    """Refusals of a service about its own fields, said of the spreadsheet's columns instead (the service's
    ``village_id`` is the village column of the file), so the dry run points at the cell to fix.
    ``rename`` maps a field to its column (fields it does not name keep their name), or is a function."""
    column_of = rename if callable(rename) else (lambda field: rename.get(field, field))
    try:
        yield
    except ServiceError as refused:
        errors: dict[str, list[str]] = {}
        for field, messages in refused.errors.items():
            errors.setdefault(column_of(field), []).extend(messages)
        raise type(refused)(errors) from refused
