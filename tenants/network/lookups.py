"""How spreadsheet imports of every area find the village and the households a row names.

Look-ups are kept in the run's cache (a dict that lives for one import), since many rows name the same
village or household. A name that matches nothing, or several villages, is an error on the row's column.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from renkou.errors import ServiceError
from tenants.network.models import Village
from tenants.network.services import villages_matching
from tenants.registry import services as registry
from tenants.registry.models import Household

# What a village cell may say of a record of the whole town (as the exports write it): no village.
TOWN_WIDE_WORDS = frozenset({"全镇", "全乡", "镇人口学校", "乡人口学校"})


def village_in_cell(value: str | None, field: str, cache: dict) -> Village | None:
    """The village a cell names by its 12-digit code or its exact name; None when the cell is blank or says
    the record is of the whole town."""
    if not value or value in TOWN_WIDE_WORDS:
        return None
    villages = cache.setdefault("villages", {})
    if value not in villages:
        villages[value] = villages_matching(value)
    found = villages[value]
    if not found:
        raise ServiceError.on(field, str(_l("No village with this code or name in this town.")))
    if len(found) > 1:
        raise ServiceError.on(field, str(_l("Several villages have this name: write the village's 12-digit code.")))
    return found[0]


def household_in_cell(number: str, field: str, cache: dict) -> Household:
    """The household with this number; a number not on the register is an error."""
    households = cache.setdefault("households", {})
    if number not in households:
        households[number] = registry.find_household(number)
    if households[number] is None:
        raise ServiceError.on(field, str(_l("No household with this number: %(number)s.", number=number)))
    return households[number]
