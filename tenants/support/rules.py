"""Family support schemes: dated CONFIGURATION, not code.

Everything in capitals below is configuration. An entry is in force from its date; the latest entry dated
on or before the day in question applies (the earliest for older days), so when the province publishes a
new standard the county adds one entry and older rolls keep the figures they were made with. Amounts are
integer fen (分) a year per person (support) or a month per child (childcare subsidy).

This is money paid to families. Nothing here is a penalty or withholds a service: a condition that is not
met only means the scheme does not pay this person this year, and a condition the register cannot show is
never guessed. It is declared, and the staff member who checked it is recorded with it.

The national reward scheme (奖励扶助) also has a condition about births under the policy of the time
(1973–2001). This platform records no judgement of births against any policy (DESIGN.md: never tag births
as out-of-plan), so that condition is not built; the office confirming a family onto the roll is the
record that the family was found eligible under the provincial rules.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from renkou.timezone import local
from renkou.types import utcnow
from tenants.births.rules import add_working_days

# The kinds of support on the yearly roll (code → the scheme's official Chinese name).
KINDS: dict[str, str] = {
    "reward": "农村部分计划生育家庭奖励扶助",
    "special_death": "计划生育家庭特别扶助（独生子女死亡）",
    "special_disability": "计划生育家庭特别扶助（独生子女伤残）",
}


@dataclasses.dataclass(frozen=True)
class Scheme:
    """One kind of support as it stands from a date.

    ``age_of`` says whose age counts: "self" (the person's own: reward support, paid to each of the couple
    from 60) or "woman" (the woman of the couple: special support, paid to both once she is 49).
    ``children`` names the family-composition rule (see CHILDREN_RULES). ``declared`` lists conditions the
    register does not hold: staff check them (hukou book, disability certificate) and declare them.
    """

    min_age: int
    age_of: str
    born_from: date
    yearly_fen: int
    children: str
    declared: tuple[str, ...] = ()


BORN_FROM = date(1933, 1, 1)  # both schemes: people born on or after 1 January 1933

SCHEMES: dict[str, list[tuple[date, Scheme]]] = {
    # 《农村部分计划生育家庭奖励扶助制度试点方案》(国人口发〔2004〕21号): 600 yuan a year per person; raised to
    # the national minimum of 80 yuan a month (960 a year) from 2012. Provinces may pay more: the county
    # adds its province's figure as a new entry.
    "reward": [
        (date(2004, 1, 1), Scheme(60, "self", BORN_FROM, 600_00, "reward", ("rural_hukou",))),
        (date(2012, 1, 1), Scheme(60, "self", BORN_FROM, 960_00, "reward", ("rural_hukou",))),
    ],
    # 计划生育家庭特别扶助 (国人口发〔2007〕78号), standards of 国卫家庭发〔2013〕41号 from 2014 (urban
    # figures: 340 yuan a month when the only child died, 270 when disabled). ASSUMPTION for 2024: 590 and
    # 460 yuan a month, the figures this county was told to plan with; replace them with the province's
    # published standard when it differs.
    "special_death": [
        (date(2014, 1, 1), Scheme(49, "woman", BORN_FROM, 340_00 * 12, "only_child_died")),
        (date(2024, 1, 1), Scheme(49, "woman", BORN_FROM, 590_00 * 12, "only_child_died")),
    ],
    "special_disability": [
        (date(2014, 1, 1), Scheme(49, "woman", BORN_FROM, 270_00 * 12, "only_child_disabled",
                                  ("child_disability",))),
        (date(2024, 1, 1), Scheme(49, "woman", BORN_FROM, 460_00 * 12, "only_child_disabled",
                                  ("child_disability",))),
    ],
}

# Which days of the roll's year the conditions are judged on. Age: on 31 December, so a person who
# reaches the age during the year is on that year's roll. Living in the town, alive: on 1 January (the
# roll is drawn up at the start of the year; a death later in the year ends support from the next year).
AGE_COUNTED_ON = (12, 31)
LIVING_ON = (1, 1)
# The roll's candidate list shows people this many years short of the age too, so the office sees who
# comes next (their reason says how old they are). Searching by name finds anyone.
CANDIDATE_LOOKAHEAD_YEARS = 2

# The words of each reason, in Chinese as the office writes them on the roll (the code is what programs
# read). Placeholders are filled from the register.
REASON_TEXTS: dict[str, str] = {
    "born_in_range": "{born_from}以后出生",
    "born_too_early": "{born_from}以前出生（{birth_date}），不在扶助范围",
    "living": "{day}在本镇居住",
    "deceased": "本人已于{date}死亡",
    "deceased_undated": "本人已死亡",
    "not_living": "{day}不在本镇居住",
    "age_reached": "年满{min_age}周岁（{age}岁）",
    "age_below": "年龄未满{min_age}周岁（{age}岁）",
    "woman_age_reached": "女方年满{min_age}周岁（{age}岁）",
    "woman_age_below": "女方未满{min_age}周岁（{age}岁）",
    "woman_unknown": "户内未登记配偶，需核实女方是否年满{min_age}周岁",
    "children_unknown": "子女情况无法从户籍登记得出，需核实",
    "children_none_recorded": "户内未登记子女，需核实子女情况",
    "one_living_child": "现存子女1人",
    "two_daughters": "现有两个女孩",
    "children_died": "子女已死亡，现无存活子女（登记子女{ever}人）",
    "too_many_children": "现存子女{living}人，不属于独生子女或两女家庭",
    "two_children_not_daughters": "现存子女2人，不是两个女孩",
    "only_child_died": "独生子女已死亡（{date}）",
    "only_child_living": "独生子女健在，不属于独生子女死亡家庭",
    "only_child_alive": "独生子女1人（健在）",
    "only_child_deceased": "独生子女已死亡，不属于伤残扶助（可申报死亡扶助）",
    "not_only_child": "登记子女{ever}人，不是独生子女家庭",
    "rural_hukou": "本人及配偶为农业户口或农村居民",
    "child_disability": "独生子女伤、病残达三级以上（残疾证）",
    "declared_by": "{text}（{checked_by} {checked_on}核实）",
    "to_declare": "{text}：待核实",
}

# ---------------------------------------------------------------------------------------------------------
# Childcare subsidy (育儿补贴)
#
# 《育儿补贴制度实施方案》(2025): 3,600 yuan a year for each child under three, from 1 January 2025. The
# rule this platform applies, stated as months so that no year is paid twice: a child is covered for every
# month from the month of its birth up to the month before its third birthday (36 months in all), counting
# only months on or after the scheme's start. A year's subsidy is the monthly amount (the yearly one / 12)
# times the child's covered months in that year: 12 months (3,600) for a full year; fewer in the year of
# birth, in the year the child turns three and, for children born before 2025, in 2025.


@dataclasses.dataclass(frozen=True)
class SubsidyScheme:
    starts: date          # the first month covered
    yearly_fen: int       # a full year's amount per child
    under_age: int        # covered up to this birthday (exclusive)
    review_days: int      # the application is reviewed within this many working days of its receipt


SUBSIDY_SCHEMES: list[tuple[date, SubsidyScheme]] = [
    (date(2025, 1, 1), SubsidyScheme(starts=date(2025, 1, 1), yearly_fen=3600_00, under_age=3, review_days=30)),
]

# ---------------------------------------------------------------------------------------------------------
# Assistance combined with development (三结合: 计划生育与发展经济、帮助群众勤劳致富奔小康、建设文明幸福家庭相结合)

ASSISTANCE_KINDS: dict[str, str] = {
    "training": "技术培训",
    "microcredit": "小额贷款帮扶",
    "project": "项目扶持",
    "goods": "物资",
    "other": "其他",
}

# ---------------------------------------------------------------------------------------------------------
# Code: reading the configuration.


def today() -> date:
    """Today in the county (Asia/Shanghai)."""
    return local(utcnow()).date()


def in_force(entries: list[tuple[date, object]], day: date):
    """The value of the latest entry dated on or before ``day`` (the earliest entry for older days)."""
    chosen = entries[0][1]
    for since, value in sorted(entries, key=lambda entry: entry[0]):
        if since <= day:
            chosen = value
    return chosen


def scheme(kind: str, year: int) -> Scheme:
    """The scheme of ``kind`` in force for the roll of ``year`` (its standard on 1 January)."""
    return in_force(SCHEMES[kind], date(year, 1, 1))


def yearly_fen(kind: str, year: int) -> int:
    return scheme(kind, year).yearly_fen


def age_day(year: int) -> date:
    return date(year, *AGE_COUNTED_ON)


def living_day(year: int) -> date:
    return date(year, *LIVING_ON)


def reason_text(code: str, **values) -> str:
    return REASON_TEXTS[code].format(**{key: _text(value) for key, value in values.items()})


def _text(value) -> str:
    if value == date.min:  # a death recorded without its date
        return "日期未登记"
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


def subsidy_scheme(day: date) -> SubsidyScheme | None:
    """The childcare subsidy in force on ``day``; None before the scheme started."""
    if day < SUBSIDY_SCHEMES[0][0]:
        return None
    return in_force(SUBSIDY_SCHEMES, day)


def covered_months(birth_date: date, year: int) -> list[date]:
    """The months of ``year`` (their first days) the childcare subsidy covers for a child born on
    ``birth_date``: from the birth month to the month before the third birthday, once the scheme runs."""
    born = _month_index(birth_date)
    months = []
    for month in range(1, 13):
        first_day = date(year, month, 1)
        plan = subsidy_scheme(first_day)
        if plan is not None and born <= _month_index(first_day) < born + plan.under_age * 12:
            months.append(first_day)
    return months


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def subsidy_fen(birth_date: date, year: int) -> int:
    """The childcare subsidy of ``year`` for a child born on ``birth_date``, in fen: a twelfth of the
    yearly amount in force for each covered month (0 when no month is covered)."""
    return sum(subsidy_scheme(month).yearly_fen // 12 for month in covered_months(birth_date, year))


def under_age_on(birth_date: date, day: date) -> bool:
    """Whether a child born on ``birth_date`` is under the subsidy's age limit on ``day``."""
    plan = subsidy_scheme(day) or SUBSIDY_SCHEMES[0][1]
    try:
        limit = birth_date.replace(year=birth_date.year + plan.under_age)
    except ValueError:  # born on 29 February
        limit = date(birth_date.year + plan.under_age, 3, 1)
    return birth_date <= day < limit


def review_due(received_on: date) -> date:
    """The day a childcare-subsidy application must be reviewed by: the configured number of working days
    after its receipt, on the county's working-day calendar (the births area's, with its holidays)."""
    plan = subsidy_scheme(received_on) or SUBSIDY_SCHEMES[0][1]
    return add_working_days(received_on, plan.review_days)
