"""The association in numbers, per village and for the town: members, groups, homes and the liaison
coverage (households with a liaison / households)."""

from __future__ import annotations

import dataclasses
from datetime import date

from sqlalchemy import distinct, func, select

from renkou.extensions import db
from tenants.association.models import Liaison
from tenants.association.services import groups, homes, members
from tenants.association.services.common import Ratio, today
from tenants.association.services.liaisons import current_on
from tenants.network.services import all_villages
from tenants.registry.models import Household


def _covered(day: date, *columns):
    return (select(*columns).select_from(Liaison).join(Household, Household.id == Liaison.household_id)
            .where(current_on(day)))


def liaison_coverage(as_of: date | None = None, village_id: int | None = None) -> Ratio:
    """The liaison coverage of the town or of one village on ``as_of`` (default today):

        numerator   = households (of the village) with at least one liaison lasting on that day
        denominator = households (of the village) on the register
        rate        = numerator / denominator × 100 %

    A household kept in touch with by two members counts once. Households count in the village they
    belong to now. Without households the rate is undefined (None), not zero.
    """
    day = as_of or today()
    covered = _covered(day, func.count(distinct(Liaison.household_id)))
    households = select(func.count(Household.id))
    if village_id:
        covered = covered.where(Household.village_id == village_id)
        households = households.where(Household.village_id == village_id)
    return Ratio(db.session.scalar(covered) or 0, db.session.scalar(households) or 0)


@dataclasses.dataclass(frozen=True)
class VillageRow:
    """One village's association (``village_id`` None: the town's own homes and members without a village)."""

    village_id: int | None
    village_code: str
    village_name: str
    members: int
    groups: int
    homes: int
    numerator: int
    denominator: int

    @property
    def percent(self) -> float | None:
        return Ratio(self.numerator, self.denominator).percent


@dataclasses.dataclass(frozen=True)
class Summary:
    as_of: date
    villages: list[VillageRow]
    town_level: VillageRow  # homes and members of the town itself (no households: no coverage)
    town: VillageRow  # the whole town: every village and the town's own
    roles: dict[str, int]


def summary(as_of: date | None = None) -> Summary:
    """Every village (those without any association record too), the town's own, and the whole town.
    Members are those who have not left; homes those open; coverage is on ``as_of`` (default today)."""
    day = as_of or today()
    member_counts = members.member_counts_by_village()
    group_counts = groups.group_counts_by_village()
    home_counts = homes.home_counts_by_village()
    households = dict(db.session.execute(select(Household.village_id, func.count(Household.id))
                                         .group_by(Household.village_id)).all())
    covered = dict(db.session.execute(_covered(day, Household.village_id, func.count(distinct(Liaison.household_id)))
                                      .group_by(Household.village_id)).all())
    rows = [VillageRow(village.id, village.code, village.name, member_counts.get(village.id, 0),
                       group_counts.get(village.id, 0), home_counts.get(village.id, 0), covered.get(village.id, 0),
                       households.get(village.id, 0))
            for village in all_villages()]
    town_level = VillageRow(None, "", "", member_counts.get(None, 0), 0, home_counts.get(None, 0), 0, 0)
    coverage = liaison_coverage(day)
    town = VillageRow(None, "", "", sum(member_counts.values()), sum(group_counts.values()), sum(home_counts.values()),
                      coverage.numerator, coverage.denominator)
    return Summary(as_of=day, villages=rows, town_level=town_level, town=town, roles=members.role_counts())
