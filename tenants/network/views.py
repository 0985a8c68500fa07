"""Village pages: list, create, edit, delete."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from renkou.errors import NotFoundError, ServiceError
from renkou.tenancy.context import town_editor_required
from renkou.web.forms import FormResult, load_args, submit_form
from tenants.network import (
    labels,  # noqa: F401  (registers the area's audit labels)
    services,
)
from tenants.network.schemas import VillageListArgs, VillageSchema

bp = Blueprint("villages", __name__, url_prefix="/villages", template_folder="templates")


@bp.errorhandler(NotFoundError)
def _not_found(error):
    return render_template("errors/404.html"), 404


@bp.get("/")
def index():
    args = load_args(VillageListArgs(), request.args)
    return render_template("network/villages.html", page=services.list_villages(**args), args=args,
                           group_counts=services.group_counts_by_village(),
                           staff_counts=services.staff_counts_by_village())


@bp.route("/new", methods=["GET", "POST"])
@town_editor_required
def new():
    result = FormResult()
    if request.method == "POST":
        result = submit_form(VillageSchema(), lambda data: services.create_village(**data))
        if result.saved is not None:
            village = result.saved
            flash(_("Village %(name)s added.", name=village.name), "success")
            return redirect(url_for(".index"))
    return render_template("network/village_form.html", village=None, form=request.form,
                           errors=result.errors), result.status


@bp.route("/<int:village_id>/edit", methods=["GET", "POST"])
@town_editor_required
def edit(village_id: int):
    village = services.get_village(village_id)
    result = FormResult()
    if request.method == "POST":
        result = submit_form(VillageSchema(), lambda data: services.update_village(village, data))
        if result.saved is not None:
            flash(_("Village %(name)s saved.", name=village.name), "success")
            return redirect(url_for(".index"))
    form = request.form if request.method == "POST" else {"code": village.code, "name": village.name}
    return render_template("network/village_form.html", village=village, form=form,
                           errors=result.errors), result.status


@bp.post("/<int:village_id>/delete")
def delete(village_id: int):
    village = services.get_village(village_id)
    try:
        services.delete_village(village)
    except ServiceError as error:
        flash(" ".join(m for messages in error.errors.values() for m in messages), "error")
        return redirect(url_for(".index"))
    flash(_("Village %(name)s deleted.", name=village.name), "success")
    return redirect(url_for(".index"))
