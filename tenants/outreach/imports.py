"""Spreadsheet import of outreach work: activities ("outreach_activities"), materials delivered to
households ("material_deliveries", one row per household reached) and population-school sessions
("school_sessions").

Rows go through the outreach services, so the same checks hold (no date in the future, a known village).
A re-upload is idempotent: an activity is found again by its day, kind and village, a session by its day,
topic and village, and a household already recorded as reached by a delivery is not counted twice.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from renkou.errors import ServiceError
from renkou.imports.cells import Choice, Count, Day, columns_for
from renkou.imports.engine import ImportSpec, register
from renkou.imports.spreadsheets import Column
from renkou.schemas import BaseSchema, text
from tenants.network.lookups import household_in_cell, village_in_cell
from tenants.outreach import labels
from tenants.outreach.models import OutreachMaterial
from tenants.outreach.services import materials, records

# Official names first (error messages suggest them), then what people also write.
ACTIVITY_KIND_WORDS = {"婚育新风进万家文艺演出": "new_customs_performance", "专题讲座": "lecture",
                       "宣传咨询日": "consultation_day", "其他": "other", "婚育新风进万家": "new_customs_performance",
                       "文艺演出": "new_customs_performance", "演出": "new_customs_performance", "讲座": "lecture",
                       "咨询日": "consultation_day", "咨询活动": "consultation_day", "其它": "other"}
MATERIAL_KIND_WORDS = {"宣传单": "leaflet", "宣传册": "booklet", "挂图/海报": "poster", "挂历/年历": "calendar",
                       "音像制品": "audio_video", "宣传实用品": "daily_item", "其他": "other", "传单": "leaflet",
                       "折页": "leaflet", "手册": "booklet", "挂图": "poster", "海报": "poster", "挂历": "calendar",
                       "年历": "calendar", "光盘": "audio_video", "实用品": "daily_item", "其它": "other"}
VILLAGE_COLUMN = {"village_id": "village"}


def _village_id(row: dict, cache: dict) -> int | None:
    village = village_in_cell(row.pop("village", None), "village", cache)
    return village.id if village is not None else None


# ---------------------------------------------------------------------------------------------------------
# Activities


class ActivityRow(BaseSchema):
    activity_date = Day(required=True)
    kind = Choice(ACTIVITY_KIND_WORDS, labels.ACTIVITY_KIND, required=True)
    village = text(max_length=64, load_default=None)
    participants = Count(load_default=None)
    description = text(max_length=1000, load_default=None)


def apply_activity(row: dict, cache: dict) -> str:
    """Record the activity, or update the one of the same kind on the same day in the same village."""
    row["village_id"] = _village_id(row, cache)
    existing = records.find_activity(row["kind"], row["activity_date"], row["village_id"])
    with columns_for(VILLAGE_COLUMN):
        if existing is not None:
            records.update_activity(existing, row)
            return "updated"
        records.create_activity(row)
    return "created"


def _place_key(row: dict) -> str:
    return f"{row['activity_date' if 'activity_date' in row else 'session_date']}@{row.get('village') or ''}"


ACTIVITIES = register(ImportSpec(
    kind="outreach_activities",
    title=_l("Outreach activities"),
    columns=[
        Column("activity_date", "日期", required=True, example="2026-03-08"),
        Column("kind", "活动类别", required=True, example="婚育新风进万家文艺演出"),
        Column("village", "村/社区", example="城关村"),
        Column("participants", "参加人数", example="120"),
        Column("description", "活动内容", example="三八妇女节文艺演出"),
    ],
    schema=ActivityRow,
    apply=apply_activity,
    key=lambda row: ("kind", f"{row['kind']}:{_place_key(row)}"),
    hint=_l("An activity of the same kind, day and village is updated; a blank village means the whole town."),
))


# ---------------------------------------------------------------------------------------------------------
# Materials delivered to households


class DeliveryRow(BaseSchema):
    delivery_date = Day(required=True)
    material = text(required=True, max_length=100)
    material_kind = Choice(MATERIAL_KIND_WORDS, labels.MATERIAL_KIND, load_default=None)
    household_number = text(required=True, max_length=32)
    note = text(max_length=500, load_default=None)


def apply_delivery(row: dict, cache: dict) -> str:
    """Record that the household received the material that day ("created"), or find it recorded ("updated")."""
    material = _material(row["material"], row.get("material_kind"), cache)
    household = household_in_cell(row["household_number"], "household_number", cache)
    with columns_for({"material_id": "material"}):
        _delivery, reached = materials.record_household_reached(
            material_id=material.id, household=household, delivery_date=row["delivery_date"], note=row["note"] or "")
    return "created" if reached else "updated"


def _material(name: str, kind: str | None, cache: dict) -> OutreachMaterial:
    """The catalogue's material of this name; a new one is added to the catalogue when the row gives its kind."""
    found = cache.setdefault("materials", {})
    material = found.get(name) or materials.find_material(name)
    if material is not None:
        found[name] = material
        return material
    if kind is None:
        raise ServiceError.on("material", str(_l("No material with this name in the catalogue: add it, or fill in "
                                                 "the material's kind to add it with this row.")))
    # Not cached: when this row is undone, so is the new material, and the next row adds it again.
    with columns_for({"name": "material", "kind": "material_kind"}):
        return materials.create_material(name, kind)


DELIVERIES = register(ImportSpec(
    kind="material_deliveries",
    title=_l("Materials delivered to households"),
    columns=[
        Column("delivery_date", "发放日期", required=True, example="2026-03-15"),
        Column("material", "宣传品名称", required=True, example="婚育新风宣传册"),
        Column("material_kind", "宣传品类别", example="宣传册"),
        Column("household_number", "户编号", required=True, example="CG-001"),
        Column("note", "备注", example="入户发放"),
    ],
    schema=DeliveryRow,
    apply=apply_delivery,
    key=lambda row: ("household_number",
                     f"{row['material']}:{row['household_number']}@{row['delivery_date'].isoformat()}"),
    hint=_l("One row per household reached. A household already recorded for the same material and day is not "
            "counted again."),
    tables=("material_delivery_households",),
))


# ---------------------------------------------------------------------------------------------------------
# Population-school sessions


class SessionRow(BaseSchema):
    session_date = Day(required=True)
    topic = text(required=True, max_length=200)
    village = text(max_length=64, load_default=None)
    attendance = Count(load_default=None)


def apply_session(row: dict, cache: dict) -> str:
    """Record the session, or update the one on the same topic on the same day in the same village."""
    row["village_id"] = _village_id(row, cache)
    existing = records.find_session(row["topic"], row["session_date"], row["village_id"])
    with columns_for(VILLAGE_COLUMN):
        if existing is not None:
            records.update_session(existing, row)
            return "updated"
        records.create_session(row)
    return "created"


SESSIONS = register(ImportSpec(
    kind="school_sessions",
    title=_l("Population-school sessions"),
    columns=[
        Column("session_date", "日期", required=True, example="2026-04-10"),
        Column("topic", "主题", required=True, example="优生优育知识讲座"),
        Column("village", "村/社区", example="城关村"),
        Column("attendance", "参加人数", example="45"),
    ],
    schema=SessionRow,
    apply=apply_session,
    key=lambda row: ("topic", f"{row['topic']}:{_place_key(row)}"),
    hint=_l("A session on the same topic, day and village is updated; a blank village means the town school."),
))
