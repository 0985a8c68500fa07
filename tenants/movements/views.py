"""Deaths and moves pages under /t/<town>/movements/: the list with the population, a new entry, cancel."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from renkou.errors import NotFoundError, ServiceError
from renkou.imports.exports import xlsx_response
from renkou.tenancy.context import town_editor_required
from renkou.web.forms import FormResult, load_args, load_form
from tenants.movements import labels, services
from tenants.movements.schemas import NEW_PERSON_FIELDS, MovementCancelSchema, MovementFormSchema, MovementListArgs
from tenants.network.services import all_villages
from tenants.registry import labels as registry_labels
from tenants.registry.services import list_households

bp = Blueprint("movements", __name__, url_prefix="/movements", template_folder="templates")

# A new resident is entered when any of these is filled in (relation and marital status have defaults).
NEW_PERSON_SIGNS = ("name", "resident_id", "sex", "birth_date", "household_id", "phone")


@bp.errorhandler(NotFoundError)
def _not_found(error):
    return render_template("errors/404.html"), 404


@bp.context_processor
def _globals():
    return {"movement_labels": labels, "labels": registry_labels}


@bp.get("/")
def index():
    args = load_args(MovementListArgs(), request.args)
    page_number, per_page = args.pop("page"), args.pop("per_page")
    page = services.list_movements(services.MovementFilter(**args), page_number, per_page)
    return render_template("movements/movements.html", page=page, args=args, villages=all_villages(),
                           summary=_population_summary(args))


@bp.get("/export.xlsx")
def export():
    """The filtered list as a workbook, ID numbers masked; the export is audited."""
    args = load_args(MovementListArgs(), request.args)
    args.pop("page"), args.pop("per_page")
    return xlsx_response("deaths-and-moves.xlsx", services.export_movements(services.MovementFilter(**args)))


def _population_summary(args: dict) -> dict:
    """The population at the ends of the chosen period (or today), and its mean population."""
    start, end = args.get("date_from"), args.get("date_to") or services.today()
    village_id = args.get("village_id")
    summary = {"end": end, "end_population": services.population(end, village_id)}
    if start and start <= end:
        summary.update(start=start, start_population=services.population(start, village_id),
                       mean=services.mean_population(start, end, village_id),
                       deaths=services.deaths(start, end, village_id))
    return summary


@bp.route("/new", methods=["GET", "POST"])
@town_editor_required
def new():
    result = FormResult()
    if request.method == "POST":
        data, errors = load_form(MovementFormSchema(), request.form)
        if data is not None:
            person = {field: data.pop(field, None) for field in NEW_PERSON_FIELDS}
            if any(person.get(field) for field in NEW_PERSON_SIGNS):
                if not person.get("name"):
                    errors = {"name": [_("Give the new resident's name.")]}
                data["person"] = person
        if errors:
            result = FormResult.invalid(errors)
        else:
            try:
                movement = services.record_movement(**data)
            except ServiceError as error:
                result = FormResult.from_service_error(error)
            else:
                flash(_("%(kind)s of %(name)s recorded.", kind=labels.KIND[movement.kind],
                        name=movement.person.name), "success")
                return redirect(url_for(".index", person_id=movement.person_id))
    form = request.form if request.method == "POST" else {
        "person_id": request.args.get("person_id", ""), "kind": request.args.get("kind", "death"),
        "event_date": services.today().isoformat()}
    q = request.args.get("q", "").strip()
    return render_template("movements/movement_form.html", form=form, errors=result.errors, q=q,
                           people=services.person_choices(q, form.get("person_id")),
                           households=list_households(per_page=500).items), result.status


@bp.post("/<int:movement_id>/cancel")
def cancel(movement_id: int):
    movement = services.get_movement(movement_id)
    data, errors = load_form(MovementCancelSchema(), request.form)
    try:
        if data is None:
            raise ServiceError(errors)
        services.cancel_movement(movement, data.get("reason"))
    except ServiceError as error:
        flash(" ".join(m for messages in error.errors.values() for m in messages), "error")
    else:
        flash(_("The entry is cancelled."), "success")
    return redirect(url_for(".index", person_id=movement.person_id, state="all"))
