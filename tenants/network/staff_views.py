"""Village staff pages (村级工作人员): list by village, record page, add, edit, deactivate."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from renkou.audit.services import record_history
from renkou.errors import NotFoundError
from renkou.imports.exports import xlsx_response
from renkou.schemas import mask_phone
from renkou.tenancy.context import town_editor_required
from renkou.web.forms import FormResult, load_args, submit_form
from tenants.network import staff_services as services
from tenants.network.schemas import StaffListArgs, StaffSchema
from tenants.network.services import all_villages, village_choices

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates")


@bp.errorhandler(NotFoundError)
def _not_found(error):
    return render_template("errors/404.html"), 404


@bp.get("/")
def index():
    args = load_args(StaffListArgs(), request.args)
    return render_template("network/staff.html", page=services.list_staff(**args), args=args,
                           villages=all_villages())


@bp.get("/<int:staff_id>")
def show(staff_id: int):
    staff = services.read_staff(staff_id)
    return render_template("network/staff_member.html", staff=staff, history=record_history("staff", staff.id))


@bp.get("/export.xlsx")
def export():
    """The filtered list as a workbook; the export is audited."""
    args = load_args(StaffListArgs(), request.args)
    args.pop("page"), args.pop("per_page")
    return xlsx_response("village-staff.xlsx", services.export_staff(**args))


@bp.route("/new", methods=["GET", "POST"])
@town_editor_required
def new():
    return _staff_form(None)


@bp.route("/<int:staff_id>/edit", methods=["GET", "POST"])
@town_editor_required
def edit(staff_id: int):
    # The form shows the full phone number, so opening it is a read of the record like the record page.
    return _staff_form(services.read_staff(staff_id) if request.method == "GET" else services.get_staff(staff_id))


def _staff_form(staff):
    result = FormResult()
    if request.method == "POST":
        # Whether someone still works here is changed by the deactivate/activate buttons, not by the form.
        def save(data):
            return services.create_staff(**data) if staff is None else services.update_staff(staff, data)

        result = submit_form(StaffSchema(exclude=("active",)), save)
        if result.saved is not None:
            staff = result.saved
            flash(_("%(name)s saved.", name=staff.name), "success")
            return redirect(url_for(".show", staff_id=staff.id))
    if request.method == "POST":
        form = request.form
    elif staff is None:
        form = {"village_id": request.args.get("village_id", "")}
    else:
        form = {"village_id": str(staff.village_id), "name": staff.name, "position": staff.position,
                "duties": staff.duties, "phone": staff.phone or ""}
    return render_template("network/staff_form.html", staff=staff, form=form, errors=result.errors,
                           villages=village_choices()), result.status


@bp.post("/<int:staff_id>/deactivate")
def deactivate(staff_id: int):
    staff = services.set_active(services.get_staff(staff_id), False)
    flash(_("%(name)s is marked as no longer working here.", name=staff.name), "success")
    return redirect(url_for(".show", staff_id=staff_id))


@bp.post("/<int:staff_id>/activate")
def activate(staff_id: int):
    staff = services.set_active(services.get_staff(staff_id), True)
    flash(_("%(name)s is marked as working here again.", name=staff.name), "success")
    return redirect(url_for(".show", staff_id=staff_id))


@bp.post("/<int:staff_id>/delete")
def delete(staff_id: int):
    staff = services.get_staff(staff_id)
    services.delete_staff(staff)
    flash(_("%(name)s deleted.", name=staff.name), "success")
    return redirect(url_for(".index"))


@bp.app_template_filter("mask_phone")
def _mask_phone(value: str | None) -> str:
    return mask_phone(value) or ""
