"""The clinics area's rules: dated CONFIGURATION, not code.

Everything in capitals below is configuration: the county updates it when the province changes what a
kind of medical unit may do, the inspection checklist or a time limit. An entry is in force from its
date; the latest entry dated on or before the day in question applies (the earliest for older days), so
a change next year is one new entry and older records keep the rules they were made under.

Oversight here is of medical units, never of families: a finding asks a clinic to put something right.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from renkou.timezone import local
from renkou.types import utcnow

# ---------------------------------------------------------------------------------------------------------
# Kinds of medical unit and licence (code → the official Chinese name).

UNIT_KINDS: dict[str, str] = {
    "health_centre": "乡镇卫生院",
    "village_clinic": "村卫生室",
    "private": "个体诊所/民营医疗机构",
    "hospital": "医院",
}
LICENCE_KINDS: dict[str, str] = {
    "practice": "医疗机构执业许可证",
    "maternal_infant": "母婴保健技术服务执业许可证",
    "family_planning": "计划生育技术服务执业许可证",
    "radiology": "放射诊疗许可证",
    "other": "其他",
}


@dataclasses.dataclass(frozen=True)
class Service:
    code: str
    name_zh: str


# The services a unit may be recorded as offering (every code that ever appeared in a list).
SERVICES: dict[str, Service] = {service.code: service for service in (
    Service("delivery", "助产"),
    Service("iud_insertion", "放置宫内节育器"),
    Service("iud_removal", "取出宫内节育器"),
    Service("termination", "人工流产/终止妊娠"),
    Service("sterilisation", "结扎"),
    Service("ultrasound", "超声检查"),
    Service("prenatal_care", "孕产期保健"),
    Service("contraceptive_supply", "避孕药具发放"),
    Service("child_health", "儿童保健"),
    Service("outpatient", "普通门诊"),
)}

# Services a kind of unit may not provide; recording one raises a finding (in force from the date).
# 《计划生育技术服务管理条例》, 《母婴保健法实施办法》: individual and private clinics may not do
# deliveries, IUD insertion or removal, terminations or sterilisation.
RESTRICTED_SERVICES: list[tuple[date, dict[str, tuple[str, ...]]]] = [
    (date(2001, 10, 1), {
        "private": ("delivery", "iud_insertion", "iud_removal", "termination", "sterilisation"),
    }),
]

# ---------------------------------------------------------------------------------------------------------
# The inspection checklist against non-medical fetal sex identification and sex-selective termination
# (两非), by the inspection's date.


@dataclasses.dataclass(frozen=True)
class ChecklistItem:
    code: str
    name_zh: str


CHECKLIST_ITEMS: dict[str, ChecklistItem] = {item.code: item for item in (
    ChecklistItem("ultrasound_register", "超声使用登记"),
    ChecklistItem("chromosome_testing", "染色体检测管理"),
    ChecklistItem("termination_drugs", "终止妊娠药品管理"),
    ChecklistItem("termination_register", "终止妊娠手术登记查验"),
    ChecklistItem("notice_posted", "禁止两非公示"),
    ChecklistItem("staff_commitment", "医务人员两非承诺书"),
)}
# 《禁止非医学需要的胎儿性别鉴定和选择性别人工终止妊娠的规定》 (2016-05-01).
CHECKLISTS: list[tuple[date, tuple[str, ...]]] = [
    (date(2016, 5, 1), ("ultrasound_register", "chromosome_testing", "termination_drugs", "termination_register",
                        "notice_posted", "staff_commitment")),
]

# ---------------------------------------------------------------------------------------------------------
# Time limits.

# A licence is "expiring" when its last valid day is at most this many days away.
EXPIRY_WARNING_DAYS: list[tuple[date, int]] = [(date(2020, 1, 1), 30)]
# Calendar days a unit has to put a finding right, counted from the day it was found (the inspection's
# date, or the day a restricted service was recorded).
RECTIFICATION_DAYS: list[tuple[date, dict[str, int]]] = [
    (date(2020, 1, 1), {"service": 30, "inspection": 30}),
]

# ---------------------------------------------------------------------------------------------------------
# Code: reading the configuration.


def today() -> date:
    """Today in the county (Asia/Shanghai): expiry and overdue are counted in local days."""
    return local(utcnow()).date()


def in_force(entries: list[tuple[date, object]], day: date):
    """The value of the latest entry dated on or before ``day`` (the earliest entry for older days)."""
    chosen = entries[0][1]
    for since, value in sorted(entries, key=lambda entry: entry[0]):
        if since <= day:
            chosen = value
    return chosen


def restricted_services(kind: str, day: date) -> tuple[str, ...]:
    """The services a unit of ``kind`` may not provide on ``day``."""
    return in_force(RESTRICTED_SERVICES, day).get(kind, ())


def checklist_on(day: date) -> tuple[str, ...]:
    """The checklist item codes of an inspection on ``day``."""
    return in_force(CHECKLISTS, day)


def expiry_warning_days(day: date) -> int:
    return in_force(EXPIRY_WARNING_DAYS, day)


def rectification_days(source: str, found_on: date) -> int:
    return in_force(RECTIFICATION_DAYS, found_on)[source]


def rectification_deadline(source: str, found_on: date) -> date:
    return found_on + timedelta(days=rectification_days(source, found_on))


SERVICE_CODES: tuple[str, ...] = tuple(SERVICES)
CHECKLIST_CODES: tuple[str, ...] = tuple(CHECKLIST_ITEMS)
