"""Clinics in the JSON API under /api/v1/towns/<slug>/clinics: units, licences, inspections, findings,
and the inspection coverage of a period. Contact phones are masked except in the (audited) read of one
unit."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, request

from renkou.api.helpers import json_body, list_response
from renkou.web.forms import load_args
from tenants.clinics import rules
from tenants.clinics.schemas import (
    CoverageArgs,
    CoverageSchema,
    FindingListArgs,
    FindingSchema,
    FindingTransitionSchema,
    InspectionListArgs,
    InspectionSchema,
    LicenceListArgs,
    LicenceSchema,
    LicenceUpdateSchema,
    MedicalUnitSchema,
    MedicalUnitUpdateSchema,
    UnitListArgs,
)
from tenants.clinics.services import findings, inspections, licences, units

bp = Blueprint("clinics_api", __name__, url_prefix="/clinics")


# ---------------------------------------------------------------------------------------------------------
# Medical units


@bp.get("")
def list_units():
    """The town's medical units by name, contact phones masked.
    ---
    get:
      tags: [clinics]
      parameters:
        - {in: query, name: q, schema: {type: string}, description: part of the name or address}
        - {in: query, name: kind, schema: {type: string, enum: [health_centre, village_clinic, private, hospital]}}
        - {in: query, name: village_id, schema: {type: integer}}
        - {in: query, name: active, schema: {type: boolean}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of units, content: {application/json: {schema: MedicalUnitPageSchema}}}
    """
    args = load_args(UnitListArgs(), request.args)
    page_number, per_page = args.pop("page"), args.pop("per_page")
    return list_response(units.list_units(units.UnitFilter(**args), page_number, per_page), MedicalUnitSchema())


@bp.post("")
def create_unit():
    """Add a medical unit. Kinds: health_centre (乡镇卫生院), village_clinic (村卫生室), private
    (个体诊所/民营医疗机构), hospital (医院). Services: delivery, iud_insertion, iud_removal, termination,
    sterilisation, ultrasound, prenatal_care, contraceptive_supply, child_health, outpatient. A private
    clinic offering delivery, IUD insertion or removal, termination or sterilisation gets a finding for each.
    ---
    post:
      tags: [clinics]
      requestBody: {content: {application/json: {schema: MedicalUnitSchema}}}
      responses:
        201: {description: added (phone masked), content: {application/json: {schema: MedicalUnitSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    data = MedicalUnitSchema().load(json_body())
    return MedicalUnitSchema().dump(units.create_unit(data)), 201


@bp.get("/<int:unit_id>")
def get_unit(unit_id: int):
    """One medical unit with its contact person's full phone number; the read is audited.
    ---
    get:
      tags: [clinics]
      parameters: [{in: path, name: unit_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: the unit, content: {application/json: {schema: MedicalUnitSchema}}}
        404: {description: no such unit in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    return MedicalUnitSchema(full_phone=True).dump(units.read_unit(unit_id))


@bp.patch("/<int:unit_id>")
def update_unit(unit_id: int):
    """Change a unit; `services` replaces the whole list; `{"active": false}` records that it has closed.
    Saving again raises no second finding for a restricted service whose finding is not closed.
    ---
    patch:
      tags: [clinics]
      parameters: [{in: path, name: unit_id, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: MedicalUnitUpdateSchema}}}
      responses:
        200: {description: the changed unit (phone masked), content: {application/json: {schema: MedicalUnitSchema}}}
        404: {description: no such unit in this town, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    unit = units.get_unit(unit_id)
    changes = MedicalUnitUpdateSchema().load(json_body(), partial=True)
    return MedicalUnitSchema().dump(units.update_unit(unit, changes))


# ---------------------------------------------------------------------------------------------------------
# Licences


@bp.get("/licences")
def list_licences():
    """Licences of every unit, soonest end first. `state`: expired (past `valid_to`), expiring (`valid_to`
    at most 30 days away, configuration) or valid, on today.
    ---
    get:
      tags: [clinics]
      parameters:
        - {in: query, name: unit_id, schema: {type: integer}}
        - {in: query, name: kind, schema: {type: string, enum: [practice, maternal_infant, family_planning, radiology,
            other]}}
        - {in: query, name: state, schema: {type: string, enum: [valid, expiring, expired]}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of licences, content: {application/json: {schema: LicencePageSchema}}}
    """
    args = load_args(LicenceListArgs(), request.args)
    page_number, per_page = args.pop("page"), args.pop("per_page")
    return list_response(licences.list_licences(licences.LicenceFilter(**args), page_number, per_page),
                         LicenceSchema())


@bp.post("/licences")
def create_licence():
    """Record a unit's licence.
    ---
    post:
      tags: [clinics]
      requestBody: {content: {application/json: {schema: LicenceSchema}}}
      responses:
        201: {description: recorded, content: {application/json: {schema: LicenceSchema}}}
        409: {description: the licence number is recorded, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    data = LicenceSchema().load(json_body())
    return LicenceSchema().dump(licences.create_licence(data)), 201


@bp.get("/licences/<int:licence_id>")
def get_licence(licence_id: int):
    """One licence.
    ---
    get:
      tags: [clinics]
      parameters: [{in: path, name: licence_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: the licence, content: {application/json: {schema: LicenceSchema}}}
        404: {description: no such licence in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    return LicenceSchema().dump(licences.get_licence(licence_id))


@bp.patch("/licences/<int:licence_id>")
def update_licence(licence_id: int):
    """Change a licence (a renewal: the new `valid_to`).
    ---
    patch:
      tags: [clinics]
      parameters: [{in: path, name: licence_id, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: LicenceUpdateSchema}}}
      responses:
        200: {description: the changed licence, content: {application/json: {schema: LicenceSchema}}}
        404: {description: no such licence in this town, content: {application/json: {schema: ErrorsSchema}}}
        409: {description: the licence number is recorded, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    licence = licences.get_licence(licence_id)
    changes = LicenceUpdateSchema().load(json_body(), partial=True)
    return LicenceSchema().dump(licences.update_licence(licence, changes))


@bp.delete("/licences/<int:licence_id>")
def delete_licence(licence_id: int):
    """Delete a licence entered by mistake.
    ---
    delete:
      tags: [clinics]
      parameters: [{in: path, name: licence_id, required: true, schema: {type: integer}}]
      responses:
        204: {description: deleted}
        404: {description: no such licence in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    licences.delete_licence(licences.get_licence(licence_id))
    return "", 204


# ---------------------------------------------------------------------------------------------------------
# Inspections


@bp.get("/inspections")
def list_inspections():
    """Inspections against 两非, latest first.
    ---
    get:
      tags: [clinics]
      parameters:
        - {in: query, name: unit_id, schema: {type: integer}}
        - {in: query, name: date_from, schema: {type: string, format: date}}
        - {in: query, name: date_to, schema: {type: string, format: date}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of inspections, content: {application/json: {schema: InspectionPageSchema}}}
    """
    args = load_args(InspectionListArgs(), request.args)
    page_number, per_page = args.pop("page"), args.pop("per_page")
    return list_response(inspections.list_inspections(inspections.InspectionFilter(**args), page_number, per_page),
                         InspectionSchema())


@bp.post("/inspections")
def create_inspection():
    """Record an inspection. `items` answers every checklist item in force on the date once: ultrasound_register
    (超声使用登记), chromosome_testing (染色体检测), termination_drugs (终止妊娠药品管理), termination_register
    (终止妊娠手术登记查验), notice_posted (禁止两非公示), staff_commitment (两非承诺书); `result` pass, fail or
    na; a failed item needs a `note` (else an error on `<code>_note`) and raises a finding, returned in
    `findings`.
    ---
    post:
      tags: [clinics]
      requestBody: {content: {application/json: {schema: InspectionSchema}}}
      responses:
        201: {description: recorded, content: {application/json: {schema: InspectionSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    data = InspectionSchema().load(json_body())
    return InspectionSchema().dump(inspections.create_inspection(data)), 201


@bp.get("/inspections/<int:inspection_id>")
def get_inspection(inspection_id: int):
    """One inspection with its items and findings.
    ---
    get:
      tags: [clinics]
      parameters: [{in: path, name: inspection_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: the inspection, content: {application/json: {schema: InspectionSchema}}}
        404: {description: no such inspection in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    return InspectionSchema().dump(inspections.read_inspection(inspection_id))


@bp.get("/coverage")
def coverage():
    """Inspection coverage (医疗机构巡查覆盖率) of `start`–`end` (default: this year so far): active units
    inspected in the period / active units.
    ---
    get:
      tags: [clinics]
      parameters:
        - {in: query, name: start, schema: {type: string, format: date}}
        - {in: query, name: end, schema: {type: string, format: date}}
      responses:
        200: {description: numerator and denominator, content: {application/json: {schema: CoverageSchema}}}
    """
    args = load_args(CoverageArgs(), request.args)
    today = rules.today()
    start, end = args["start"] or date(today.year, 1, 1), args["end"] or today
    result = inspections.inspection_coverage(start, end)
    return CoverageSchema().dump({"start": start, "end": end, "inspected": result.inspected, "units": result.units,
                                  "percent": result.percent})


# ---------------------------------------------------------------------------------------------------------
# Findings


@bp.get("/findings")
def list_findings():
    """Findings, soonest deadline first (default: open ones). `overdue=1`: open after the deadline.
    ---
    get:
      tags: [clinics]
      parameters:
        - {in: query, name: status, schema: {type: string, enum: [open, rectified, closed, all]}}
        - {in: query, name: overdue, schema: {type: integer, enum: [0, 1]}}
        - {in: query, name: source, schema: {type: string, enum: [service, inspection]}}
        - {in: query, name: unit_id, schema: {type: integer}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of findings, content: {application/json: {schema: FindingPageSchema}}}
    """
    args = load_args(FindingListArgs(), request.args)
    page_number, per_page = args.pop("page"), args.pop("per_page")
    return list_response(findings.list_findings(findings.FindingFilter(**args), page_number, per_page),
                         FindingSchema())


@bp.get("/findings/<int:finding_id>")
def get_finding(finding_id: int):
    """One finding.
    ---
    get:
      tags: [clinics]
      parameters: [{in: path, name: finding_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: the finding, content: {application/json: {schema: FindingSchema}}}
        404: {description: no such finding in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    return FindingSchema().dump(findings.read_finding(finding_id))


@bp.patch("/findings/<int:finding_id>")
def update_finding(finding_id: int):
    """Change the description or deadline of a finding that is not closed.
    ---
    patch:
      tags: [clinics]
      parameters: [{in: path, name: finding_id, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: FindingSchema}}}
      responses:
        200: {description: the changed finding, content: {application/json: {schema: FindingSchema}}}
        404: {description: no such finding in this town, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, or closed, content: {application/json: {schema: ErrorsSchema}}}
    """
    finding = findings.get_finding(finding_id)
    changes = FindingSchema().load(json_body(), partial=True)
    return FindingSchema().dump(findings.update_finding(finding, changes))


@bp.post("/findings/<int:finding_id>/transitions")
def transition_finding(finding_id: int):
    """`rectify` an open finding (`rectified_on`, default today, and a `note`) or `close` a rectified one.
    A restricted-service finding is rectified only once the unit's record no longer shows the service.
    ---
    post:
      tags: [clinics]
      parameters: [{in: path, name: finding_id, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: FindingTransitionSchema}}}
      responses:
        200: {description: the finding after the step, content: {application/json: {schema: FindingSchema}}}
        404: {description: no such finding in this town, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input or not possible now, content: {application/json: {schema: ErrorsSchema}}}
    """
    finding = findings.get_finding(finding_id)
    data = FindingTransitionSchema().load(json_body())
    return FindingSchema().dump(findings.transition(finding, data["action"], data.get("rectified_on"),
                                                    data.get("note")))
