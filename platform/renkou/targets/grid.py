"""The targets grid of one period: a county row and a row per active town, a column per targetable
indicator measured by periods of that kind. Shared by the page and the spreadsheet template."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from renkou.indicators.catalog import Indicator
from renkou.indicators.periods import Period
from renkou.targets import rules, services
from renkou.targets.models import COUNTY_SCOPE, Target
from renkou.tenancy.models import Town


@dataclasses.dataclass
class GridRow:
    scope: str  # "county" or the town's code
    town: Town | None

    @property
    def label(self) -> str:
        return str(_l("Whole county")) if self.town is None else self.town.name


@dataclasses.dataclass
class Grid:
    period: Period
    indicators: list[Indicator]
    rows: list[GridRow]
    targets: dict[tuple[str, str], Target]  # (scope, indicator) → target

    def value(self, scope: str, indicator: str) -> Decimal | None:
        target = self.targets.get((scope, indicator))
        return target.value if target is not None else None

    def text(self, scope: str, indicator: str) -> str:
        """The stored value as typed: 95 rather than 95.0000."""
        return number_text(self.value(scope, indicator))


def number_text(value: Decimal | None) -> str:
    if value is None:
        return ""
    return format(value.normalize(), "f")


def load(period: Period) -> Grid:
    rows = [GridRow(COUNTY_SCOPE, None)] + [GridRow(town.code, town) for town in services.active_towns()]
    return Grid(period, services.targetable_indicators(period.kind), rows, services.of_period(period.id))


def field_name(scope: str, indicator: str) -> str:
    return f"t-{scope}-{indicator}"


def inputs_from_form(grid: Grid, form) -> tuple[list[services.TargetInput], dict[tuple[str, str], list[str]]]:
    """The grid's posted cells as inputs keyed by (scope, indicator), and the cells that are not numbers.

    A blank cell means no target (one that was set is removed); a cell missing from the form is left
    alone. Notes are left as they are.
    """
    inputs, errors = [], {}
    for row in grid.rows:
        for indicator in grid.indicators:
            name = field_name(row.scope, indicator.code)
            if name not in form:
                continue
            key = (row.scope, indicator.code)
            try:
                value = rules.parse_value(form.get(name))
            except ValueError as error:
                errors[key] = [str(error)]
                continue
            inputs.append(services.TargetInput(indicator.code, grid.period.id, town_id=None, value=value,
                                               town_code=None if row.town is None else row.town.code, key=key))
    return inputs, errors
