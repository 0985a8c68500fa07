"""The outreach lists as spreadsheets, with the filters of the list page: activities, deliveries (one row
per household reached), slogans and population-school sessions. Every export is audited (the filters,
never a record's values).

Outreach records name no person: households appear by number only. The columns an import reads
(tenants.outreach.imports) carry the same headers, so an exported list can be corrected and uploaded again.
"""

from __future__ import annotations

import dataclasses

from flask_babel import lazy_gettext as _l

from renkou.audit import services as audit
from renkou.extensions import db
from renkou.imports.exports import EXPORT_LIMIT, Sheet
from tenants.outreach import labels
from tenants.outreach.services.common import DatedFilter
from tenants.outreach.services.materials import DeliveryFilter, deliveries_statement
from tenants.outreach.services.records import (
    ActivityFilter,
    SloganFilter,
    activities_statement,
    sessions_statement,
    slogans_statement,
)


def _audited(action: str, record_type: str, filters) -> None:
    detail = {k: str(v) for k, v in dataclasses.asdict(filters).items() if v not in (None, "")}
    audit.record(action, record_type=record_type, detail={"filters": detail})


TOWN_WIDE = _l("Town-wide")


def _village(record, town_wide=TOWN_WIDE) -> tuple[str, object]:
    """(code, name) of the record's village; a town-wide record says so in the name column."""
    return (record.village.code, record.village.name) if record.village else ("", town_wide)


def export_activities(filters: ActivityFilter) -> Sheet:
    _audited("outreach_activity.export", "outreach_activities", filters)
    rows = ([activity.activity_date, labels.ACTIVITY_KIND[activity.kind], *_village(activity), activity.participants,
             activity.description]
            for activity in db.session.scalars(activities_statement(filters).limit(EXPORT_LIMIT)))
    return Sheet(["日期", "活动类别", "村/社区代码", "村/社区", "参加人数", "活动内容"], rows, "宣传活动")


def export_deliveries(filters: DeliveryFilter) -> Sheet:
    """One row per household a delivery reached (the shape of the delivery import)."""
    _audited("material_delivery.export", "material_delivery", filters)
    deliveries = db.session.scalars(deliveries_statement(filters).limit(EXPORT_LIMIT))
    rows = ([delivery.delivery_date, delivery.material.name, labels.MATERIAL_KIND[delivery.material.kind],
             *_village(delivery), household.number, delivery.note]
            for delivery in deliveries for household in delivery.households)
    headers = ["发放日期", "宣传品名称", "宣传品类别", "村/社区代码", "村/社区", "户编号", "备注"]
    return Sheet(headers, rows, "宣传品入户")


def export_slogans(filters: SloganFilter) -> Sheet:
    _audited("outreach_slogan.export", "outreach_slogans", filters)
    rows = ([slogan.slogan_date, *_village(slogan), slogan.place, slogan.content]
            for slogan in db.session.scalars(slogans_statement(filters).limit(EXPORT_LIMIT)))
    return Sheet(["张贴日期", "村/社区代码", "村/社区", "张贴地点", "标语内容"], rows, "宣传标语")


def export_sessions(filters: DatedFilter) -> Sheet:
    _audited("school_session.export", "school_sessions", filters)
    rows = ([session.session_date, session.topic, *_village(session, _l("Town school")), session.attendance]
            for session in db.session.scalars(sessions_statement(filters).limit(EXPORT_LIMIT)))
    return Sheet(["日期", "主题", "村/社区代码", "村/社区", "参加人数"], rows, "人口学校")
