"""Resident ID numbers (居民身份证号码, GB 11643): validation, parsing and masking.

18 characters: 6-digit area + birth date YYYYMMDD + 3-digit sequence (odd for men, even for women) +
a check character. Old records may hold the 15-digit form (area + YYMMDD + sequence, no check
character, born 19YY); it is accepted and flagged as legacy.
"""

from __future__ import annotations

import dataclasses
import operator
import re
from datetime import date

from flask_babel import lazy_gettext as _l

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
_SHAPE = re.compile(r"^(\d{17}[\dX]|\d{15})$")


class InvalidResidentId(ValueError):
    """Why a string is not a resident ID number; the message is shown to the user."""


@dataclasses.dataclass(frozen=True)
class ResidentId:
    value: str
    area: str
    birth_date: date
    sex: str  # "M" or "F"
    legacy: bool


def check_character(first_17: str) -> str:
    if len(first_17) != len(WEIGHTS):
        raise ValueError("17 digits expected")
    total = sum(map(operator.mul, map(int, first_17), WEIGHTS))  # called per row of an import: kept lean
    return CHECK_CHARACTERS[total % 11]


def normalize(raw: str) -> str:
    return (raw or "").strip().replace(" ", "").upper()


def looks_like_resident_id(text: str) -> bool:
    """Whether a search term has the shape of a full ID (searches by ID need the whole number)."""
    return bool(_SHAPE.fullmatch(normalize(text)))


def parse(raw: str) -> ResidentId:
    value = normalize(raw)
    if not _SHAPE.fullmatch(value):
        raise InvalidResidentId(str(_l("An ID number has 18 characters (digits, the last may be X), "
                                       "or 15 digits for an old card.")))
    legacy = len(value) == 15
    birth_text = "19" + value[6:12] if legacy else value[6:14]
    try:
        birth = date(int(birth_text[:4]), int(birth_text[4:6]), int(birth_text[6:8]))
    except ValueError as exc:
        raise InvalidResidentId(str(_l("The birth date in the ID number does not exist."))) from exc
    if birth.year < 1890 or birth > date.today():
        raise InvalidResidentId(str(_l("The birth date in the ID number does not exist.")))
    if not legacy and check_character(value[:17]) != value[17]:
        raise InvalidResidentId(str(_l("The check character of the ID number is wrong: please check the number.")))
    sequence = int(value[12:15] if legacy else value[14:17])
    return ResidentId(value=value, area=value[:6], birth_date=birth, sex="M" if sequence % 2 else "F", legacy=legacy)


def mask(value: str | None) -> str:
    """110101********123X: the area and the last four stay, the birth date and the rest are hidden."""
    if not value:
        return ""
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_name(name: str | None) -> str:
    """张*: the surname stays where a full name is not needed."""
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1)
