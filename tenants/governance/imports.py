"""Spreadsheet import of governance records: leadership group members ("leadership_members"), cadres'
household duties (包户, "cadre_households": one row per cadre with the households they cover) and the
items of responsibility agreements ("agreement_items": one row per item).

Rows go through the governance services, so their rules hold: a veto item only ever covers services,
oversight (两非 cases) or data quality, no item may set targets on numbers of births, quotas, permits or
fees, and an evaluated agreement's items no longer change. A re-upload is idempotent: a member is found
again by name, a cadre's household duty by the cadre's name (its households become the row's), an
agreement by year and party and its item by description.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, pre_load, validates_schema

from renkou.errors import ServiceError
from renkou.imports.cells import Choice, Count, Day, TextList, YesNo, columns_for
from renkou.imports.engine import ImportSpec, register
from renkou.imports.spreadsheets import Column
from renkou.schemas import BaseSchema, phone, text
from tenants.governance import labels, rules
from tenants.governance.schemas import year_field
from tenants.governance.services import agreements, duties, members
from tenants.network.lookups import household_in_cell, village_in_cell

GROUP_ROLE_WORDS = {"组长": "leader", "副组长": "deputy", "成员": "member", "常务副组长": "deputy", "组员": "member"}
DUTY_KIND_WORDS = {"包户": "household", "包村": "village", "包片": "area"}
VETO_KIND_WORDS = {**{name: code for code, name in rules.VETO_KINDS.items()}, "两非": "oversight",
                   "监管": "oversight", "监管（两非案件）": "oversight", "虚报瞒报": "data_quality",
                   "数据质量（虚报瞒报）": "data_quality"}


def _without_masked_phone(data: dict, field: str) -> dict:
    """An exported list shows phones masked (*******7000); such a cell keeps the stored number."""
    if "*" in data.get(field, ""):
        return {key: value for key, value in data.items() if key != field}
    return data


# ---------------------------------------------------------------------------------------------------------
# Leadership group members


class MemberRow(BaseSchema):
    name = text(required=True, max_length=64)
    position = text(required=True, max_length=64)
    group_role = Choice(GROUP_ROLE_WORDS, labels.GROUP_ROLE, required=True)
    phone = phone()
    sort_order = Count(maximum=999, load_default=None)
    active = YesNo(yes=("在组", "在领导小组中"), no=("已退出", "已退出领导小组"), load_default=None)

    @pre_load
    def _masked_phone(self, data: dict, **kwargs) -> dict:
        return _without_masked_phone(data, "phone")


def apply_member(row: dict, cache: dict) -> str:
    """Add the member, or update the one of the same name (a blank cell keeps what is stored)."""
    values = {field: value for field, value in row.items() if value is not None}
    found = members.members_named(row["name"])
    if len(found) > 1:
        raise ServiceError.on("name", str(_l("Several members have this name: tell them apart on the group's page "
                                             "first.")))
    if found:
        members.update_member(found[0], values)
        return "updated"
    members.create_member(values)
    return "created"


MEMBERS = register(ImportSpec(
    kind="leadership_members",
    title=_l("Leadership group members"),
    columns=[
        Column("name", "姓名", required=True, example="王书记"),
        Column("position", "职务", required=True, example="党委书记"),
        Column("group_role", "小组职务", required=True, example="组长"),
        Column("phone", "联系电话", example="13700137000"),
        Column("sort_order", "排序", example="1"),
        Column("active", "是否在组", example="是"),
    ],
    schema=MemberRow,
    apply=apply_member,
    key=lambda row: ("name", row["name"]),
    hint=_l("A member with the same name is updated."),
))


# ---------------------------------------------------------------------------------------------------------
# Cadres' household duties (包户)


class HouseholdDutyRow(BaseSchema):
    cadre_name = text(required=True, max_length=64)
    kind = Choice(DUTY_KIND_WORDS, labels.DUTY_KIND, load_default="household")
    household_numbers = TextList(required=True)
    note = text(max_length=500, load_default=None)

    @validates_schema
    def _households_only(self, data: dict, **kwargs) -> None:
        if data.get("kind", "household") != "household":
            raise ValidationError(str(_l("Only household duties (包户) are imported; enter 包片 and 包村 duties on "
                                         "the duties page.")), "kind")


def apply_household_duty(row: dict, cache: dict) -> str:
    """Give the cadre's current 包户 duty exactly the row's households, or make the duty."""
    name = row["cadre_name"]
    household_ids = _household_ids(row["household_numbers"], cache)
    values = {"kind": "household", **_cadre(name, cache), "household_ids": household_ids}
    if row.get("note") is not None:
        values["note"] = row["note"]
    current = duties.household_duties_of(name)
    if len(current) > 1:
        raise ServiceError.on("cadre_name", str(_l("This cadre has several household duties: change them on the "
                                                   "duties page.")))
    with columns_for({"household_ids": "household_numbers", "member_id": "cadre_name", "staff_id": "cadre_name"}):
        if current:
            duties.update_assignment(current[0], values)
            return "updated"
        duties.create_assignment(values)
    return "created"


def _household_ids(numbers: list[str], cache: dict) -> list[int]:
    ids, unknown = [], []
    for number in numbers:
        try:
            ids.append(household_in_cell(number, "household_numbers", cache).id)
        except ServiceError:
            unknown.append(number)
    if unknown:
        raise ServiceError.on("household_numbers", str(_l("No household with these numbers: %(numbers)s.",
                                                          numbers="、".join(unknown))))
    return ids


def _cadre(name: str, cache: dict) -> dict:
    """Who the cadre is: the one current group member of that name, else the one current village staff member
    of that name, else only the name."""
    named = [member for member in members.members_named(name) if member.active]
    if len(named) == 1:
        return {"member_id": named[0].id, "staff_id": None, "cadre_name": name}
    if "staff" not in cache:
        cache["staff"] = [(staff.id, staff.name) for staff in duties.staff_choices()]
    staff = [staff_id for staff_id, staff_name in cache["staff"] if staff_name == name]
    if not named and len(staff) == 1:
        return {"member_id": None, "staff_id": staff[0], "cadre_name": name}
    return {"member_id": None, "staff_id": None, "cadre_name": name}


HOUSEHOLD_DUTIES = register(ImportSpec(
    kind="cadre_households",
    title=_l("Cadres' household duties (包户)"),
    columns=[
        Column("cadre_name", "干部姓名", required=True, example="王书记"),
        Column("household_numbers", "包户户编号", required=True, example="CG-001、CG-002"),
        Column("kind", "类别", example="包户"),
        Column("note", "备注", example="每季度走访一次"),
    ],
    schema=HouseholdDutyRow,
    apply=apply_household_duty,
    key=lambda row: ("cadre_name", row["cadre_name"]),
    hint=_l("One row per cadre. The cadre's household duty is given the households of the row."),
))


# ---------------------------------------------------------------------------------------------------------
# Responsibility agreement items


class AgreementItemRow(BaseSchema):
    year = year_field(required=True)
    village = text(max_length=64, load_default=None)
    agency_name = text(max_length=100, load_default=None)
    signed_on = Day(load_default=None)
    description = text(required=True, max_length=500)
    weight = Count(maximum=rules.MAX_ITEM_WEIGHT, required=True)
    target = text(max_length=500, load_default="")
    veto = YesNo(load_default=False)
    veto_kind = Choice(VETO_KIND_WORDS, labels.VETO_KIND, load_default=None)

    @pre_load
    def _year_as_written(self, data: dict, **kwargs) -> dict:
        if "year" in data:  # "2026年"
            data = {**data, "year": data["year"].strip().removesuffix("年").strip()}
        return data

    @validates_schema
    def _one_party(self, data: dict, **kwargs) -> None:
        if bool(data.get("village")) == bool(data.get("agency_name")):
            raise ValidationError(str(rules.PARTY_MESSAGE), "village")


ITEM_ERROR = re.compile(r"^items\.\d+\.(\w+)$")
AGREEMENT_COLUMNS = {"items": "description", "village_id": "village"}


def _agreement_column(field: str) -> str:
    """The agreement's errors keyed "items.<index>.<field>" are about the row's item: its column is the field."""
    match = ITEM_ERROR.match(field)
    return match.group(1) if match else AGREEMENT_COLUMNS.get(field, field)


def apply_agreement_item(row: dict, cache: dict) -> str:
    """Add the item to the year's agreement with the party (made with this item when there is none), or
    replace the item of the same description ("updated")."""
    village = village_in_cell(row["village"], "village", cache)
    village_id = village.id if village is not None else None
    item = {field: row[field] for field in agreements.ITEM_FIELDS}
    agreement = agreements.find_agreement(row["year"], village_id, row["agency_name"])
    with columns_for(_agreement_column):
        if agreement is None:
            agreements.create_agreement({"year": row["year"], "village_id": village_id,
                                         "agency_name": row["agency_name"], "signed_on": row["signed_on"],
                                         "items": [item]})
            return "created"
        items = [{field: getattr(existing, field) for field in agreements.ITEM_FIELDS} for existing in agreement.items]
        same = next((index for index, existing in enumerate(items) if existing["description"] == item["description"]),
                    None)
        if same is None:
            items.append(item)
        else:
            items[same] = item
        changes = {"items": items}
        if row["signed_on"] is not None:
            changes["signed_on"] = row["signed_on"]
        agreements.update_agreement(agreement, changes)
    return "created" if same is None else "updated"


AGREEMENT_ITEMS = register(ImportSpec(
    kind="agreement_items",
    title=_l("Responsibility agreement items"),
    columns=[
        Column("year", "年度", required=True, example="2026"),
        Column("village", "村/社区", example="城关村"),
        Column("agency_name", "单位名称", example=""),
        Column("signed_on", "签订日期", example="2026-02-20"),
        Column("description", "考核项目", required=True, example="宣传品入户率达到95%以上"),
        Column("weight", "分值", required=True, example="10"),
        Column("target", "目标", example="入户率≥95%"),
        Column("veto", "一票否决", example="否"),
        Column("veto_kind", "否决类别", example=""),
    ],
    schema=AgreementItemRow,
    apply=apply_agreement_item,
    key=lambda row: ("description",
                     f"{row['year']}:{row.get('village') or ''}:{row.get('agency_name') or ''}:{row['description']}"),
    hint=_l("One row per item. An item with the same description in the same year's agreement with the same "
            "village or agency is updated."),
))
