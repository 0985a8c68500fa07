"""County pages of bureau submissions (/county/submissions): the list, building one, its detail.

County administrators build, send, resend and correct; county viewers read. The pages read the shared
schema only. While a revision is queued or being sent, its page follows the delivery (static/app.js).
"""

from __future__ import annotations

import io
import json

from flask import Blueprint, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from renkou.accounts.access import county_role_required
from renkou.accounts.roles import COUNTY_ADMIN, COUNTY_VIEWER
from renkou.audit import services as audit
from renkou.errors import ServiceError
from renkou.imports.exports import XLSX_MIMETYPE
from renkou.indicators.periods import PeriodError, parse, period_containing
from renkou.submissions import definitions, formats, labels, progress, services
from renkou.submissions.assembly import NotReady
from renkou.submissions.models import IN_FLIGHT, SETTLED
from renkou.submissions.schemas import CorrectionSchema, SubmissionCreateSchema, SubmissionListArgs
from renkou.targets.period_input import label as period_label
from renkou.targets.period_input import stat_year_start_month, today
from renkou.web.forms import FormResult, load_args, load_form

bp = Blueprint("submissions", __name__, url_prefix="/county/submissions", template_folder="templates")
READERS = (COUNTY_ADMIN, COUNTY_VIEWER)


@bp.context_processor
def _globals():
    return {"state_labels": labels.STATE_LABELS, "report_labels": labels.REPORTS, "period_label": _period_label,
            "in_flight": IN_FLIGHT, "settled": SETTLED}


def _period_label(period_id: str) -> str:
    try:
        return period_label(parse(period_id))
    except PeriodError:
        return period_id


@bp.get("")
@county_role_required(*READERS)
def index():
    args = load_args(SubmissionListArgs(), request.args)
    filters = services.SubmissionFilter(report=args["report"], state=args["state"], q=args["q"])
    page = services.list_submissions(filters, args["sort"], args["page"], args["per_page"])
    return render_template("submissions/list.html", page=page, args=args, counts=services.state_counts())


def last_ended_periods() -> dict[str, str]:
    """For each report, the latest period that has ended: what the county most likely submits next."""
    current = {report: period_containing(kind, today(), stat_year_start_month())
               for report, kind in definitions.PERIOD_KIND.items()}
    return {report: period.previous().id for report, period in current.items()}


def _render_new(result: FormResult, form=None, missing=None):
    suggestions = last_ended_periods()
    form = form or {"report": definitions.MONTHLY, "period": suggestions[definitions.MONTHLY]}
    return render_template("submissions/new.html", form=form, errors=result.errors, missing=missing or [],
                           suggestions=suggestions), result.status


@bp.get("/new")
@county_role_required(COUNTY_ADMIN)
def new():
    form = None
    if request.args.get("report") in definitions.REPORTS:
        form = {"report": request.args["report"],
                "period": request.args.get("period") or last_ended_periods()[request.args["report"]]}
    return _render_new(FormResult(), form)


@bp.post("/new")
@county_role_required(COUNTY_ADMIN)
def create():
    data, errors = load_form(SubmissionCreateSchema(), request.form)
    if data is None:
        return _render_new(FormResult.invalid(errors), request.form)
    try:
        submission = services.build(data["report"], data["period"], current_user)
    except NotReady as refused:
        return _render_new(FormResult.from_service_error(refused), request.form, refused.missing)
    except ServiceError as error:
        return _render_new(FormResult.from_service_error(error), request.form)
    flash(_("Revision %(revision)s of the %(report)s for %(period)s is built. Check it, then send it.",
            revision=submission.revision, report=labels.REPORTS[submission.report],
            period=_period_label(submission.period)), "success")
    return redirect(url_for(".detail", submission_id=submission.id))


def _render_detail(submission, errors=None, status: int = 200, form=None):
    definition = services.definition_of(submission)
    json_text = formats.to_json(submission.payload)
    return render_template(
        "submissions/detail.html", submission=submission, definition=definition,
        source_labels=labels.source_labels(definition), revisions=services.revisions(submission),
        json_preview=_pretty_json(json_text), adx_preview=services.rendered(submission, "adx")[0].decode("utf-8"),
        errors=errors or {}, form=form or {}, delivery=progress.of(submission)), status


def _pretty_json(raw: bytes) -> str:
    return json.dumps(json.loads(raw), ensure_ascii=False, indent=2)


@bp.get("/<int:submission_id>")
@county_role_required(*READERS)
def detail(submission_id: int):
    return _render_detail(services.get(submission_id))


@bp.get("/<int:submission_id>/status")
@county_role_required(*READERS)
def status(submission_id: int):
    """The revision's state, polled by its page while it is being delivered."""
    submission = services.get(submission_id)
    delivery = progress.of(submission)
    return jsonify({"state": submission.state, "attempts": len(submission.attempts), "job": delivery.job,
                    "reason": delivery.reason})


@bp.get("/<int:submission_id>/payload.json")
@county_role_required(*READERS)
def payload_json(submission_id: int):
    return _download(services.get(submission_id), "json")


@bp.get("/<int:submission_id>/payload.xml")
@county_role_required(*READERS)
def payload_adx(submission_id: int):
    return _download(services.get(submission_id), "adx")


def _download(submission, fmt: str):
    content, content_type = services.rendered(submission, fmt)
    extension = "xml" if fmt == "adx" else "json"
    return send_file(io.BytesIO(content), mimetype=content_type, as_attachment=True,
                     download_name=f"{submission.report}-{submission.period}-r{submission.revision}.{extension}")


@bp.get("/<int:submission_id>/export.xlsx")
@county_role_required(*READERS)
def export(submission_id: int):
    submission = services.get(submission_id)
    definition = services.definition_of(submission)
    content = formats.to_xlsx(submission, definition, labels.source_labels(definition))
    audit.record("submission.export", town_code=None, record_type="submission", record_id=submission.id,
                 detail={"report": submission.report, "period": submission.period, "revision": submission.revision})
    return send_file(io.BytesIO(content), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=f"{submission.report}-{submission.period}-r{submission.revision}.xlsx")


def _act(submission_id: int, action, done_message: str):
    submission = services.get(submission_id)
    try:
        action(submission)
    except ServiceError as error:
        return _render_detail(submission, errors=error.errors, status=error.status_code)
    flash(done_message, "success")
    return redirect(url_for(".detail", submission_id=submission.id))


@bp.post("/<int:submission_id>/send")
@county_role_required(COUNTY_ADMIN)
def send(submission_id: int):
    return _act(submission_id, lambda submission: services.send(submission, current_user),
                _("Queued for the bureau. This page follows the delivery."))


@bp.post("/<int:submission_id>/resend")
@county_role_required(COUNTY_ADMIN)
def resend(submission_id: int):
    return _act(submission_id, lambda submission: services.resend(submission, current_user),
                _("Queued again under the same idempotency key: the bureau stores this revision once."))


@bp.post("/<int:submission_id>/correct")
@county_role_required(COUNTY_ADMIN)
def correct(submission_id: int):
    submission = services.get(submission_id)
    data, errors = load_form(CorrectionSchema(), request.form)
    if data is None:
        return _render_detail(submission, errors=errors, status=422, form=request.form)
    try:
        corrected = services.correct(submission, data["reason"], current_user)
    except NotReady as refused:
        message = [refused.errors["period"][0]] + [f"{item.town_name}: {', '.join(item.months)}"
                                                   for item in refused.missing]
        return _render_detail(submission, errors={"reason": message}, status=422, form=request.form)
    except ServiceError as error:
        return _render_detail(submission, errors=error.errors, status=error.status_code, form=request.form)
    flash(_("Revision %(revision)s is built from the approved figures. Check it, then send it.",
            revision=corrected.revision), "success")
    return redirect(url_for(".detail", submission_id=corrected.id))

