"""Responsibility agreement pages under /t/<town>/governance/agreements/: the list by year with the
agreement coverage, the record page with items and scan, the agreement form and the year-end evaluation.

The agreement form has one row per item (``items-<n>-description`` …); blank rows are skipped, and
"More rows" shows the form again, as typed, with three more.
"""

from __future__ import annotations

import io
import re

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from renkou.audit.services import record_history
from renkou.errors import NotFoundError, ServiceError
from renkou.imports.exports import xlsx_response
from renkou.schemas import messages_of
from renkou.tenancy.context import town_editor_required
from renkou.web.forms import FormResult, load_args, load_form, submit_form
from tenants.governance import labels, rules
from tenants.governance.schemas import (
    AgreementItemSchema,
    AgreementListArgs,
    AgreementSchema,
    EvaluationSchema,
    ItemScoreSchema,
)
from tenants.governance.services import agreements as services
from tenants.governance.services import exports
from tenants.network.services import all_villages, village_choices

bp = Blueprint("agreements", __name__, url_prefix="/governance/agreements", template_folder="templates")

ITEM_ROW = re.compile(r"^items-(\d+)-(description|weight|target|veto|veto_kind)$")
BLANK_ROWS = 3
MAX_ROWS = 60


@bp.errorhandler(NotFoundError)
def _not_found(error):
    return render_template("errors/404.html"), 404


@bp.context_processor
def _globals():
    return {"governance_labels": labels, "veto_kinds": {kind: labels.VETO_KIND[kind] for kind in rules.VETO_KINDS}}


@bp.get("/")
def index():
    args = load_args(AgreementListArgs(), request.args)
    args["year"] = args["year"] or services.today().year
    page_number, per_page = args.pop("page"), args.pop("per_page")
    page = services.list_agreements(services.AgreementFilter(**args), page_number, per_page)
    return render_template("governance/agreements.html", page=page, args=args, villages=all_villages(),
                           years=sorted({*services.agreement_years(), args["year"]}, reverse=True),
                           coverage=services.agreement_coverage(args["year"]),
                           without=services.villages_without_agreement(args["year"]))


@bp.get("/export.xlsx")
def export():
    """The agreements of the list's year (default this year) as a workbook, one row per item; audited."""
    args = load_args(AgreementListArgs(), request.args)
    args["year"] = args["year"] or services.today().year
    args.pop("page"), args.pop("per_page")
    return xlsx_response("responsibility-agreements.xlsx", exports.export_agreements(services.AgreementFilter(**args)))


@bp.get("/<int:agreement_id>")
def show(agreement_id: int):
    return _record_page(services.get_agreement(agreement_id))


def _record_page(agreement, errors: dict | None = None, status: int = 200):
    return render_template("governance/agreement.html", agreement=agreement, errors=errors or {},
                           scan_limit=services.size_text(services.scan_limit()),
                           history=record_history(services.RECORD_TYPE, agreement.id)), status


@bp.route("/new", methods=["GET", "POST"])
@town_editor_required
def new():
    return _agreement_form(None)


@bp.route("/<int:agreement_id>/edit", methods=["GET", "POST"])
@town_editor_required
def edit(agreement_id: int):
    return _agreement_form(services.get_agreement(agreement_id))


def _agreement_form(agreement):
    result = FormResult()
    rows = None
    if request.method == "POST" and request.form.get("add_rows"):
        rows = min(_row_count(request.form) + BLANK_ROWS, MAX_ROWS)  # only show more rows; nothing is saved
    elif request.method == "POST":
        def save(data):
            items, rows = _item_rows(request.form)
            try:
                if agreement is None:
                    return services.create_agreement({**data, "items": items})
                return services.update_agreement(agreement, {**data, "items": items})
            except ServiceError as error:  # the service counts the filled rows; the page counts all rows
                error.errors = {_row_key(key, rows): messages for key, messages in error.errors.items()}
                raise

        result = submit_form(AgreementSchema(exclude=("items",)), save)
        if result.saved is not None:
            flash(_("Agreement with %(party)s saved.", party=result.saved.party_name), "success")
            return redirect(url_for(".show", agreement_id=result.saved.id))
        if not any(key.startswith("items") for key in result.errors):
            try:  # the header was wrong: say what is wrong with the rows at the same time
                _item_rows(request.form)
            except ServiceError as error:
                result.errors.update(error.errors)
    if request.method == "POST":
        form = request.form
    elif agreement is None:
        form = {"year": str(services.today().year), "village_id": request.args.get("village_id", "")}
    else:
        form = _agreement_values(agreement)
    rows = rows or max(_row_count(form) + (0 if request.method == "POST" else BLANK_ROWS), BLANK_ROWS)
    return render_template("governance/agreement_form.html", agreement=agreement, form=form, errors=result.errors,
                           rows=rows, villages=village_choices()), result.status


def _agreement_values(agreement) -> dict:
    values = {"year": str(agreement.year), "village_id": str(agreement.village_id or ""),
              "agency_name": agreement.agency_name or "",
              "signed_on": agreement.signed_on.isoformat() if agreement.signed_on else ""}
    for index, item in enumerate(agreement.items):
        values.update({f"items-{index}-description": item.description, f"items-{index}-weight": str(item.weight),
                       f"items-{index}-target": item.target, f"items-{index}-veto": "y" if item.veto else "",
                       f"items-{index}-veto_kind": item.veto_kind or ""})
    return values


def _row_count(form) -> int:
    indices = [int(match.group(1)) for key in form if (match := ITEM_ROW.match(key))]
    return max(indices) + 1 if indices else 0


def _item_rows(form) -> tuple[list[dict], list[int]]:
    """The filled rows of the form as items, and the row number of each; a ServiceError keyed
    "items.<row>.<field>" when a row is wrong."""
    items, rows, errors = [], [], {}
    for index in range(min(_row_count(form), MAX_ROWS)):
        row = MultiDict({field: form.get(f"items-{index}-{field}", "")
                         for field in ("description", "weight", "target", "veto_kind")})
        if not any(value.strip() for value in row.values()) and form.get(f"items-{index}-veto") != "y":
            continue
        if form.get(f"items-{index}-veto") == "y":
            row["veto"] = "y"
        data, row_errors = load_form(AgreementItemSchema(), row)
        for field, messages in row_errors.items():
            errors[f"items.{index}.{field}"] = messages
        items.append(data)
        rows.append(index)
    if not items and not errors:
        errors["items"] = [_("Add at least one item.")]
    if errors:
        raise ServiceError(errors)
    return items, rows


def _row_key(key: str, rows: list[int]) -> str:
    """"items.<n>.<field>" of the n-th filled row → the same key with the row's number on the page."""
    parts = key.split(".")
    if len(parts) == 3 and parts[0] == "items" and parts[1].isdigit() and int(parts[1]) < len(rows):
        parts[1] = str(rows[int(parts[1])])
    return ".".join(parts)


@bp.post("/<int:agreement_id>/delete")
def delete(agreement_id: int):
    agreement = services.get_agreement(agreement_id)
    services.delete_agreement(agreement)
    flash(_("Agreement with %(party)s deleted.", party=agreement.party_name), "success")
    return redirect(url_for(".index", year=agreement.year))


# ---------------------------------------------------------------------------------------------------------
# The scan


@bp.post("/<int:agreement_id>/scan")
def upload_scan(agreement_id: int):
    """A multipart form with the file in ``scan``; its type comes from its content, never its name."""
    agreement = services.get_agreement(agreement_id)
    upload = request.files.get("scan")
    try:
        if upload is None or not upload.filename:
            raise ServiceError.on("scan", _("Choose a file to upload."))
        services.attach_scan(agreement, upload.stream.read(services.scan_limit() + 1))
    except ServiceError as error:
        result = FormResult.from_service_error(error)
        return _record_page(agreement, result.errors, result.status)
    flash(_("The scan of the signed agreement is saved."), "success")
    return redirect(url_for(".show", agreement_id=agreement.id))


@bp.get("/<int:agreement_id>/scan")
def download_scan(agreement_id: int):
    scan = services.download_scan(agreement_id)
    return send_file(io.BytesIO(scan.content), mimetype=scan.content_type, as_attachment=True,
                     download_name=scan.filename, max_age=0)


# ---------------------------------------------------------------------------------------------------------
# The year-end evaluation


@bp.route("/<int:agreement_id>/evaluation", methods=["GET", "POST"])
@town_editor_required
def evaluation(agreement_id: int):
    agreement = services.get_agreement(agreement_id)
    result = FormResult()
    if request.method == "POST":
        def save(data):
            return services.evaluate(agreement, data["evaluator"], _scores(agreement, request.form),
                                     data.get("evaluated_on"), data.get("note"))

        result = submit_form(EvaluationSchema(exclude=("items",)), save)
        if result.saved is not None:
            outcome = labels.OUTCOME[agreement.outcome]
            score = format(agreement.total_score, "g")
            flash(_("Evaluation saved: %(score)s points, %(outcome)s.", score=score, outcome=outcome), "success")
            return redirect(url_for(".show", agreement_id=agreement.id))
    if request.method == "POST":
        form = request.form
    else:
        form = {"evaluated_on": (agreement.evaluated_on or services.today()).isoformat(),
                "evaluator": agreement.evaluator or "", "note": agreement.evaluation_note or ""}
        for item in agreement.items:
            form[f"score-{item.id}"] = "" if item.score is None else f"{item.score:g}"
            form[f"veto_triggered-{item.id}"] = "y" if item.veto_triggered else ""
    return render_template("governance/evaluation_form.html", agreement=agreement, form=form,
                           errors=result.errors), result.status


def _scores(agreement, form) -> list[dict]:
    """One entry per item of the agreement, in its order (so an error "items.<n>" is the n-th row)."""
    scores, errors = [], {}
    for index, item in enumerate(agreement.items):
        raw = {"item_id": item.id, "score": (form.get(f"score-{item.id}") or "").strip(),
               "veto_triggered": form.get(f"veto_triggered-{item.id}") == "y"}
        if raw["score"] == "":
            errors[f"items.{index}.score"] = [_("This field is required.")]
            continue
        try:
            scores.append(ItemScoreSchema().load(raw))
        except ValidationError as error:
            for field, messages in messages_of(error).items():
                errors[f"items.{index}.{field}"] = messages
    if errors:
        raise ServiceError(errors)
    return scores
