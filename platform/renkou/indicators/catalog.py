"""The indicator catalog (DESIGN.md §7): what each indicator is, how it reads, which way is good.

The county sums numerators and denominators across towns and never averages rates, so every indicator
is a ratio ``numerator / denominator × scale``. The formulas over a town's registers are in
workers/indicators/formulas.py, keyed by the same codes; a test checks the two lists agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from renkou.indicators.periods import KINDS, MONTH

HIGHER_IS_BETTER, LOWER_IS_BETTER, NORMAL_RANGE = "higher", "lower", "range"
# Births are families' own choices: birth and natural-increase rates are watched, never targeted — a
# target on them would be a birth quota (DESIGN.md §7, never build).
MONITORED = "monitored"
PERCENT, PER_MILLE, RATIO, YUAN = "%", "‰", "ratio", "¥"
ALL_PERIODS = KINDS
NOT_MONTHLY = tuple(kind for kind in KINDS if kind != MONTH)


@dataclass(frozen=True)
class Indicator:
    code: str
    name_zh: str
    name_en: str
    numerator: object  # lazy text: what is counted above the line
    denominator: object  # lazy text: what is counted below it
    unit: str
    scale: int  # value = numerator / denominator × scale
    direction: str
    periods: tuple[str, ...] = ALL_PERIODS
    normal_low: Decimal | None = None  # NORMAL_RANGE only: the range that counts as met
    normal_high: Decimal | None = None
    stock: bool = False  # measured at the end of the period (coverage) rather than over it (events)
    # A yearly rate: over a shorter period the value is scaled to a year (× 12 / months), so a month's
    # birth rate reads like a year's. Numerator and denominator stay the counts, and the county still
    # sums them: the factor is the same for every town of a period.
    annualised: bool = False
    help_text: object = None  # lazy text shown with the indicator: how to read its value

    def exact(self, numerator: Decimal, denominator: Decimal, months: int = 12) -> Decimal | None:
        """The unrounded value (attainment and status are decided on it); None when the denominator is
        zero (nothing to measure). ``months`` is the period's length, for annualised indicators."""
        if not denominator:
            return None
        value = Decimal(numerator) * self.scale / Decimal(denominator)
        return value * 12 / months if self.annualised and months != 12 else value

    def value(self, numerator: Decimal, denominator: Decimal, months: int = 12) -> Decimal | None:
        """The value as stored and shown, to cents."""
        exact = self.exact(numerator, denominator, months)
        return None if exact is None else exact.quantize(Decimal("0.01"))

    @property
    def targetable(self) -> bool:
        return self.direction != MONITORED

    def in_normal_range(self, value: Decimal) -> bool:
        return self.normal_low <= value <= self.normal_high

    def name(self, locale: str) -> str:
        return self.name_en if str(locale).startswith("en") else self.name_zh


INDICATORS: tuple[Indicator, ...] = (
    Indicator("srb", "出生人口性别比", "Sex ratio at birth", _l("Male live births"), _l("Female live births"),
              RATIO, 100, NORMAL_RANGE, normal_low=Decimal(103), normal_high=Decimal(107), help_text=_l(
                  "Boys per 100 girls born. With fewer births than the configured minimum (20 by default) "
                  "in the period the ratio is shown but not judged against its range.")),
    Indicator("birth_rate", "出生率", "Birth rate", _l("Live births"), _l("Mean population"),
              PER_MILLE, 1000, MONITORED, annualised=True, help_text=_l(
                  "Live births per 1,000 people a year. For a month, quarter or half-year the rate is "
                  "annualised (× 12 / months), so it compares with a year's; the counts are as recorded.")),
    Indicator("natural_increase", "自然增长率", "Natural increase rate", _l("Live births minus deaths"),
              _l("Mean population"), PER_MILLE, 1000, MONITORED, annualised=True, help_text=_l(
                  "Births minus deaths per 1,000 people a year. For a month, quarter or half-year the rate "
                  "is annualised (× 12 / months), so it compares with a year's; the counts are as recorded.")),
    Indicator("registration_rate", "生育登记率", "Birth registration rate",
              _l("Births in the period whose registration is completed"), _l("Births in the period"),
              PERCENT, 100, HIGHER_IS_BETTER, help_text=_l(
                  "A registration counts once it is registered; an application still submitted or accepted "
                  "does not.")),
    Indicator("notice_timeliness", "出生信息及时报送率", "Birth notice timeliness",
              _l("Births in the period whose first notice arrived within 24 hours"), _l("Births in the period"),
              PERCENT, 100, HIGHER_IS_BETTER, help_text=_l(
                  "Counted by the date of birth. A birth without a notice counts as late; a later notice for "
                  "the same birth changes nothing.")),
    Indicator("contraceptive_prevalence", "综合避孕率", "Contraceptive prevalence",
              _l("Married women 15–49 using a method"), _l("Married women 15–49"), PERCENT, 100,
              HIGHER_IS_BETTER, stock=True),
    Indicator("informed_choice", "知情选择率", "Informed choice rate",
              _l("New method users counselled who chose themselves"), _l("New method users"), PERCENT, 100,
              HIGHER_IS_BETTER),
    Indicator("material_coverage", "宣传品入户率", "Material coverage", _l("Households reached by materials"),
              _l("Households"), PERCENT, 100, HIGHER_IS_BETTER, stock=True),
    Indicator("agreement_coverage", "责任书签订率", "Agreement coverage", _l("Villages with a signed agreement"),
              _l("Villages"), PERCENT, 100, HIGHER_IS_BETTER, NOT_MONTHLY, stock=True),
    Indicator("household_coverage", "包户覆盖率", "Household coverage", _l("Households with an assigned cadre"),
              _l("Households"), PERCENT, 100, HIGHER_IS_BETTER, stock=True),
    Indicator("clinic_inspection", "医疗机构巡查覆盖率", "Clinic inspection coverage",
              _l("Clinics inspected in the period"), _l("Clinics"), PERCENT, 100, HIGHER_IS_BETTER),
    Indicator("funding_per_capita", "人均经费投入", "Funding per capita", _l("Funding (yuan)"), _l("Population"),
              YUAN, 1, HIGHER_IS_BETTER),
    Indicator("report_timeliness", "报表及时率", "Report timeliness", _l("Town reports submitted by the deadline"),
              _l("Town reports due"), PERCENT, 100, HIGHER_IS_BETTER),
)
BY_CODE = {indicator.code: indicator for indicator in INDICATORS}


def get(code: str) -> Indicator:
    return BY_CODE[code]


def applying_to(kind: str) -> list[Indicator]:
    return [indicator for indicator in INDICATORS if kind in indicator.periods]
