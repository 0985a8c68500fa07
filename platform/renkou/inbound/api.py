"""POST /api/v1/bureau/messages: where the higher bureau pushes its messages.

No user token: the bureau signs each message with the secret both sides hold (renkou.exchange.signing),
so the blueprint is exempt from CSRF and from bearer tokens; it is rate limited like the rest of the API.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from renkou.inbound import receiving
from renkou.inbound.models import PUSH
from renkou.web.input_guard import checks_its_own_body

bp = Blueprint("inbound_api", __name__, url_prefix="/api/v1/bureau")


@bp.post("/messages")
@checks_its_own_body
def receive_message():
    """Receive a signed message from the higher bureau: targets, a verification request (协查) or a
    notification (通报). Sign it with X-Renkou-Timestamp, X-Renkou-Message-Id and X-Renkou-Signature
    (sha256= HMAC over timestamp.message-id.body); a message id is taken once.
    ---
    post:
      tags: [bureau]
      security: []
      parameters:
        - {in: header, name: X-Renkou-Timestamp, required: true, schema: {type: string}}
        - {in: header, name: X-Renkou-Message-Id, required: true, schema: {type: string}}
        - {in: header, name: X-Renkou-Signature, required: true, schema: {type: string}}
      requestBody: {content: {application/json: {schema: {type: object}}}}
      responses:
        201: {description: "taken: stored, and applied or routed"}
        400: {description: "a bad body, or items that cannot be applied (nothing written)",
              content: {application/json: {schema: ErrorsSchema}}}
        401: {description: "missing, stale or wrong signature", content: {application/json: {schema: ErrorsSchema}}}
        411: {description: "no Content-Length", content: {application/json: {schema: ErrorsSchema}}}
        413: {description: "longer than any message (2 MiB)", content: {application/json: {schema: ErrorsSchema}}}
        409: {description: "this message id was taken before (a replay)",
              content: {application/json: {schema: ErrorsSchema}}}
    """
    try:
        # Headers and the declared length first: an unsigned or oversized body is refused unread.
        receiving.check_envelope(request.headers, request.content_length)
        message = receiving.receive(request.headers, request.get_data(cache=False), PUSH)
    except receiving.Refused as refused:
        receiving.record_refusal(refused, request.headers, PUSH)
        response = jsonify({"errors": refused.errors})
        response.status_code = refused.status
        return response
    response = jsonify({"id": message.id, "message_id": message.message_id, "kind": message.kind,
                        "status": message.status, "outcome": message.outcome})
    response.status_code = 201
    return response
