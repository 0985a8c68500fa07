"""The clinics lists as spreadsheets: units, licences, inspections and findings, with the filters of the
list page. Phones are masked; every export is audited (the filters, never a record's values).

The columns an import reads (tenants.clinics.imports) carry the same headers, so an exported list can be
corrected and uploaded again; a masked phone left as it is keeps the stored number.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from renkou.audit import services as audit
from renkou.extensions import db
from renkou.imports.exports import EXPORT_LIMIT, Sheet
from renkou.schemas import mask_phone
from renkou.timezone import local
from tenants.clinics import labels, rules
from tenants.clinics.services.common import filter_detail
from tenants.clinics.services.findings import FindingFilter, findings_statement
from tenants.clinics.services.inspections import InspectionFilter, inspections_statement
from tenants.clinics.services.licences import LicenceFilter, licences_statement
from tenants.clinics.services.units import UnitFilter, last_inspections, units_statement


def _yes_no(value: bool):
    return _l("Yes") if value else _l("No")


def export_units(filters: UnitFilter) -> Sheet:
    """The units matching ``filters``: contact phones masked, the export audited."""
    audit.record("clinic_unit.export", record_type="clinic_unit", detail={"filters": filter_detail(filters)})
    found = list(db.session.scalars(units_statement(filters).limit(EXPORT_LIMIT)))
    inspected = last_inspections([unit.id for unit in found])
    rows = ([unit.name, labels.UNIT_KIND[unit.kind], unit.village.code if unit.village else "",
             unit.village.name if unit.village else "", unit.address, unit.contact_name or "",
             mask_phone(unit.contact_phone), "、".join(str(labels.SERVICE[code]) for code in unit.services),
             "、".join(str(labels.SERVICE[code]) for code in unit.restricted_offered), _yes_no(unit.active),
             inspected.get(unit.id, "")] for unit in found)
    headers = ["机构名称", "机构类别", "村/社区代码", "村/社区", "地址", "联系人", "联系电话", "服务项目",
               "不得开展的服务", "是否在营", "最近巡查日期"]
    return Sheet(headers, rows, "医疗机构")


def export_licences(filters: LicenceFilter) -> Sheet:
    """The licences matching ``filters``, with their state on today; the export is audited."""
    audit.record("clinic_licence.export", record_type="clinic_licence", detail={"filters": filter_detail(filters)})
    today = rules.today()
    rows = ([licence.unit.name, labels.LICENCE_KIND[licence.kind], licence.number, licence.issuer,
             licence.valid_from or "", licence.valid_to or "", labels.LICENCE_STATE[licence.state_on(today)]]
            for licence in db.session.scalars(licences_statement(filters).limit(EXPORT_LIMIT)))
    headers = ["机构名称", "证照类别", "证照编号", "发证机关", "有效期起", "有效期止", "状态"]
    return Sheet(headers, rows, "执业证照")


def export_inspections(filters: InspectionFilter) -> Sheet:
    """The inspections matching ``filters``, one row each with the items that failed; the export is audited."""
    audit.record("clinic_inspection.export", record_type="clinic_inspection",
                 detail={"filters": filter_detail(filters)})
    rows = ([inspection.inspection_date, inspection.unit.name, labels.UNIT_KIND[inspection.unit.kind],
             inspection.inspectors, len(inspection.items), inspection.failed,
             "；".join(f"{labels.CHECKLIST_ITEM[item.code]}{'：' + item.note if item.note else ''}"
                      for item in inspection.items if item.result == "fail"),
             inspection.notes or ""]
            for inspection in db.session.scalars(inspections_statement(filters).limit(EXPORT_LIMIT)))
    headers = ["巡查日期", "机构名称", "机构类别", "巡查人员", "检查项数", "不合格项数", "不合格项目", "备注"]
    return Sheet(headers, rows, "两非巡查")


def export_findings(filters: FindingFilter) -> Sheet:
    """The findings matching ``filters``, soonest deadline first; the export is audited."""
    audit.record("clinic_finding.export", record_type="clinic_finding", detail={"filters": filter_detail(filters)})
    today = rules.today()
    rows = ([finding.unit.name, labels.FINDING_SOURCE[finding.source], finding.description, finding.found_on,
             finding.deadline, labels.FINDING_STATUS[finding.status], _yes_no(finding.is_overdue(today)),
             finding.rectified_on or "", finding.rectification_note or "",
             local(finding.closed_at).strftime("%Y-%m-%d") if finding.closed_at else "", finding.close_note or ""]
            for finding in db.session.scalars(findings_statement(filters).limit(EXPORT_LIMIT)))
    headers = ["机构名称", "问题来源", "问题描述", "发现日期", "整改期限", "状态", "是否逾期", "整改日期",
               "整改情况", "销号日期", "销号说明"]
    return Sheet(headers, rows, "整改问题")
