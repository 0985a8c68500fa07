"""How many households outreach materials reached (宣传品入户率), by village and for the town."""

from __future__ import annotations

import dataclasses
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, func, select

from renkou.errors import ServiceError
from renkou.extensions import db
from tenants.network.services import all_villages
from tenants.outreach.models import MaterialDelivery, delivery_households
from tenants.registry import services as registry
from tenants.registry.models import Household


def material_coverage(start: date, end: date, village_id: int | None = None) -> tuple[int, int]:
    """The material_coverage indicator (宣传品入户率) as (numerator, denominator):

        coverage = households reached by any material delivered from ``start`` to ``end`` (inclusive)
                   / households on the register

    A household reached several times, by one material or many, counts once. Both counts take the
    households on the register now, in ``village_id`` when given (the village a household belongs to
    now). The county adds the numerators and denominators of the towns, never their rates; with no
    households the result is (0, 0) and the rate is undefined, not zero.
    """
    _check_period(start, end)
    reached = _reached_statement(start, end, func.count(distinct(delivery_households.c.household_id)))
    households = select(func.count(Household.id))
    if village_id:
        reached = reached.where(Household.village_id == village_id)
        households = households.where(Household.village_id == village_id)
    return db.session.scalar(reached) or 0, db.session.scalar(households) or 0


@dataclasses.dataclass
class CoverageRow:
    village_id: int | None
    village_name: str
    reached: int
    households: int

    @property
    def rate(self) -> float | None:
        """Per cent, or None when there are no households to reach."""
        return 100 * self.reached / self.households if self.households else None


def coverage_by_village(start: date, end: date) -> tuple[list[CoverageRow], CoverageRow]:
    """(a row per village, in code order, and the town's row): households reached and households."""
    _check_period(start, end)
    reached_rows = db.session.execute(
        _reached_statement(start, end, Household.village_id, func.count(distinct(delivery_households.c.household_id)))
        .group_by(Household.village_id))
    reached = {village_id: count for village_id, count in reached_rows}
    households = registry.household_counts_by_village()
    rows = [CoverageRow(village.id, village.name, reached.get(village.id, 0), households.get(village.id, 0))
            for village in all_villages()]
    town = CoverageRow(None, "", *material_coverage(start, end))
    return rows, town


def _reached_statement(start: date, end: date, *columns):
    return (select(*columns)
            .select_from(delivery_households)
            .join(MaterialDelivery, MaterialDelivery.id == delivery_households.c.delivery_id)
            .join(Household, Household.id == delivery_households.c.household_id)
            .where(MaterialDelivery.delivery_date.between(start, end)))


def _check_period(start: date, end: date) -> None:
    if start > end:
        raise ServiceError.on("date_from", str(_l("The start is after the end.")))
