"""The contraceptive methods offered in counselling: dated CONFIGURATION, not code.

A method list is in force from its date: a visit is recorded against the list in force on the visit's
date, so adding or withdrawing a method next year is one new entry here, and older visits keep the
methods they were recorded with. ``METHODS`` describes every method that ever appeared in a list.

A method is the couple's: a woman's record may hold her partner's vasectomy, and a man's his partner's
IUD. Nothing here is a target or a quota; the method is the family's informed choice.
"""

from __future__ import annotations

import dataclasses
from datetime import date


@dataclasses.dataclass(frozen=True)
class Method:
    code: str
    name_zh: str  # the name on the statistical forms
    # An ongoing method counts as "using a method" for the contraceptive prevalence (综合避孕率);
    # emergency contraception is discussed and may be chosen, but is not ongoing use.
    ongoing: bool = True


METHODS: dict[str, Method] = {method.code: method for method in (
    Method("iud", "宫内节育器"),
    Method("implant", "皮下埋植"),
    Method("injection", "避孕针"),
    Method("pill", "口服避孕药"),
    Method("condom", "避孕套"),
    Method("female_sterilisation", "输卵管结扎"),
    Method("male_sterilisation", "输精管结扎"),
    Method("emergency", "紧急避孕", ongoing=False),
    Method("natural", "自然避孕法"),
    Method("other", "其他"),
)}

# (in force from, the method codes offered): the latest entry dated on or before a visit applies.
METHOD_LISTS: list[tuple[date, tuple[str, ...]]] = [
    (date(2000, 1, 1), ("iud", "implant", "injection", "pill", "condom", "female_sterilisation",
                        "male_sterilisation", "emergency", "natural", "other")),
]


def methods_on(day: date) -> tuple[str, ...]:
    """The method codes offered on ``day`` (the earliest list for days before every list)."""
    chosen = METHOD_LISTS[0][1]
    for since, codes in sorted(METHOD_LISTS, key=lambda entry: entry[0]):
        if since <= day:
            chosen = codes
    return chosen


def is_ongoing(code: str | None) -> bool:
    return code is not None and code in METHODS and METHODS[code].ongoing


ALL_CODES: tuple[str, ...] = tuple(METHODS)
