"""Household and people pages."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from renkou.audit.services import record_history
from renkou.errors import NotFoundError, ServiceError
from renkou.imports.exports import xlsx_response
from renkou.redaction import has_id_like
from renkou.tenancy.context import search_by_post, town_editor_required
from renkou.web.forms import FormResult, load_args, load_form, submit_form
from tenants.network.services import all_villages, groups_by_village
from tenants.registry import labels, services
from tenants.registry import resident_id as ids
from tenants.registry.schemas import HouseholdListArgs, HouseholdSchema, PeopleListArgs, PersonSchema

households_bp = Blueprint("households", __name__, url_prefix="/households", template_folder="templates")
people_bp = Blueprint("people", __name__, url_prefix="/people", template_folder="templates")


@households_bp.errorhandler(NotFoundError)
@people_bp.errorhandler(NotFoundError)
def _not_found(error):
    return render_template("errors/404.html"), 404


@people_bp.context_processor
@households_bp.context_processor
def _labels():
    return {"labels": labels}


# ---------------------------------------------------------------------------------------------------------
# Households


@households_bp.get("/")
def index():
    args = load_args(HouseholdListArgs(), request.args)
    return render_template("registry/households.html", page=services.list_households(**args), args=args,
                           villages=all_villages())


@households_bp.get("/export.xlsx")
def export():
    args = load_args(HouseholdListArgs(), request.args)
    return xlsx_response("households.xlsx", services.export_households(args["q"], args["village_id"], args["sort"]))


@households_bp.get("/<int:household_id>")
def show(household_id: int):
    household = services.read_household(household_id)
    return render_template("registry/household.html", household=household,
                           history=record_history("household", household.id))


@households_bp.route("/new", methods=["GET", "POST"])
@town_editor_required
def new():
    return _household_form(None)


@households_bp.route("/<int:household_id>/edit", methods=["GET", "POST"])
@town_editor_required
def edit(household_id: int):
    return _household_form(services.get_household(household_id))


def _household_form(household):
    result = FormResult()
    if request.method == "POST":
        data, errors = load_form(HouseholdSchema(), request.form)
        if data is None:
            result = FormResult.invalid(errors)
        else:
            try:
                if household is None:
                    household = services.create_household(**data)
                else:
                    services.update_household(household, data)
            except ServiceError as error:
                result = FormResult.from_service_error(error)
            else:
                flash(_("Household %(number)s saved.", number=household.number), "success")
                return redirect(url_for(".show", household_id=household.id))
    form = request.form if request.method == "POST" else _household_values(household)
    return render_template("registry/household_form.html", household=household, form=form, errors=result.errors,
                           villages=all_villages(), groups=groups_by_village()), result.status


def _household_values(household) -> dict:
    if household is None:
        return {}
    return {"number": household.number, "village_id": str(household.village_id),
            "group_id": str(household.group_id or ""), "address": household.address}


@households_bp.post("/<int:household_id>/delete")
def delete(household_id: int):
    household = services.get_household(household_id)
    try:
        services.delete_household(household)
    except ServiceError as error:
        flash(" ".join(m for messages in error.errors.values() for m in messages), "error")
        return redirect(url_for(".show", household_id=household_id))
    flash(_("Household %(number)s deleted.", number=household.number), "success")
    return redirect(url_for(".index"))


# ---------------------------------------------------------------------------------------------------------
# People


@people_bp.route("/", methods=["GET", "POST"])
@search_by_post
def people():
    """The list. Its search form POSTs, so that an ID number searched for lands in no URL or access log;
    a search by a whole ID number that finds the person opens their page."""
    args = load_args(PeopleListArgs(), request.form if request.method == "POST" else request.args)
    sort, page_number, per_page = args.pop("sort"), args.pop("page"), args.pop("per_page")
    page = services.list_people(services.PeopleFilter(**args), sort, page_number, per_page)
    if has_id_like(args["q"]):
        if len(page.items) == 1:
            return redirect(url_for(".person", person_id=page.items[0].id), 303)
        flash(_("No person on the register has this ID number."), "error")
        args["q"] = ""  # sort and page links must not carry it
    return render_template("registry/people.html", page=page, args={**args, "sort": sort},
                           villages=all_villages(), title=_("People"), endpoint=".people")


@people_bp.get("/export.xlsx")
def export_people():
    """The filtered list as a workbook, ID numbers and phones masked; the export is audited."""
    args = load_args(PeopleListArgs(), request.args)
    sort = args.pop("sort")
    args.pop("page"), args.pop("per_page")
    return xlsx_response("people.xlsx", services.export_people(services.PeopleFilter(**args), sort))


@people_bp.get("/childbearing-age")
def childbearing_age():
    """Women of childbearing age (育龄妇女), 15–49 on the chosen date; derived, never stored."""
    args = load_args(PeopleListArgs(), request.args)
    as_of = args.get("as_of") or date.today()
    married_only = request.args.get("married") == "1"
    filters = services.childbearing_age_filter(as_of, args.get("village_id"), married_only)
    filters.q = args.get("q", "")
    page = services.list_people(filters, args["sort"], args["page"], args["per_page"])
    return render_template("registry/people.html", page=page, villages=all_villages(),
                           args={**args, "as_of": as_of, "married": married_only}, title=_("Women of childbearing age"),
                           endpoint=".childbearing_age", childbearing=True)


@people_bp.get("/<int:person_id>")
def person(person_id: int):
    record = services.read_person(person_id)
    return render_template("registry/person.html", person=record, full_id=None,
                           history=record_history("person", record.id))


@people_bp.post("/<int:person_id>/reveal")
@town_editor_required
def reveal(person_id: int):
    record = services.read_person(person_id)
    return render_template("registry/person.html", person=record, full_id=services.reveal_resident_id(record),
                           history=record_history("person", record.id))


@people_bp.route("/new", methods=["GET", "POST"])
@town_editor_required
def new_person():
    return _person_form(None)


@people_bp.route("/<int:person_id>/edit", methods=["GET", "POST"])
@town_editor_required
def edit_person(person_id: int):
    # The form shows the stored phone: opening it is a read of the person's record.
    return _person_form(services.read_person(person_id) if request.method == "GET" else
                        services.get_person(person_id))


def _person_form(record):
    result = FormResult()
    if request.method == "POST":
        # Editing: fields left out (a blank ID number) keep their stored value.
        def save(data):
            return services.create_person(data) if record is None else services.update_person(record, data)

        result = submit_form(PersonSchema(), save, partial=record is not None)
        if result.saved is not None:
            record = result.saved
            flash(_("%(name)s saved.", name=record.name), "success")
            return redirect(url_for(".person", person_id=record.id))
    if request.method == "POST":
        form = request.form
    elif record is None:
        form = {"household_id": request.args.get("household_id", "")}
    else:
        form = _person_values(record)
    households = services.list_households(per_page=500).items
    return render_template("registry/person_form.html", person=record, form=form, errors=result.errors,
                           households=households), result.status


def _person_values(record) -> dict:
    # The ID number is never put back into the form: leaving it blank keeps it, typing a new one replaces it.
    return {"name": record.name, "sex": record.sex, "birth_date": record.birth_date.isoformat(),
            "household_id": str(record.household_id or ""), "relation": record.relation,
            "marital_status": record.marital_status, "phone": record.phone or ""}


@people_bp.post("/<int:person_id>/delete")
def delete_person(person_id: int):
    record = services.get_person(person_id)
    services.delete_person(record)
    flash(_("%(name)s deleted.", name=record.name), "success")
    return redirect(url_for(".people"))


@people_bp.app_template_filter("mask_id")
def _mask_id(value: str | None) -> str:
    return ids.mask(value)


@people_bp.app_template_filter("age_on")
def _age_on(person, day: date | None = None) -> int:
    return person.age_on(day or date.today())
