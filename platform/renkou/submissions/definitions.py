"""Report definitions: which of the county's figures go into which of the bureau's data elements.

Dated configuration, like the holiday calendar in tenants/births/rules.py: each report has versions, each
valid from a date; a period is reported with the latest version valid on its first day, and a submission
records the version it used. When the bureau changes its data set, add a version here with the date the
change applies from; never edit a version that submissions have used.

Each indicator goes as two data elements, its numerator and its denominator, because the bureau sums
them over counties exactly as the county sums them over towns (a rate cannot be summed). A *source*
names what a data element carries: ``"<indicator>.numerator"``, ``"<indicator>.denominator"``, or a count
of the submission itself (``"count.towns"``: the towns whose figures it sums).

Disaggregation: in the JSON a data value names its category option combo; in ADX the same combo is
written as attributes of the data value (``SEX="M"``). The sex ratio at birth goes as live births
disaggregated by sex, the rest with the bureau's default combo.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from renkou.indicators.periods import HALF_YEAR, MONTH, QUARTER, STAT_YEAR, Period

MONTHLY, QUARTERLY, HALF_YEARLY, ANNUAL = "monthly", "quarterly", "half_yearly", "annual"
REPORTS = (MONTHLY, QUARTERLY, HALF_YEARLY, ANNUAL)
# The annual report runs on the family-planning statistical year (1 Oct – 30 Sep by default).
PERIOD_KIND = {MONTHLY: MONTH, QUARTERLY: QUARTER, HALF_YEARLY: HALF_YEAR, ANNUAL: STAT_YEAR}
REPORT_LABELS = {MONTHLY: _l("Monthly report"), QUARTERLY: _l("Quarterly report"),
                 HALF_YEARLY: _l("Half-year report"), ANNUAL: _l("Annual report (statistical year)")}
COUNT_TOWNS = "count.towns"


@dataclass(frozen=True)
class Combo:
    """A category option combo: its id in the JSON and its category options as ADX attributes."""

    id: str
    attributes: tuple[tuple[str, str], ...] = ()


DEFAULT = Combo("default")
MALE = Combo("RK_SEX_M", (("SEX", "M"),))
FEMALE = Combo("RK_SEX_F", (("SEX", "F"),))
COMBOS = (DEFAULT, MALE, FEMALE)


@dataclass(frozen=True)
class Element:
    source: str
    data_element: str
    combo: Combo = DEFAULT

    @property
    def indicator(self) -> str | None:
        kind, _, _part = self.source.partition(".")
        return None if kind == "count" else kind

    @property
    def part(self) -> str:
        return self.source.partition(".")[2]


@dataclass(frozen=True)
class ReportDefinition:
    report: str
    version: str
    valid_from: date
    data_set: str
    elements: tuple[Element, ...]

    @property
    def period_kind(self) -> str:
        return PERIOD_KIND[self.report]

    @property
    def indicators(self) -> list[str]:
        return list(dict.fromkeys(element.indicator for element in self.elements if element.indicator))

    def element(self, data_element: str, combo_id: str) -> Element | None:
        return next((element for element in self.elements
                     if element.data_element == data_element and element.combo.id == combo_id), None)


# The bureau's data element stems of each indicator (…_NUM and …_DEN); the sex ratio is by sex instead.
_STEMS = {
    "birth_rate": "RK_BIRTH_RATE", "natural_increase": "RK_NATURAL_INCREASE",
    "registration_rate": "RK_BIRTH_REGISTRATION", "notice_timeliness": "RK_NOTICE_TIMELINESS",
    "contraceptive_prevalence": "RK_CONTRACEPTIVE_PREVALENCE", "informed_choice": "RK_INFORMED_CHOICE",
    "material_coverage": "RK_MATERIAL_COVERAGE", "agreement_coverage": "RK_AGREEMENT_COVERAGE",
    "household_coverage": "RK_HOUSEHOLD_COVERAGE", "clinic_inspection": "RK_CLINIC_INSPECTION",
    "funding_per_capita": "RK_FUNDING_PER_CAPITA", "report_timeliness": "RK_REPORT_TIMELINESS",
}
_SRB = (Element("srb.numerator", "RK_LIVE_BIRTHS_BY_SEX", MALE),
        Element("srb.denominator", "RK_LIVE_BIRTHS_BY_SEX", FEMALE))


def _elements(indicators: tuple[str, ...], *extra: Element) -> tuple[Element, ...]:
    found: list[Element] = []
    for code in indicators:
        if code == "srb":
            found.extend(_SRB)
        else:
            found += [Element(f"{code}.numerator", f"{_STEMS[code]}_NUM"),
                      Element(f"{code}.denominator", f"{_STEMS[code]}_DEN")]
    return (*found, *extra)


# Responsibility agreements are signed once a year, so the monthly report leaves their coverage out.
_MONTHLY = ("srb", "birth_rate", "natural_increase", "registration_rate", "notice_timeliness",
            "contraceptive_prevalence", "informed_choice", "material_coverage", "household_coverage",
            "clinic_inspection", "funding_per_capita", "report_timeliness")
_LONGER = (*_MONTHLY[:8], "agreement_coverage", *_MONTHLY[8:])
_TOWNS = Element(COUNT_TOWNS, "RK_TOWNS_REPORTING")
_DATA_SETS = {MONTHLY: "RK_POP_MONTHLY", QUARTERLY: "RK_POP_QUARTERLY", HALF_YEARLY: "RK_POP_HALF_YEARLY",
              ANNUAL: "RK_POP_ANNUAL"}

DEFINITIONS: tuple[ReportDefinition, ...] = (
    *(ReportDefinition(report, "2020.1", date(2020, 1, 1), _DATA_SETS[report],
                       _elements(_MONTHLY if report == MONTHLY else _LONGER)) for report in REPORTS),
    # From the 2026 statistical year the bureau also asks how many towns each figure covers.
    *(ReportDefinition(report, "2026.1", date(2026, 10, 1), _DATA_SETS[report],
                       _elements(_MONTHLY if report == MONTHLY else _LONGER, _TOWNS)) for report in REPORTS),
)


class NoDefinition(LookupError):
    """No version of the report is valid for the period (or the period is of another kind)."""


def versions(report: str, definitions=DEFINITIONS) -> list[ReportDefinition]:
    return sorted((d for d in definitions if d.report == report), key=lambda d: d.valid_from)


def definition_for(report: str, period: Period, definitions=DEFINITIONS) -> ReportDefinition:
    """The version of ``report`` that ``period`` is reported with: the latest valid on its first day."""
    if report not in PERIOD_KIND:
        raise NoDefinition(f"unknown report {report!r}")
    if period.kind != PERIOD_KIND[report]:
        raise NoDefinition(f"the {report} report is not made for a {period.kind} period")
    valid = [d for d in versions(report, definitions) if d.valid_from <= period.start]
    if not valid:
        raise NoDefinition(f"no version of the {report} report is valid for {period.id}")
    return valid[-1]


def by_data_set(data_set: str, definitions=DEFINITIONS) -> list[ReportDefinition]:
    """Every version of the report the bureau knows as ``data_set`` (the stand-in bureau's metadata)."""
    return [d for d in definitions if d.data_set == data_set]


def combo_for_attributes(attributes: dict[str, str]) -> Combo | None:
    """The combo whose category options are exactly ``attributes`` (ADX disaggregation)."""
    wanted = tuple(sorted(attributes.items()))
    return next((combo for combo in COMBOS if tuple(sorted(combo.attributes)) == wanted), None)
