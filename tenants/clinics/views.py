"""Clinics pages under /t/<town>/clinics/: medical units and their record pages, licences, inspections
against 两非, findings and their rectification."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from renkou.errors import NotFoundError
from renkou.imports.exports import xlsx_response
from renkou.tenancy.context import town_editor_required
from renkou.web.forms import FormResult, load_args, submit_form
from tenants.clinics import labels, rules
from tenants.clinics.schemas import (
    FindingListArgs,
    FindingSchema,
    FindingTransitionSchema,
    InspectionFormSchema,
    InspectionListArgs,
    LicenceListArgs,
    LicenceSchema,
    MedicalUnitSchema,
    UnitListArgs,
    items_from_form,
)
from tenants.clinics.services import exports, findings, inspections, licences, units
from tenants.network.services import all_villages, village_choices

bp = Blueprint("clinics", __name__, url_prefix="/clinics", template_folder="templates")


@bp.errorhandler(NotFoundError)
def _not_found(error):
    return render_template("errors/404.html"), 404


@bp.context_processor
def _globals():
    return {"clinic_labels": labels, "clinic_rules": rules, "today": rules.today()}


# ---------------------------------------------------------------------------------------------------------
# Medical units


@bp.get("/")
def index():
    args = load_args(UnitListArgs(), request.args)
    page_number, per_page = args.pop("page"), args.pop("per_page")
    page = units.list_units(units.UnitFilter(**args), page_number, per_page)
    ids = [unit.id for unit in page.items]
    return render_template("clinics/units.html", page=page, args=args, villages=all_villages(),
                           open_findings=findings.open_counts(ids), last_inspected=units.last_inspections(ids))


@bp.get("/export.xlsx")
def export_units():
    """The filtered list of units as a workbook, phones masked; the export is audited."""
    args = _export_args(UnitListArgs())
    return xlsx_response("medical-units.xlsx", exports.export_units(units.UnitFilter(**args)))


def _export_args(schema) -> dict:
    """A list page's filters without its paging: an export holds every row the filters keep."""
    args = load_args(schema, request.args)
    args.pop("page"), args.pop("per_page")
    return args


@bp.get("/<int:unit_id>")
def unit(unit_id: int):
    record = units.read_unit(unit_id)
    return render_template(
        "clinics/unit.html", unit=record,
        inspections=inspections.list_inspections(inspections.InspectionFilter(unit_id=record.id), 1, 200).items,
        findings=findings.list_findings(findings.FindingFilter(status="all", unit_id=record.id), 1, 200).items,
        history=units.unit_history(record))


@bp.route("/new", methods=["GET", "POST"])
@town_editor_required
def new_unit():
    return _unit_form(None)


@bp.route("/<int:unit_id>/edit", methods=["GET", "POST"])
@town_editor_required
def edit_unit(unit_id: int):
    # The form shows the full phone number, so opening it is a read of the record like the record page.
    return _unit_form(units.read_unit(unit_id) if request.method == "GET" else units.get_unit(unit_id))


def _unit_form(record):
    result = FormResult()
    if request.method == "POST":
        formdata = request.form.copy()
        formdata["services"] = ",".join(request.form.getlist("services"))
        formdata["active"] = "true" if request.form.get("active") == "y" else "false"

        def save(data):
            return units.create_unit(data) if record is None else units.update_unit(record, data)

        result = submit_form(MedicalUnitSchema(), save, formdata=formdata)
        if result.saved is not None:
            record = result.saved
            flash(_("%(name)s saved.", name=record.name), "success")
            if record.active and record.restricted_offered:
                names = "、".join(str(labels.SERVICE[code]) for code in record.restricted_offered)
                flash(_("This kind of unit may not provide: %(services)s. A finding asks it to stop.",
                        services=names), "error")
            return redirect(url_for(".unit", unit_id=record.id))
    if request.method == "POST":
        form, offered = request.form, request.form.getlist("services")
    elif record is None:
        form, offered = {"village_id": request.args.get("village_id", ""), "active": "y"}, []
    else:
        form, offered = _unit_values(record), record.services
    private_restricted = "、".join(str(labels.SERVICE[code])
                                  for code in rules.restricted_services("private", rules.today()))
    return render_template("clinics/unit_form.html", unit=record, form=form, offered=offered, errors=result.errors,
                           villages=village_choices(), private_restricted=private_restricted), result.status


def _unit_values(record) -> dict:
    return {"kind": record.kind, "name": record.name, "village_id": str(record.village_id or ""),
            "address": record.address, "contact_name": record.contact_name or "",
            "contact_phone": record.contact_phone or "", "active": "y" if record.active else ""}


# ---------------------------------------------------------------------------------------------------------
# Licences


@bp.get("/licences/")
def licences_list():
    """Licences of every unit; expiring ones (≤ 30 days, configuration) and expired ones stand out."""
    args = load_args(LicenceListArgs(), request.args)
    page_number, per_page = args.pop("page"), args.pop("per_page")
    page = licences.list_licences(licences.LicenceFilter(**args), page_number, per_page)
    return render_template("clinics/licences.html", page=page, args=args, units=units.unit_choices(args["unit_id"]),
                           warning_days=rules.expiry_warning_days(rules.today()))


@bp.get("/licences/export.xlsx")
def export_licences():
    """The filtered licences as a workbook; the export is audited."""
    args = _export_args(LicenceListArgs())
    return xlsx_response("clinic-licences.xlsx", exports.export_licences(licences.LicenceFilter(**args)))


@bp.route("/<int:unit_id>/licences/new", methods=["GET", "POST"])
@town_editor_required
def new_licence(unit_id: int):
    return _licence_form(units.get_unit(unit_id), None)


@bp.route("/licences/<int:licence_id>/edit", methods=["GET", "POST"])
@town_editor_required
def edit_licence(licence_id: int):
    licence = licences.get_licence(licence_id)
    return _licence_form(licence.unit, licence)


def _licence_form(unit_record, licence):
    result = FormResult()
    if request.method == "POST":
        def save(data):
            if licence is None:
                return licences.create_licence({**data, "unit_id": unit_record.id})
            return licences.update_licence(licence, data)

        result = submit_form(LicenceSchema(exclude=("unit_id",)), save)
        if result.saved is not None:
            flash(_("Licence %(number)s saved.", number=result.saved.number), "success")
            return redirect(url_for(".unit", unit_id=unit_record.id))
    if request.method == "POST":
        form = request.form
    elif licence is None:
        form = {"kind": "practice"}
    else:
        form = {key: "" if value is None else str(value) for key, value in (
            ("kind", licence.kind), ("number", licence.number), ("issuer", licence.issuer),
            ("valid_from", licence.valid_from), ("valid_to", licence.valid_to))}
    return render_template("clinics/licence_form.html", unit=unit_record, licence=licence, form=form,
                           errors=result.errors), result.status


@bp.post("/licences/<int:licence_id>/delete")
def delete_licence(licence_id: int):
    licence = licences.get_licence(licence_id)
    unit_id, number = licence.unit_id, licence.number
    licences.delete_licence(licence)
    flash(_("Licence %(number)s deleted.", number=number), "success")
    return redirect(url_for(".unit", unit_id=unit_id))


# ---------------------------------------------------------------------------------------------------------
# Inspections


@bp.get("/inspections/")
def inspections_list():
    """Inspections of a period (default: this year so far) and the coverage of active units in it."""
    args = load_args(InspectionListArgs(), request.args)
    page_number, per_page = args.pop("page"), args.pop("per_page")
    _default_period(args)
    page = inspections.list_inspections(inspections.InspectionFilter(**args), page_number, per_page)
    return render_template("clinics/inspections.html", page=page, args=args,
                           units=units.unit_choices(args["unit_id"]),
                           coverage=inspections.inspection_coverage(args["date_from"], args["date_to"]))


def _default_period(args: dict) -> None:
    """Without dates, the inspections list (and its export) covers this year so far."""
    today = rules.today()
    args["date_from"] = args["date_from"] or date(today.year, 1, 1)
    args["date_to"] = args["date_to"] or today


@bp.get("/inspections/export.xlsx")
def export_inspections():
    """The inspections of the list's period as a workbook; the export is audited."""
    args = _export_args(InspectionListArgs())
    _default_period(args)
    return xlsx_response("clinic-inspections.xlsx", exports.export_inspections(inspections.InspectionFilter(**args)))


@bp.get("/inspections/<int:inspection_id>")
def inspection(inspection_id: int):
    record = inspections.read_inspection(inspection_id)
    return render_template("clinics/inspection.html", inspection=record)


@bp.route("/inspections/new", methods=["GET", "POST"])
@town_editor_required
def new_inspection():
    result = FormResult()
    if request.method == "POST":
        def save(data):
            values, items = items_from_form(data)
            return inspections.create_inspection({**values, "items": items})

        result = submit_form(InspectionFormSchema(), save)
        if result.saved is not None:
            record = result.saved
            if record.findings:
                flash(_("Inspection saved; %(count)s findings raised.", count=len(record.findings)), "error")
            else:
                flash(_("Inspection saved; everything passed."), "success")
            return redirect(url_for(".inspection", inspection_id=record.id))
    form = request.form if request.method == "POST" else {"unit_id": request.args.get("unit_id", ""),
                                                          "inspection_date": rules.today().isoformat()}
    return render_template("clinics/inspection_form.html", form=form, errors=result.errors,
                           units=units.unit_choices(form.get("unit_id")),
                           checklist=rules.checklist_on(rules.today()),
                           deadline_days=rules.rectification_days("inspection", rules.today())), result.status


# ---------------------------------------------------------------------------------------------------------
# Findings


@bp.get("/findings/")
def findings_list():
    args = load_args(FindingListArgs(), request.args)
    page_number, per_page = args.pop("page"), args.pop("per_page")
    page = findings.list_findings(findings.FindingFilter(**args), page_number, per_page)
    return render_template("clinics/findings.html", page=page, args=args, units=units.unit_choices(args["unit_id"]))


@bp.get("/findings/export.xlsx")
def export_findings():
    """The filtered findings as a workbook; the export is audited."""
    args = _export_args(FindingListArgs())
    return xlsx_response("clinic-findings.xlsx", exports.export_findings(findings.FindingFilter(**args)))


@bp.get("/findings/<int:finding_id>")
def finding(finding_id: int):
    return _finding_page(findings.read_finding(finding_id))


def _finding_page(record, result: FormResult | None = None):
    from renkou.audit.services import record_history

    result = result or FormResult()
    return render_template("clinics/finding.html", finding=record, errors=result.errors,
                           form=request.form if request.method == "POST" else {},
                           history=record_history("clinic_finding", record.id)), result.status


@bp.post("/findings/<int:finding_id>/transition")
def finding_transition(finding_id: int):
    record = findings.get_finding(finding_id)
    result = submit_form(FindingTransitionSchema(), lambda data: findings.transition(
        record, data["action"], data.get("rectified_on"), data.get("note")))
    if result.saved is None:
        return _finding_page(record, result)
    flash(_("The finding is now: %(status)s.", status=labels.FINDING_STATUS[record.status]), "success")
    return redirect(url_for(".finding", finding_id=record.id))


@bp.post("/findings/<int:finding_id>/edit")
def edit_finding(finding_id: int):
    record = findings.get_finding(finding_id)
    result = submit_form(FindingSchema(only=("description", "deadline")),
                         lambda data: findings.update_finding(record, data), partial=True)
    if result.saved is None:
        return _finding_page(record, result)
    flash(_("Finding saved."), "success")
    return redirect(url_for(".finding", finding_id=record.id))
