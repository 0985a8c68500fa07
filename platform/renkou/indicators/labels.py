"""How indicator figures read on screen: status names and values with their unit."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from renkou.indicators import catalog

STATUS_LABELS = {
    "met": _l("Met"),
    "at_risk": _l("At risk"),
    "missed": _l("Missed"),
    "outside_range": _l("Outside the normal range"),
    "no_target": _l("No target"),
    "no_data": _l("No data"),
    "monitored": _l("Monitored"),
    "too_few": _l("Too few births to judge"),
}
RULE_LABELS = {
    "srb_implausible": _l("Sex ratio at birth outside the plausible range"),
    "births_surge": _l("Births far above the town's usual month"),
}


def indicator_name(code: str) -> str:
    return catalog.get(code).name(str(get_locale() or "zh"))


def with_unit(code: str, value: Decimal | None) -> str:
    """``98.13%``, ``5.20‰ a year`` (annualised rates), ``¥105.56``, ``107.50``; an en dash when there is
    nothing to measure."""
    if value is None:
        return "–"
    indicator = catalog.get(code)
    unit = indicator.unit
    if unit == catalog.PER_MILLE and indicator.annualised:
        return _("%(value)s‰ a year", value=f"{value:.2f}")
    if unit == catalog.PERCENT:
        return f"{value:.2f}%"
    if unit == catalog.PER_MILLE:
        return f"{value:.2f}‰"
    if unit == catalog.YUAN:
        return f"¥{value:,.2f}"
    return f"{value:.2f}"
