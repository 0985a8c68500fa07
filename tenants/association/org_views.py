"""Association pages for member homes (/t/<town>/association/homes/) and member groups
(/t/<town>/association/groups/): lists, record pages and forms."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from renkou.audit.services import record_history
from renkou.errors import NotFoundError, ServiceError
from renkou.tenancy.context import town_editor_required
from renkou.web.forms import FormResult, load_args, submit_form
from tenants.association.schemas import GroupListArgs, HomeListArgs, MemberGroupSchema, MemberHomeSchema
from tenants.association.services import groups, homes
from tenants.association.views import not_found, template_globals
from tenants.network.services import all_villages

homes_bp = Blueprint("association_homes", __name__, url_prefix="/association/homes", template_folder="templates")
groups_bp = Blueprint("association_groups", __name__, url_prefix="/association/groups", template_folder="templates")
for _blueprint in (homes_bp, groups_bp):
    _blueprint.register_error_handler(NotFoundError, not_found)
    _blueprint.context_processor(template_globals)


def _list_args(schema) -> tuple[dict, str, int, int]:
    args = load_args(schema, request.args)
    return args, args.pop("sort"), args.pop("page"), args.pop("per_page")


def _checked(name: str) -> bool:
    return request.form.get(name) == "y"


# ---------------------------------------------------------------------------------------------------------
# Member homes


@homes_bp.get("/")
def index():
    args, sort, page_number, per_page = _list_args(HomeListArgs())
    page = homes.list_homes(homes.HomeFilter(**args), sort, page_number, per_page)
    return render_template("association/homes.html", page=page, args={**args, "sort": sort},
                           villages=all_villages())


@homes_bp.get("/<int:home_id>")
def show(home_id: int):
    home = homes.get_home(home_id)
    return render_template("association/home.html", home=home, groups=homes.groups_meeting_at(home.id),
                           history=record_history(homes.RECORD_TYPE, home.id))


@homes_bp.route("/new", methods=["GET", "POST"])
@town_editor_required
def new():
    return _home_form(None)


@homes_bp.route("/<int:home_id>/edit", methods=["GET", "POST"])
@town_editor_required
def edit(home_id: int):
    return _home_form(homes.get_home(home_id))


def _home_form(home):
    result = FormResult()
    if request.method == "POST":
        def save(data):
            data["active"] = _checked("active")
            return homes.create_home(data) if home is None else homes.update_home(home, data)

        result = submit_form(MemberHomeSchema(), save)
        if result.saved is not None:
            flash(_("%(name)s saved.", name=result.saved.name), "success")
            return redirect(url_for(".show", home_id=result.saved.id))
    if request.method == "POST":
        form = request.form
    elif home is None:
        form = {"active": "y", "village_id": request.args.get("village_id", "")}
    else:
        form = {"name": home.name, "village_id": str(home.village_id or ""), "address": home.address,
                "opened_on": home.opened_on.isoformat() if home.opened_on else "", "facilities": home.facilities,
                "active": "y" if home.active else ""}
    return render_template("association/home_form.html", home=home, form=form, errors=result.errors,
                           villages=all_villages()), result.status


@homes_bp.post("/<int:home_id>/delete")
def delete(home_id: int):
    home = homes.get_home(home_id)
    homes.delete_home(home)
    flash(_("%(name)s deleted.", name=home.name), "success")
    return redirect(url_for(".index"))


# ---------------------------------------------------------------------------------------------------------
# Member groups


@groups_bp.get("/")
def groups_index():
    args, sort, page_number, per_page = _list_args(GroupListArgs())
    page = groups.list_groups(groups.GroupFilter(**args), sort, page_number, per_page)
    return render_template("association/groups.html", page=page, args={**args, "sort": sort},
                           villages=all_villages(), homes=homes.all_homes(),
                           counts=groups.member_counts([group.id for group in page.items]))


@groups_bp.get("/<int:member_group_id>")
def group(member_group_id: int):
    record = groups.get_group(member_group_id)
    return render_template("association/group.html", group=record, members=groups.group_members(record.id),
                           history=record_history(groups.RECORD_TYPE, record.id))


@groups_bp.route("/new", methods=["GET", "POST"])
@town_editor_required
def new_group():
    return _group_form(None)


@groups_bp.route("/<int:member_group_id>/edit", methods=["GET", "POST"])
@town_editor_required
def edit_group(member_group_id: int):
    return _group_form(groups.get_group(member_group_id))


def _group_form(record):
    """The leader is chosen among the members of the group's village: the village is picked first (the page
    reloads with its members) when the group is new."""
    result = FormResult()
    if request.method == "POST":
        def save(data):
            return groups.create_group(data) if record is None else groups.update_group(record, data)

        result = submit_form(MemberGroupSchema(), save)
        if result.saved is not None:
            flash(_("%(name)s saved.", name=result.saved.name), "success")
            return redirect(url_for(".group", member_group_id=result.saved.id))
    if request.method == "POST":
        form = request.form
    elif record is None:
        form = {"village_id": request.args.get("village_id", ""), "home_id": request.args.get("home_id", "")}
    else:
        form = {"name": record.name, "village_id": str(record.village_id), "home_id": str(record.home_id or ""),
                "leader_id": str(record.leader_id or ""),
                "founded_on": record.founded_on.isoformat() if record.founded_on else ""}
    village_id = form.get("village_id", "")
    leaders = groups.leader_choices(int(village_id) if str(village_id).isdigit() else None,
                                    record.id if record else None)
    return render_template("association/group_form.html", group=record, form=form, errors=result.errors,
                           villages=all_villages(), homes=homes.all_homes(), leaders=leaders), result.status


@groups_bp.post("/<int:member_group_id>/delete")
def delete_group(member_group_id: int):
    record = groups.get_group(member_group_id)
    try:
        groups.delete_group(record)
    except ServiceError as error:
        flash(" ".join(m for messages in error.errors.values() for m in messages), "error")
        return redirect(url_for(".group", member_group_id=member_group_id))
    flash(_("%(name)s deleted.", name=record.name), "success")
    return redirect(url_for(".groups_index"))
