"""Statistical area codes (统计用区划代码): province 2 + city 2 + county 2 + township 3 + village 3."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

TOWN_KINDS = (
    (range(1, 100), lazy_pgettext("town kind", "Subdistrict")),  # 街道 001–099
    (range(100, 200), lazy_pgettext("town kind", "Town")),  # 镇 100–199
    (range(200, 300), lazy_pgettext("town kind", "Township")),  # 乡 200–299
)


def town_code_errors(code: str, county_code: str) -> list[str]:
    """Why ``code`` is not a valid 9-digit township code within ``county_code`` (empty if valid)."""
    if not re.fullmatch(r"\d{9}", code or ""):
        return [str(_l("The township code must be exactly 9 digits."))]
    if not code.startswith(county_code):
        return [str(_l("The township code must start with the county code %(county)s.", county=county_code))]
    if town_kind(code) is None:
        return [str(_l("Township part %(part)s is not valid: use 001–099 for a subdistrict, 100–199 for a town, "
                       "200–299 for a township.", part=code[6:]))]
    return []


def town_kind(code: str):
    part = int(code[6:9])
    for numbers, label in TOWN_KINDS:
        if part in numbers:
            return label
    return None


def village_code_errors(code: str, town_code: str) -> list[str]:
    """Why ``code`` is not a valid 12-digit village code within ``town_code`` (empty if valid)."""
    if not re.fullmatch(r"\d{12}", code or ""):
        return [str(_l("The village code must be exactly 12 digits."))]
    if not code.startswith(town_code):
        return [str(_l("The village code must start with the town code %(town)s.", town=town_code))]
    if code[9:] == "000":
        return [str(_l("The village part of the code cannot be 000."))]
    return []
