"""Which values a target may take, by the indicator's unit.

These bounds are plausibility limits, not policy: a percentage cannot pass 100, a sex ratio at birth
outside 80–130 is a typing error (the same band the indicator checks flag as implausible), money is
never negative. They do not change by year, so they are plain constants.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from renkou.indicators.catalog import PER_MILLE, PERCENT, RATIO, YUAN, Indicator

BOUNDS: dict[str, tuple[Decimal, Decimal]] = {
    PERCENT: (Decimal(0), Decimal(100)),
    RATIO: (Decimal(80), Decimal(130)),
    YUAN: (Decimal(0), Decimal("99999999.99")),
    PER_MILLE: (Decimal(-1000), Decimal(1000)),
}
DECIMALS = Decimal("0.01")


def parse_value(text) -> Decimal | None:
    """A typed or pasted number ("95", "95.5", "95%", " 1,200 ") as a Decimal; None when blank.

    Raises ValueError with a message when the text is not a number.
    """
    if text is None:
        return None
    if isinstance(text, Decimal):
        return text
    if isinstance(text, int | float):
        return Decimal(str(text))
    cleaned = str(text).strip().replace(",", "").replace("，", "").removesuffix("%").removesuffix("％").strip()
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(str(_l("Not a number."))) from None
    if not value.is_finite():
        raise ValueError(str(_l("Not a number.")))
    return value


def value_errors(indicator: Indicator, value: Decimal) -> list[str]:
    """What is wrong with ``value`` as a target of ``indicator`` (empty when nothing is)."""
    low, high = BOUNDS[indicator.unit]
    if not low <= value <= high:
        return [str(_l("Must be between %(low)s and %(high)s (%(unit)s).", low=low, high=high,
                       unit=unit_label(indicator.unit)))]
    if value != value.quantize(DECIMALS):
        return [str(_l("At most two decimals."))]
    return []


def unit_label(unit: str) -> str:
    return {PERCENT: "%", PER_MILLE: "‰", RATIO: str(_l("boys per 100 girls")), YUAN: str(_l("yuan"))}[unit]
