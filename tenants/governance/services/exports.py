"""The governance lists as spreadsheets, with the filters of the list page: the leadership group (phones
masked), responsibility agreements (one row per item, with the evaluation) and cadre duties. Every export
is audited (the filters, never a record's values).

The columns an import reads (tenants.governance.imports) carry the same headers, so an exported list can
be corrected and uploaded again; a masked phone left as it is keeps the stored number.
"""

from __future__ import annotations

import dataclasses

from flask_babel import lazy_gettext as _l

from renkou.audit import services as audit
from renkou.extensions import db
from renkou.imports.exports import EXPORT_LIMIT, Sheet
from renkou.schemas import mask_phone
from tenants.governance import labels
from tenants.governance.services.agreements import AgreementFilter, agreements_statement
from tenants.governance.services.duties import AssignmentFilter, assignments_statement
from tenants.governance.services.members import members_statement


def _yes_no(value: bool | None):
    return "" if value is None else (_l("Yes") if value else _l("No"))


def _filters(values: dict) -> dict:
    return {key: str(value) for key, value in values.items() if value not in (None, "")}


def export_members(active: bool | None = None) -> Sheet:
    """The group's members in its order, phones masked; the export is audited."""
    audit.record("leadership_member.export", record_type="leadership_member", detail={"filters": _filters(
        {"active": active})})
    rows = ([member.sort_order, member.name, member.position, labels.GROUP_ROLE[member.group_role],
             mask_phone(member.phone), _yes_no(member.active)]
            for member in db.session.scalars(members_statement(active).limit(EXPORT_LIMIT)))
    return Sheet(["排序", "姓名", "职务", "小组职务", "联系电话", "是否在组"], rows, "领导小组")


def export_agreements(filters: AgreementFilter) -> Sheet:
    """One row per item of the agreements the filters keep, with the year-end scores; the export is audited."""
    audit.record("agreement.export", record_type="agreement", detail={"filters": _filters(dataclasses.asdict(filters))})
    agreements = db.session.scalars(agreements_statement(filters).limit(EXPORT_LIMIT))
    rows = ([agreement.year, agreement.village.code if agreement.village else "",
             agreement.village.name if agreement.village else "", agreement.agency_name or "",
             agreement.signed_on or "", item.description, item.weight, item.target, _yes_no(item.veto),
             labels.VETO_KIND[item.veto_kind] if item.veto_kind else "",
             "" if item.score is None else f"{item.score:g}",
             _yes_no(item.veto_triggered) if agreement.evaluated and item.veto else "",
             agreement.evaluated_on or "", labels.OUTCOME[agreement.outcome] if agreement.outcome else "",
             _yes_no(agreement.has_scan)]
            for agreement in agreements for item in agreement.items)
    headers = ["年度", "村/社区代码", "村/社区", "单位名称", "签订日期", "考核项目", "分值", "目标", "一票否决",
               "否决类别", "得分", "否决项是否触发", "考核日期", "考核结果", "是否上传扫描件"]
    return Sheet(headers, rows, "目标管理责任书")


def export_assignments(filters: AssignmentFilter) -> Sheet:
    """The duties the filters keep: whom each cadre covers (villages by name, households by number); the
    export is audited."""
    audit.record("cadre_assignment.export", record_type="cadre_assignment",
                 detail={"filters": _filters(dataclasses.asdict(filters))})
    duties = db.session.scalars(assignments_statement(filters).limit(EXPORT_LIMIT))
    rows = ([duty.cadre_name, _position(duty), labels.DUTY_KIND[duty.kind], duty.area_name or "",
             "、".join(village.name for village in duty.villages),
             "、".join(household.number for household in duty.households), len(duty.households), duty.note,
             _l("Current") if duty.active else _l("Ended")] for duty in duties)
    headers = ["干部姓名", "职务", "类别", "片区名称", "村/社区", "包户户编号", "户数", "备注", "状态"]
    return Sheet(headers, rows, "包片包村包户")


def _position(duty) -> str:
    if duty.member is not None:
        return duty.member.position
    return duty.staff.position if duty.staff is not None else ""
