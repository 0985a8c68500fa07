"""Responsibility agreements in the JSON API: /api/v1/towns/<slug>/agreements.

The scan of the signed paper is sent as the RAW request body of ``PUT /agreements/<id>/scan`` (any
Content-Type; e.g. ``curl -T scan.pdf`` or ``--data-binary @scan.pdf``): its type is recognised from
its first bytes (PDF, PNG or JPEG), never from a name or header. ``GET`` on the same path downloads it.
"""

from __future__ import annotations

import io

from flask import Blueprint, request, send_file

from renkou.api.helpers import json_body, list_response
from renkou.web.forms import load_args
from tenants.governance.schemas import (
    AgreementCoverageArgs,
    AgreementCoverageSchema,
    AgreementListArgs,
    AgreementSchema,
    AgreementUpdateSchema,
    EvaluationSchema,
)
from tenants.governance.services import agreements as services

bp = Blueprint("agreements_api", __name__, url_prefix="/agreements")


@bp.get("")
def list_agreements():
    """Responsibility agreements (责任书), newest year first; villages by code, then agencies.
    ---
    get:
      tags: [governance]
      parameters:
        - {in: query, name: year, schema: {type: integer}}
        - {in: query, name: village_id, schema: {type: integer}}
        - {in: query, name: signed, schema: {type: boolean}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of agreements, content: {application/json: {schema: AgreementPageSchema}}}
    """
    args = load_args(AgreementListArgs(), request.args)
    page_number, per_page = args.pop("page"), args.pop("per_page")
    return list_response(services.list_agreements(services.AgreementFilter(**args), page_number, per_page),
                         AgreementSchema())


@bp.post("")
def create_agreement():
    """Record an agreement with its items. A veto item (`veto: true`) needs a `veto_kind` of service,
    oversight (两非 cases) or data_quality (false reports); without one it is refused (422, the message
    under errors.items.<n>.veto_kind). Nothing about numbers of births is accepted in any item.
    ---
    post:
      tags: [governance]
      requestBody: {content: {application/json: {schema: AgreementSchema}}}
      responses:
        201: {description: created, content: {application/json: {schema: AgreementSchema}}}
        409: {description: the party has an agreement of the year, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    data = AgreementSchema().load(json_body())
    return AgreementSchema().dump(services.create_agreement(data)), 201


@bp.get("/coverage")
def coverage():
    """Agreement coverage (责任书签订率) of a year (default this year): villages with a signed agreement of
    the year (numerator) / villages (denominator), and the villages still without one.
    ---
    get:
      tags: [governance]
      parameters: [{in: query, name: year, schema: {type: integer}}]
      responses:
        200: {description: the coverage, content: {application/json: {schema: AgreementCoverageSchema}}}
    """
    year = load_args(AgreementCoverageArgs(), request.args)["year"] or services.today().year
    ratio = services.agreement_coverage(year)
    return AgreementCoverageSchema().dump({"year": year, "numerator": ratio.numerator,
                                           "denominator": ratio.denominator, "percent": ratio.percent,
                                           "villages_without": services.villages_without_agreement(year)})


@bp.get("/<int:agreement_id>")
def get_agreement(agreement_id: int):
    """One agreement with its items, scores and totals.
    ---
    get:
      tags: [governance]
      parameters: [{in: path, name: agreement_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: the agreement, content: {application/json: {schema: AgreementSchema}}}
        404: {description: no such agreement in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    return AgreementSchema().dump(services.get_agreement(agreement_id))


@bp.patch("/<int:agreement_id>")
def update_agreement(agreement_id: int):
    """Change an agreement (e.g. its `signed_on`); `items`, when given, replace every item, which is
    refused (409) once the agreement has been evaluated.
    ---
    patch:
      tags: [governance]
      parameters: [{in: path, name: agreement_id, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: AgreementUpdateSchema}}}
      responses:
        200: {description: the changed agreement, content: {application/json: {schema: AgreementSchema}}}
        404: {description: no such agreement in this town, content: {application/json: {schema: ErrorsSchema}}}
        409: {description: evaluated already, or a duplicate, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    agreement = services.get_agreement(agreement_id)
    changes = AgreementUpdateSchema().load(json_body(), partial=True)
    return AgreementSchema().dump(services.update_agreement(agreement, changes))


@bp.delete("/<int:agreement_id>")
def delete_agreement(agreement_id: int):
    """Delete an agreement entered by mistake, with its items and scan.
    ---
    delete:
      tags: [governance]
      parameters: [{in: path, name: agreement_id, required: true, schema: {type: integer}}]
      responses:
        204: {description: deleted}
        404: {description: no such agreement in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    services.delete_agreement(services.get_agreement(agreement_id))
    return "", 204


@bp.post("/<int:agreement_id>/evaluation")
def evaluate(agreement_id: int):
    """The year-end evaluation of a signed agreement: every item scored once, 0 to its weight in steps
    of 0.1 (a score above the weight is refused); `veto_triggered` on a veto item makes the outcome
    "vetoed". The total is computed. Posting again replaces the evaluation.
    ---
    post:
      tags: [governance]
      parameters: [{in: path, name: agreement_id, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: EvaluationSchema}}}
      responses:
        200: {description: the evaluated agreement, content: {application/json: {schema: AgreementSchema}}}
        404: {description: no such agreement in this town, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid scores, or not signed, content: {application/json: {schema: ErrorsSchema}}}
    """
    agreement = services.get_agreement(agreement_id)
    data = EvaluationSchema().load(json_body())
    services.evaluate(agreement, data["evaluator"], data["items"], data.get("evaluated_on"), data.get("note"))
    return AgreementSchema().dump(agreement)


@bp.put("/<int:agreement_id>/scan")
def upload_scan(agreement_id: int):
    """Upload the scan of the signed agreement as the raw request body (not multipart): a PDF, PNG or
    JPEG, recognised by its first bytes, at most RENKOU_SCAN_MAX_BYTES (10 MB unless configured). A new
    scan replaces the old one. Audited.
    ---
    put:
      tags: [governance]
      parameters: [{in: path, name: agreement_id, required: true, schema: {type: integer}}]
      requestBody:
        required: true
        content:
          application/pdf: {schema: {type: string, format: binary}}
          image/png: {schema: {type: string, format: binary}}
          image/jpeg: {schema: {type: string, format: binary}}
          application/octet-stream: {schema: {type: string, format: binary}}
      responses:
        200: {description: the agreement (has_scan true), content: {application/json: {schema: AgreementSchema}}}
        404: {description: no such agreement in this town, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: empty, too large, or of another type, content: {application/json: {schema: ErrorsSchema}}}
    """
    agreement = services.get_agreement(agreement_id)
    services.check_scan_size(request.content_length)
    content = request.stream.read(services.scan_limit() + 1)
    return AgreementSchema().dump(services.attach_scan(agreement, content))


@bp.get("/<int:agreement_id>/scan")
def download_scan(agreement_id: int):
    """Download the scan, with its content type and as an attachment. Audited.
    ---
    get:
      tags: [governance]
      parameters: [{in: path, name: agreement_id, required: true, schema: {type: integer}}]
      responses:
        200:
          description: the scan
          content:
            application/pdf: {schema: {type: string, format: binary}}
            image/png: {schema: {type: string, format: binary}}
            image/jpeg: {schema: {type: string, format: binary}}
        404: {description: no such agreement, or no scan, content: {application/json: {schema: ErrorsSchema}}}
    """
    scan = services.download_scan(agreement_id)
    return send_file(io.BytesIO(scan.content), mimetype=scan.content_type, as_attachment=True,
                     download_name=scan.filename, max_age=0)
