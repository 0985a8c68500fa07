"""Governance pages under /t/<town>/governance/: the leadership group (领导小组) and its members.

Agreements (agreement_views) and cadre duties (duty_views) have blueprints of their own under the same
prefix; the three share the sub-navigation in governance/_parts.html.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from renkou.audit.services import record_history
from renkou.errors import NotFoundError
from renkou.imports.exports import xlsx_response
from renkou.tenancy.context import town_editor_required
from renkou.web.forms import FormResult, load_args, submit_form
from tenants.governance import labels
from tenants.governance.schemas import LeadershipMemberSchema, MemberListArgs
from tenants.governance.services import exports
from tenants.governance.services import members as services

bp = Blueprint("governance", __name__, url_prefix="/governance", template_folder="templates")


@bp.errorhandler(NotFoundError)
def _not_found(error):
    return render_template("errors/404.html"), 404


@bp.context_processor
def _globals():
    return {"governance_labels": labels}


@bp.get("/")
def index():
    """The leadership group: members in the group's order, phones masked."""
    args = load_args(MemberListArgs(), request.args)
    return render_template("governance/members.html", page=services.list_members(**args), args=args)


@bp.get("/export.xlsx")
def export_members():
    """The leadership group as a workbook, phones masked; the export is audited."""
    args = load_args(MemberListArgs(), request.args)
    return xlsx_response("leadership-group.xlsx", exports.export_members(args["active"]))


@bp.get("/members/<int:member_id>")
def member(member_id: int):
    record = services.read_member(member_id)
    return render_template("governance/member.html", member=record,
                           history=record_history(services.RECORD_TYPE, record.id))


@bp.route("/members/new", methods=["GET", "POST"])
@town_editor_required
def new_member():
    return _member_form(None)


@bp.route("/members/<int:member_id>/edit", methods=["GET", "POST"])
@town_editor_required
def edit_member(member_id: int):
    # The form shows the full phone number: opening it is a read of the record, like the record page.
    return _member_form(services.read_member(member_id) if request.method == "GET" else services.get_member(member_id))


def _member_form(record):
    result = FormResult()
    if request.method == "POST":
        def save(data):
            data["active"] = request.form.get("active") == "y"
            return services.create_member(data) if record is None else services.update_member(record, data)

        result = submit_form(LeadershipMemberSchema(), save)
        if result.saved is not None:
            flash(_("%(name)s saved.", name=result.saved.name), "success")
            return redirect(url_for(".member", member_id=result.saved.id))
    if request.method == "POST":
        form = request.form
    elif record is None:
        form = {"group_role": "member", "sort_order": "0", "active": "y"}
    else:
        form = {"name": record.name, "position": record.position, "group_role": record.group_role,
                "phone": record.phone or "", "sort_order": str(record.sort_order),
                "active": "y" if record.active else ""}
    return render_template("governance/member_form.html", member=record, form=form,
                           errors=result.errors), result.status


@bp.post("/members/<int:member_id>/delete")
def delete_member(member_id: int):
    record = services.get_member(member_id)
    services.delete_member(record)
    flash(_("%(name)s deleted.", name=record.name), "success")
    return redirect(url_for(".index"))
