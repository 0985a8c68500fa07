"""Bureau submissions in the JSON API: /api/v1/submissions. County administrators build and send; county
viewers read. A report that cannot be built yet answers 422 with the towns and months still to approve."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from flask_login import current_user

from renkou.accounts.roles import COUNTY_ADMIN, COUNTY_VIEWER
from renkou.api.helpers import json_body, list_response, require_county_role
from renkou.submissions import services
from renkou.submissions.assembly import NotReady
from renkou.submissions.schemas import (
    CorrectionSchema,
    MissingMonthSchema,
    PayloadArgs,
    SubmissionCreateSchema,
    SubmissionDetailSchema,
    SubmissionListArgs,
    SubmissionSchema,
)
from renkou.targets.api import load_query

bp = Blueprint("submissions_api", __name__, url_prefix="/api/v1/submissions")
READERS = (COUNTY_ADMIN, COUNTY_VIEWER)


def _not_ready(refused: NotReady):
    response = jsonify({"errors": refused.errors, "missing": MissingMonthSchema(many=True).dump(refused.missing)})
    response.status_code = 422
    return response


def _detail(submission, status: int = 200):
    return jsonify(SubmissionDetailSchema().dump(submission)), status


@bp.get("")
def list_submissions():
    """Submissions, newest first; filter by report, state and period (part of its id).
    ---
    get:
      tags: [submissions]
      parameters:
        - {in: query, name: report, schema: {type: string, enum: [monthly, quarterly, half_yearly, annual]}}
        - {in: query, name: state, schema: {type: string}}
        - {in: query, name: q, schema: {type: string}, description: part of a period id}
        - {in: query, name: sort, schema: {type: string, enum: [created, -created, period, -period, state, -state]}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of submissions, content: {application/json: {schema: SubmissionPageSchema}}}
        400: {description: a bad argument, content: {application/json: {schema: ErrorsSchema}}}
        403: {description: not a county role, content: {application/json: {schema: ErrorsSchema}}}
    """
    require_county_role(*READERS)
    args = load_query(SubmissionListArgs())
    filters = services.SubmissionFilter(report=args["report"], state=args["state"], q=args["q"])
    return list_response(services.list_submissions(filters, args["sort"], args["page"], args["per_page"]),
                         SubmissionSchema())


@bp.post("")
def create_submission():
    """Build a report for a period from the approved figures (revision 1, or a refreshed draft). It is a draft
    until sent.
    ---
    post:
      tags: [submissions]
      requestBody: {content: {application/json: {schema: SubmissionCreateSchema}}}
      responses:
        201: {description: built, content: {application/json: {schema: SubmissionDetailSchema}}}
        400: {description: not a period id, content: {application/json: {schema: ErrorsSchema}}}
        403: {description: not a county administrator, content: {application/json: {schema: ErrorsSchema}}}
        409: {description: "sent already: correct it instead", content: {application/json: {schema: ErrorsSchema}}}
        422: {description: "invalid input, or months still to approve (listed under missing)",
              content: {application/json: {schema: ErrorsSchema}}}
    """
    require_county_role(COUNTY_ADMIN)
    data = SubmissionCreateSchema().load(json_body())
    try:
        submission = services.build(data["report"], data["period"], current_user)
    except NotReady as refused:
        return _not_ready(refused)
    return _detail(submission, 201)


@bp.get("/<int:submission_id>")
def get_submission(submission_id: int):
    """One revision: its payload, each town's figures, every delivery attempt and the bureau's import summary.
    ---
    get:
      tags: [submissions]
      parameters: [{in: path, name: submission_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: the revision, content: {application/json: {schema: SubmissionDetailSchema}}}
        403: {description: not a county role, content: {application/json: {schema: ErrorsSchema}}}
        404: {description: no such submission, content: {application/json: {schema: ErrorsSchema}}}
    """
    require_county_role(*READERS)
    return _detail(services.get(submission_id))


@bp.get("/<int:submission_id>/payload")
def get_payload(submission_id: int):
    """The payload exactly as it is sent: DHIS2 dataValueSets JSON, or ADX XML with ``format=adx``.
    ---
    get:
      tags: [submissions]
      parameters:
        - {in: path, name: submission_id, required: true, schema: {type: integer}}
        - {in: query, name: format, schema: {type: string, enum: [json, adx]}}
      responses:
        200: {description: "the payload (application/json or application/adx+xml)"}
        400: {description: a bad format, content: {application/json: {schema: ErrorsSchema}}}
        404: {description: no such submission, content: {application/json: {schema: ErrorsSchema}}}
    """
    require_county_role(*READERS)
    fmt = load_query(PayloadArgs())["format"]
    content, content_type = services.rendered(services.get(submission_id), fmt)
    return Response(content, content_type=f"{content_type}; charset=utf-8")


@bp.post("/<int:submission_id>/send")
def send_submission(submission_id: int):
    """Queue a draft for delivery to the bureau.
    ---
    post:
      tags: [submissions]
      parameters: [{in: path, name: submission_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: queued, content: {application/json: {schema: SubmissionDetailSchema}}}
        409: {description: not a draft, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: the bureau is not configured, content: {application/json: {schema: ErrorsSchema}}}
    """
    require_county_role(COUNTY_ADMIN)
    return _detail(services.send(services.get(submission_id), current_user))


@bp.post("/<int:submission_id>/resend")
def resend_submission(submission_id: int):
    """Deliver the same revision again under the same idempotency key (the bureau stores it once).
    ---
    post:
      tags: [submissions]
      parameters: [{in: path, name: submission_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: queued again, content: {application/json: {schema: SubmissionDetailSchema}}}
        409: {description: "a draft (send it), or not the latest revision",
              content: {application/json: {schema: ErrorsSchema}}}
    """
    require_county_role(COUNTY_ADMIN)
    return _detail(services.resend(services.get(submission_id), current_user))


@bp.post("/<int:submission_id>/corrections")
def correct_submission(submission_id: int):
    """Build the next revision of an answered submission from the approved figures (a draft until sent).
    ---
    post:
      tags: [submissions]
      parameters: [{in: path, name: submission_id, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: CorrectionSchema}}}
      responses:
        201: {description: the new revision, content: {application/json: {schema: SubmissionDetailSchema}}}
        409: {description: "not answered yet, or not the latest revision",
              content: {application/json: {schema: ErrorsSchema}}}
        422: {description: "invalid input, or months still to approve",
              content: {application/json: {schema: ErrorsSchema}}}
    """
    require_county_role(COUNTY_ADMIN)
    reason = CorrectionSchema().load(json_body())["reason"]
    try:
        corrected = services.correct(services.get(submission_id), reason, current_user)
    except NotReady as refused:
        return _not_ready(refused)
    return _detail(corrected, 201)

