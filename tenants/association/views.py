"""Association pages under /t/<town>/association/: the members (list, record, form, export) and the summary
per village. Homes and groups (org_views) and liaison households (liaison_views) have blueprints of
their own under the same prefix; all share the sub-navigation in association/_parts.html."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from renkou.audit.services import record_history
from renkou.errors import NotFoundError
from renkou.imports.exports import xlsx_response
from renkou.tenancy.context import town_editor_required
from renkou.web.forms import FormResult, load_args, submit_form
from tenants.association import labels
from tenants.association.schemas import MemberListArgs, MemberSchema, SummaryArgs
from tenants.association.services import groups, liaisons, members, summary
from tenants.association.services.common import today
from tenants.network.services import all_villages
from tenants.registry import services as registry
from tenants.registry.resident_id import mask_name

bp = Blueprint("association", __name__, url_prefix="/association", template_folder="templates")
PERSON_MATCHES = 20


def not_found(error):
    return render_template("errors/404.html"), 404


def template_globals():
    return {"association_labels": labels, "mask_name": mask_name}


bp.register_error_handler(NotFoundError, not_found)
bp.context_processor(template_globals)


def _member_filters() -> tuple[members.MemberFilter, str, int, int, dict]:
    args = load_args(MemberListArgs(), request.args)
    sort, page_number, per_page = args.pop("sort"), args.pop("page"), args.pop("per_page")
    return members.MemberFilter(**args), sort, page_number, per_page, {**args, "sort": sort}


@bp.get("/")
def index():
    """Members, names and phones masked; the listing is audited."""
    filters, sort, page_number, per_page, args = _member_filters()
    return render_template("association/members.html", page=members.list_members(filters, sort, page_number, per_page),
                           args=args, villages=all_villages(), groups=groups.all_groups())


@bp.get("/members/export.xlsx")
def export_members():
    """The filtered members as a workbook, names and phones masked; the export is audited."""
    filters, sort, _page, _per_page, _args = _member_filters()
    return xlsx_response("association-members.xlsx", members.export_members(filters, sort))


@bp.get("/members/<int:association_member_id>")
def member(association_member_id: int):
    record = members.read_member(association_member_id)
    return render_template("association/member.html", member=record, liaisons=liaisons.member_liaisons(record.id),
                           history=record_history(members.RECORD_TYPE, record.id), today=today())


@bp.route("/members/new", methods=["GET", "POST"])
@town_editor_required
def new_member():
    return _member_form(None)


@bp.route("/members/<int:association_member_id>/edit", methods=["GET", "POST"])
@town_editor_required
def edit_member(association_member_id: int):
    # The form shows the full name and phone: opening it is a read of the record, like the record page.
    return _member_form(members.read_member(association_member_id) if request.method == "GET"
                        else members.get_member(association_member_id))


def _member_form(record):
    """The person is picked from the registry (searched above the form) or the name is typed."""
    result = FormResult()
    if request.method == "POST":
        def save(data):
            return members.create_member(data) if record is None else members.update_member(record, data)

        result = submit_form(MemberSchema(), save)
        if result.saved is not None:
            flash(_("Member %(number)s saved.", number=result.saved.member_number), "success")
            return redirect(url_for(".member", association_member_id=result.saved.id))
    if request.method == "POST":
        form = request.form
    elif record is None:
        form = {"joined_on": today().isoformat(), "role": "member", "status": "active",
                "person_id": request.args.get("person_id", ""), "group_id": request.args.get("group_id", "")}
    else:
        form = {"member_number": record.member_number, "person_id": str(record.person_id or ""),
                "name": "" if record.person_id else record.name, "phone": record.phone or "",
                "village_id": str(record.village_id or ""), "group_id": str(record.group_id or ""),
                "joined_on": record.joined_on.isoformat(), "role": record.role, "status": record.status,
                "left_on": record.left_on.isoformat() if record.left_on else "", "note": record.note}
    person_q = request.values.get("person_q", "").strip()[:64]
    matches = registry.list_people(registry.PeopleFilter(q=person_q), per_page=PERSON_MATCHES).items if person_q else []
    chosen = form.get("person_id", "")
    chosen_person = None
    if chosen.isdigit() and not any(str(person.id) == chosen for person in matches):
        try:
            chosen_person = registry.get_person(int(chosen))
        except NotFoundError:
            pass  # the form says why (the service refused the id)
    return render_template("association/member_form.html", member=record, form=form, errors=result.errors,
                           person_q=person_q, matches=matches, chosen_person=chosen_person,
                           villages=all_villages(), groups=groups.all_groups()), result.status


@bp.post("/members/<int:association_member_id>/delete")
def delete_member(association_member_id: int):
    record = members.get_member(association_member_id)
    members.delete_member(record)
    flash(_("Member %(number)s deleted.", number=record.member_number), "success")
    return redirect(url_for(".index"))


@bp.get("/summary")
def summary_page():
    """Members, groups, homes and liaison coverage per village and for the town, on a day (default today)."""
    as_of = load_args(SummaryArgs(), request.args)["as_of"]
    result = summary.summary(as_of)
    chart = [(row.village_name, row.percent or 0) for row in result.villages]
    return render_template("association/summary.html", summary=result, chart=chart)
