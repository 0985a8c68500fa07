"""Liaison household pages under /t/<town>/association/liaisons/: the list (with its export), one liaison,
assigning households of a village to a member, and changing or ending a liaison."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from renkou.audit.services import record_history
from renkou.errors import NotFoundError, ServiceError
from renkou.imports.exports import xlsx_response
from renkou.schemas import messages_of
from renkou.tenancy.context import town_editor_required
from renkou.web.forms import FormResult, load_args, submit_form
from tenants.association.schemas import LiaisonAssignSchema, LiaisonListArgs, LiaisonUpdateSchema
from tenants.association.services import liaisons, members
from tenants.association.services.common import today
from tenants.association.views import not_found, template_globals
from tenants.network.services import all_villages
from tenants.registry.services import village_households

bp = Blueprint("association_liaisons", __name__, url_prefix="/association/liaisons", template_folder="templates")
bp.register_error_handler(NotFoundError, not_found)
bp.context_processor(template_globals)


def _filters() -> tuple[liaisons.LiaisonFilter, str, int, int, dict]:
    args = load_args(LiaisonListArgs(), request.args)
    sort, page_number, per_page = args.pop("sort"), args.pop("page"), args.pop("per_page")
    return liaisons.LiaisonFilter(**args), sort, page_number, per_page, {**args, "sort": sort}


@bp.get("/")
def index():
    filters, sort, page_number, per_page, args = _filters()
    page = liaisons.list_liaisons(filters, sort, page_number, per_page)
    return render_template("association/liaisons.html", page=page, args=args, villages=all_villages(),
                           today=today())


@bp.get("/export.xlsx")
def export():
    """The filtered liaisons as a workbook, members' names masked; the export is audited."""
    filters, sort, _page, _per_page, _args = _filters()
    return xlsx_response("association-liaisons.xlsx", liaisons.export_liaisons(filters, sort))


@bp.get("/<int:liaison_id>")
def show(liaison_id: int):
    liaison = liaisons.get_liaison(liaison_id)
    return render_template("association/liaison.html", liaison=liaison, today=today(),
                           history=record_history(liaisons.RECORD_TYPE, liaison.id))


@bp.route("/new", methods=["GET", "POST"])
@town_editor_required
def new():
    """Choose the village first (the page reloads with its households), then the member and the households."""
    result = FormResult()
    if request.method == "POST":
        result = submit_form(LiaisonAssignSchema(exclude=("household_ids",)), _assign)
        if result.saved is not None:
            flash(_("Liaison households assigned: %(count)s.", count=len(result.saved)), "success")
            return redirect(url_for("town.association.member", association_member_id=result.saved[0].member_id))
        form, chosen = request.form, set(request.form.getlist("household_ids"))
    else:
        form = {"start_date": today().isoformat(), "village_id": request.args.get("village_id", ""),
                "member_id": request.args.get("association_member_id", "")}
        chosen = set()
    village_id = int(form["village_id"]) if str(form.get("village_id", "")).isdigit() else None
    if village_id is None and str(form.get("member_id", "")).isdigit():
        try:
            village_id = members.get_member(int(form["member_id"])).village_id
        except NotFoundError:
            village_id = None  # a member id that is not there: the form lists no member as chosen
        form = {**form, "village_id": str(village_id or "")}
    return render_template("association/liaison_form.html", form=form, errors=result.errors, chosen=chosen,
                           villages=all_villages(), members=members.active_members(village_id),
                           households=village_households(village_id) if village_id else []), result.status


def _assign(data: dict):
    try:
        chosen = LiaisonAssignSchema(only=("household_ids",)).load(
            {"household_ids": request.form.getlist("household_ids")})
    except ValidationError as invalid:
        raise ServiceError(messages_of(invalid)) from invalid
    return liaisons.assign_households(household_ids=chosen["household_ids"], **data)


@bp.route("/<int:liaison_id>/edit", methods=["GET", "POST"])
@town_editor_required
def edit(liaison_id: int):
    liaison = liaisons.get_liaison(liaison_id)
    result = FormResult()
    if request.method == "POST":
        result = submit_form(LiaisonUpdateSchema(), lambda data: liaisons.update_liaison(
            liaison, {"end_date": None, "note": "", **data}))
        if result.saved is not None:
            flash(_("Liaison with household %(number)s saved.", number=liaison.household.number), "success")
            return redirect(url_for(".show", liaison_id=liaison.id))
    form = request.form if request.method == "POST" else {
        "start_date": liaison.start_date.isoformat(),
        "end_date": liaison.end_date.isoformat() if liaison.end_date else "",
        "note": liaison.note}
    return render_template("association/liaison_edit.html", liaison=liaison, form=form,
                           errors=result.errors), result.status


@bp.post("/<int:liaison_id>/delete")
def delete(liaison_id: int):
    liaison = liaisons.get_liaison(liaison_id)
    member_id = liaison.member_id
    liaisons.delete_liaison(liaison)
    flash(_("Liaison with household %(number)s deleted.", number=liaison.household.number), "success")
    return redirect(url_for("town.association.member", association_member_id=member_id))
