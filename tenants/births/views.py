"""Births pages: registrations, births, birth notices and follow-up tasks under /t/<town>/births/."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from renkou.audit.services import record_history
from renkou.errors import NotFoundError, ServiceError
from renkou.imports.exports import xlsx_response
from renkou.tenancy.context import town_editor_required
from renkou.web.forms import FormResult, load_args, load_form, submit_form
from tenants.births import labels, rules
from tenants.births.schemas import (
    BirthListArgs,
    BirthNoticeFormSchema,
    BirthNoticeListArgs,
    BirthRegistrationListArgs,
    BirthRegistrationSchema,
    BirthRegistrationTransitionSchema,
    BirthSchema,
    FollowUpTaskDoneSchema,
    FollowUpTaskListArgs,
)
from tenants.births.services import births as birth_services
from tenants.births.services import common, registrations, tasks
from tenants.network.services import all_villages

bp = Blueprint("births", __name__, url_prefix="/births", template_folder="templates")

NOTICE_BIRTH_FIELDS = ("mother_id", "child_name", "sex", "weight_grams", "place_type", "place_name", "birth_order")


@bp.errorhandler(NotFoundError)
def _not_found(error):
    return render_template("errors/404.html"), 404


@bp.context_processor
def _globals():
    return {"birth_labels": labels, "today": rules.today()}


# ---------------------------------------------------------------------------------------------------------
# Birth registration


@bp.get("/registrations/")
def registrations_list():
    args = load_args(BirthRegistrationListArgs(), request.args)
    sort, page_number, per_page = args.pop("sort"), args.pop("page"), args.pop("per_page")
    page = registrations.list_registrations(registrations.RegistrationFilter(**args), sort, page_number, per_page)
    return render_template("births/registrations.html", page=page, args=args, villages=all_villages())


@bp.get("/registrations/export.xlsx")
def export_registrations():
    """The filtered list as a workbook, ID numbers masked; the export is audited."""
    args = load_args(BirthRegistrationListArgs(), request.args)
    sort = args.pop("sort")
    args.pop("page"), args.pop("per_page")
    sheet = registrations.export_registrations(registrations.RegistrationFilter(**args), sort)
    return xlsx_response("birth-registrations.xlsx", sheet)


@bp.get("/registrations/<int:registration_id>")
def registration(registration_id: int):
    return _registration_page(registrations.read_registration(registration_id))


def _registration_page(record, errors: dict | None = None, status: int = 200):
    return render_template("births/registration.html", registration=record, errors=errors or {},
                           history=record_history("birth_registration", record.id)), status


@bp.post("/registrations/<int:registration_id>/transition")
def transition(registration_id: int):
    record = registrations.get_registration(registration_id)
    data, errors = load_form(BirthRegistrationTransitionSchema(), request.form)
    if data is None:
        return _registration_page(record, errors, 422)
    try:
        registrations.transition(record, data["action"], data.get("reason"))
    except ServiceError as error:
        result = FormResult.from_service_error(error)
        return _registration_page(record, result.errors, result.status)
    flash(_("The application is now: %(status)s.", status=labels.REGISTRATION_STATUS[record.status]), "success")
    return redirect(url_for(".registration", registration_id=record.id))


@bp.route("/registrations/new", methods=["GET", "POST"])
@town_editor_required
def new_registration():
    return _registration_form(None)


@bp.route("/registrations/<int:registration_id>/edit", methods=["GET", "POST"])
@town_editor_required
def edit_registration(registration_id: int):
    return _registration_form(registrations.get_registration(registration_id))


def _registration_form(record):
    result = FormResult()
    if request.method == "POST":
        data, errors = load_form(BirthRegistrationSchema(), request.form, partial=record is not None)
        if data is None:
            result = FormResult.invalid(errors)
        else:
            data["self_declared"] = request.form.get("self_declared") == "y"
            try:
                if record is None:
                    record = registrations.create_registration(data)
                else:
                    registrations.update_registration(record, data)
            except ServiceError as error:
                result = FormResult.from_service_error(error)
            else:
                flash(_("Application for %(name)s saved.", name=record.mother.name), "success")
                return redirect(url_for(".registration", registration_id=record.id))
    if request.method == "POST":
        form = request.form
    elif record is None:
        form = {"mother_id": request.args.get("mother_id", ""), "applied_on": rules.today().isoformat(),
                "timing": "before_birth", "child_order": "1", "self_declared": "y"}
    else:
        form = _registration_values(record)
    q = request.args.get("q", "").strip()
    return render_template("births/registration_form.html", registration=record, form=form, errors=result.errors,
                           mothers=common.mother_choices(q, form.get("mother_id")), q=q,
                           fathers=common.possible_fathers(form.get("father_id"))), result.status


def _registration_values(record) -> dict:
    values = {"mother_id": record.mother_id, "father_id": record.father_id or "", "father_name": record.father_name,
              "timing": record.timing, "expected_date": record.expected_date,
              "child_birth_date": record.child_birth_date, "child_order": record.child_order,
              "applied_on": record.applied_on, "self_declared": "y" if record.self_declared else ""}
    return {key: "" if value is None else str(value) for key, value in values.items()}


# ---------------------------------------------------------------------------------------------------------
# Births


@bp.get("/")
def births_list():
    args = load_args(BirthListArgs(), request.args)
    page_number, per_page = args.pop("page"), args.pop("per_page")
    page = birth_services.list_births(birth_services.BirthFilter(**args), page_number, per_page)
    return render_template("births/births.html", page=page, args=args, villages=all_villages())


@bp.get("/export.xlsx")
def export_births():
    args = load_args(BirthListArgs(), request.args)
    args.pop("page"), args.pop("per_page")
    return xlsx_response("births.xlsx", birth_services.export_births(birth_services.BirthFilter(**args)))


@bp.get("/<int:birth_id>")
def birth(birth_id: int):
    record = birth_services.read_birth(birth_id)
    return render_template("births/birth.html", birth=record, registered=tasks.has_registration(record),
                           history=record_history("birth", record.id))


@bp.route("/new", methods=["GET", "POST"])
@town_editor_required
def new_birth():
    result = FormResult()
    if request.method == "POST":
        result = submit_form(BirthSchema(), lambda data: birth_services.create_birth(data))
        if result.saved is not None:
            record = result.saved
            flash(_("Birth recorded."), "success")
            return redirect(url_for(".birth", birth_id=record.id))
    form = request.form if request.method == "POST" else {"place_type": "hospital",
                                                          "mother_id": request.args.get("mother_id", "")}
    q = request.args.get("q", "").strip()
    return render_template("births/birth_form.html", form=form, errors=result.errors, q=q,
                           mothers=common.mother_choices(q, form.get("mother_id"))), result.status


# ---------------------------------------------------------------------------------------------------------
# Birth notices


@bp.get("/notices/")
def notices():
    args = load_args(BirthNoticeListArgs(), request.args)
    page = birth_services.list_notices(args["on_time"], args["page"], args["per_page"])
    return render_template("births/notices.html", page=page, args=args)


@bp.get("/notices/export.xlsx")
def export_notices():
    args = load_args(BirthNoticeListArgs(), request.args)
    return xlsx_response("birth-notices.xlsx", birth_services.export_notices(args["on_time"]))


@bp.route("/notices/new", methods=["GET", "POST"])
@town_editor_required
def new_notice():
    result = FormResult()
    if request.method == "POST":
        data, errors = load_form(BirthNoticeFormSchema(), request.form)
        if data is None:
            result = FormResult.invalid(errors)
        else:
            birth_values = {field: data.pop(field, None) for field in NOTICE_BIRTH_FIELDS}
            try:
                notice = birth_services.receive_notice(**data, birth=None if data.get("birth_id") else birth_values)
            except ServiceError as error:
                result = FormResult.from_service_error(error)
            else:
                flash(_("Birth notice received; %(count)s follow-up tasks opened.", count=len(notice.tasks)),
                      "success")
                return redirect(url_for(".birth", birth_id=notice.birth_id))
    form = request.form if request.method == "POST" else {"place_type": "hospital",
                                                          "birth_id": request.args.get("birth_id", "")}
    q = request.args.get("q", "").strip()
    return render_template("births/notice_form.html", form=form, errors=result.errors, q=q,
                           births=birth_services.recent_births(), staff=tasks.village_staff(),
                           mothers=common.mother_choices(q, form.get("mother_id"))), result.status


# ---------------------------------------------------------------------------------------------------------
# Follow-up tasks


@bp.get("/tasks/")
def tasks_list():
    args = load_args(FollowUpTaskListArgs(), request.args)
    page_number, per_page = args.pop("page"), args.pop("per_page")
    page = tasks.list_tasks(tasks.TaskFilter(**args), page_number, per_page)
    return render_template("births/tasks.html", page=page, args=args, villages=all_villages(),
                           staff=tasks.village_staff())


@bp.get("/tasks/export.xlsx")
def export_tasks():
    args = load_args(FollowUpTaskListArgs(), request.args)
    args.pop("page"), args.pop("per_page")
    return xlsx_response("follow-up-tasks.xlsx", tasks.export_tasks(tasks.TaskFilter(**args)))


@bp.post("/tasks/<int:task_id>/done")
def task_done(task_id: int):
    task = tasks.get_task(task_id)
    data, errors = load_form(FollowUpTaskDoneSchema(), request.form)
    try:
        if data is None:
            raise ServiceError(errors)
        tasks.complete_task(task, data.get("note"))
    except ServiceError as error:
        flash(" ".join(m for messages in error.errors.values() for m in messages), "error")
    else:
        flash(_("Task done: %(kind)s.", kind=labels.TASK_KIND[task.kind]), "success")
    return redirect(_back_to_tasks(request.form.get("next", "")))


def _back_to_tasks(target: str) -> str:
    """Back to the page the task was done on (its filters kept), if it is one of this town's births pages."""
    home = url_for(".births_list")
    if target.startswith(home) and "//" not in target and "\\" not in target:
        return target
    return url_for(".tasks_list")
