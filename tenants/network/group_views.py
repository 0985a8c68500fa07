"""Village group pages (村民小组): list by village, add, edit, delete."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from renkou.errors import NotFoundError, ServiceError
from renkou.imports.exports import xlsx_response
from renkou.tenancy.context import town_editor_required
from renkou.web.forms import FormResult, load_args, load_form
from tenants.network import group_services as services
from tenants.network.schemas import GroupListArgs, GroupSchema
from tenants.network.services import all_villages, village_choices

bp = Blueprint("groups", __name__, url_prefix="/groups", template_folder="templates")


@bp.errorhandler(NotFoundError)
def _not_found(error):
    return render_template("errors/404.html"), 404


@bp.get("/")
def index():
    args = load_args(GroupListArgs(), request.args)
    page = services.list_groups(**args)
    return render_template("network/groups.html", page=page, args=args, villages=all_villages(),
                           household_counts=services.household_counts(page.items))


@bp.get("/export.xlsx")
def export():
    """The filtered list as a workbook; the export is audited."""
    args = load_args(GroupListArgs(), request.args)
    args.pop("page"), args.pop("per_page")
    return xlsx_response("village-groups.xlsx", services.export_groups(**args))


@bp.route("/new", methods=["GET", "POST"])
@town_editor_required
def new():
    return _group_form(None)


@bp.route("/<int:group_id>/edit", methods=["GET", "POST"])
@town_editor_required
def edit(group_id: int):
    return _group_form(services.get_group(group_id))


def _group_form(group):
    result = FormResult()
    if request.method == "POST":
        data, errors = load_form(GroupSchema(), request.form)
        if data is None:
            result = FormResult.invalid(errors)
        else:
            try:
                if group is None:
                    group = services.create_group(**data)
                else:
                    services.update_group(group, data)
            except ServiceError as error:
                result = FormResult.from_service_error(error)
            else:
                flash(_("Village group %(name)s saved.", name=group.name), "success")
                return redirect(url_for(".index", village_id=group.village_id))
    if request.method == "POST":
        form = request.form
    elif group is None:
        form = {"village_id": request.args.get("village_id", "")}
    else:
        form = {"village_id": str(group.village_id), "code": group.code, "name": group.name}
    return render_template("network/group_form.html", group=group, form=form, errors=result.errors,
                           villages=village_choices()), result.status


@bp.post("/<int:group_id>/delete")
def delete(group_id: int):
    group = services.get_group(group_id)
    village_id = group.village_id
    try:
        services.delete_group(group)
    except ServiceError as error:
        flash(" ".join(m for messages in error.errors.values() for m in messages), "error")
        return redirect(url_for(".index", village_id=village_id))
    flash(_("Village group %(name)s deleted.", name=group.name), "success")
    return redirect(url_for(".index", village_id=village_id))
