"""Reward and special support in the JSON API under /api/v1/towns/<slug>/support: eligibility with reasons,
the roll's candidates, the roll, the payment ledger and its yearly totals. ID numbers are masked."""

from __future__ import annotations

from flask import Blueprint, request

from renkou.api.helpers import json_body, list_response
from renkou.web.forms import load_args
from tenants.support import rules
from tenants.support.schemas import (
    SupportCandidateListArgs,
    SupportCandidateSchema,
    SupportEligibilitySchema,
    SupportLedgerSummarySchema,
    SupportPaymentListArgs,
    SupportPaymentReturnSchema,
    SupportPaymentSchema,
    SupportPaymentUpdateSchema,
    SupportRollEntrySchema,
    SupportRollListArgs,
    SupportYearArgs,
)
from tenants.support.services import payments, roll

bp = Blueprint("support_api", __name__, url_prefix="/support")

@bp.get("/eligibility/<int:person_id>")
def eligibility(person_id: int):
    """Whether a kind of support pays this person in a year (default: reward support, this year), worked
    out from the register, with one reason per condition (`status` met, unmet, to_declare or declared; the
    `text` in Chinese, e.g. 年龄未满60周岁（58岁）). Conditions the register does not hold (a rural hukou, a
    child's disability) are to_declare until staff confirm the person onto the roll with a declaration.
    ---
    get:
      tags: [support]
      parameters:
        - {in: path, name: person_id, required: true, schema: {type: integer}}
        - {in: query, name: kind, schema: {type: string, enum: [reward, special_death, special_disability]}}
        - {in: query, name: year, schema: {type: integer}}
      responses:
        200: {description: the judgement, content: {application/json: {schema: SupportEligibilitySchema}}}
        404: {description: no such person in this town, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid kind or year, content: {application/json: {schema: ErrorsSchema}}}
    """
    args = request.args.to_dict()
    kind = args.get("kind") or "reward"
    year = SupportYearArgs().load({k: v for k, v in args.items() if k == "year"})["year"] or rules.today().year
    return SupportEligibilitySchema().dump(roll.check_person(person_id, kind, year))


@bp.get("/candidates")
def candidates():
    """Candidates for a year's roll of a kind of support, each judged with its reasons. Without `q`, people
    at most two years short of the scheme's age; with `q` (a name or a full ID number), anyone it finds.
    `state`: possible (default: eligible or to be checked, not yet on the roll), eligible, to_declare,
    not_eligible, on_roll or all.
    ---
    get:
      tags: [support]
      parameters:
        - {in: query, name: kind, schema: {type: string, enum: [reward, special_death, special_disability]}}
        - {in: query, name: year, schema: {type: integer}}
        - {in: query, name: q, schema: {type: string}}
        - {in: query, name: village_id, schema: {type: integer}}
        - {in: query, name: state, schema: {type: string, enum: [possible, eligible, to_declare, not_eligible,
            on_roll, all]}}
        - {in: query, name: sort, schema: {type: string, enum: [name, -name, birth_date, -birth_date, village]}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of candidates, content: {application/json: {schema: SupportCandidatePageSchema}}}
    """
    args = load_args(SupportCandidateListArgs(), request.args)
    sort, page_number, per_page = args.pop("sort"), args.pop("page"), args.pop("per_page")
    args["year"] = args["year"] or rules.today().year
    args["state"] = args["state"] or ("all" if args["q"] else "possible")
    page = roll.list_candidates(roll.CandidateFilter(**args), sort, page_number, per_page)
    return list_response(page, SupportCandidateSchema())


@bp.get("/roll")
def list_roll():
    """The roll: people confirmed onto a year's support, with the amount, what is paid and what is not.
    ---
    get:
      tags: [support]
      parameters:
        - {in: query, name: year, schema: {type: integer}}
        - {in: query, name: kind, schema: {type: string, enum: [reward, special_death, special_disability]}}
        - {in: query, name: q, schema: {type: string}, description: a name or a full ID number}
        - {in: query, name: village_id, schema: {type: integer}}
        - {in: query, name: payment, schema: {type: string, enum: [unpaid, part_paid, paid]}}
        - {in: query, name: sort, schema: {type: string, enum: [name, -name, amount, -amount, confirmed, -confirmed]}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of the roll, content: {application/json: {schema: SupportRollEntryPageSchema}}}
    """
    args = load_args(SupportRollListArgs(), request.args)
    sort, page_number, per_page = args.pop("sort"), args.pop("page"), args.pop("per_page")
    return list_response(roll.list_roll(roll.RollFilter(**args), sort, page_number, per_page),
                         SupportRollEntrySchema())


@bp.post("/roll")
def confirm():
    """Confirm a person onto a year's roll. The person must be eligible once `declarations` (conditions the
    register does not hold, each with who checked it) are counted; otherwise 422 with the reasons under
    `eligibility`. One entry per person, kind and year (409 for a second). The amount is the year's.
    ---
    post:
      tags: [support]
      requestBody: {content: {application/json: {schema: SupportRollEntrySchema}}}
      responses:
        201: {description: on the roll, content: {application/json: {schema: SupportRollEntrySchema}}}
        409: {description: already on this roll, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: not eligible or invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    data = SupportRollEntrySchema().load(json_body())
    return SupportRollEntrySchema().dump(roll.confirm(data)), 201


@bp.get("/roll/<int:roll_entry_id>")
def get_roll_entry(roll_entry_id: int):
    """One roll entry with the reasons and declarations it was confirmed with; the read is audited.
    ---
    get:
      tags: [support]
      parameters: [{in: path, name: roll_entry_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: the entry, content: {application/json: {schema: SupportRollEntrySchema}}}
        404: {description: no such entry in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    return SupportRollEntrySchema().dump(roll.read_entry(roll_entry_id))


@bp.delete("/roll/<int:roll_entry_id>")
def remove_roll_entry(roll_entry_id: int):
    """Take an entry confirmed by mistake off the roll (409 when payments are recorded against it).
    ---
    delete:
      tags: [support]
      parameters: [{in: path, name: roll_entry_id, required: true, schema: {type: integer}}]
      responses:
        204: {description: removed}
        404: {description: no such entry in this town, content: {application/json: {schema: ErrorsSchema}}}
        409: {description: payments are recorded, content: {application/json: {schema: ErrorsSchema}}}
    """
    roll.remove_entry(roll.get_entry(roll_entry_id))
    return "", 204


@bp.get("/payments")
def list_payments():
    """The payment ledger, latest first. `year` and `kind` are the roll's.
    ---
    get:
      tags: [support]
      parameters:
        - {in: query, name: year, schema: {type: integer}}
        - {in: query, name: kind, schema: {type: string, enum: [reward, special_death, special_disability]}}
        - {in: query, name: status, schema: {type: string, enum: [paid, returned]}}
        - {in: query, name: q, schema: {type: string}}
        - {in: query, name: village_id, schema: {type: integer}}
        - {in: query, name: roll_entry_id, schema: {type: integer}}
        - {in: query, name: sort, schema: {type: string, enum: [paid_on, -paid_on, amount, -amount, name, -name]}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of payments, content: {application/json: {schema: SupportPaymentPageSchema}}}
    """
    args = load_args(SupportPaymentListArgs(), request.args)
    sort, page_number, per_page = args.pop("sort"), args.pop("page"), args.pop("per_page")
    return list_response(payments.list_payments(payments.PaymentFilter(**args), sort, page_number, per_page),
                         SupportPaymentSchema())


@bp.post("/payments")
def record_payment():
    """Record a payment against a roll entry: `amount` in yuan, `method` bank, card, cash or other, a
    `reference` unique in the town. Payments not returned never add up to more than the entry's yearly
    amount (422 on `amount`, saying how much is left).
    ---
    post:
      tags: [support]
      requestBody: {content: {application/json: {schema: SupportPaymentSchema}}}
      responses:
        201: {description: recorded, content: {application/json: {schema: SupportPaymentSchema}}}
        409: {description: the reference is recorded, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: more than the yearly amount, or invalid input,
              content: {application/json: {schema: ErrorsSchema}}}
    """
    data = SupportPaymentSchema().load(json_body())
    return SupportPaymentSchema().dump(payments.record_payment(data)), 201


@bp.get("/payments/<int:support_payment_id>")
def get_payment(support_payment_id: int):
    """One payment.
    ---
    get:
      tags: [support]
      parameters: [{in: path, name: support_payment_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: the payment, content: {application/json: {schema: SupportPaymentSchema}}}
        404: {description: no such payment in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    return SupportPaymentSchema().dump(payments.read_payment(support_payment_id))


@bp.patch("/payments/<int:support_payment_id>")
def update_payment(support_payment_id: int):
    """Correct a payment's date, amount, method, reference or note.
    ---
    patch:
      tags: [support]
      parameters: [{in: path, name: support_payment_id, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: SupportPaymentUpdateSchema}}}
      responses:
        200: {description: the changed payment, content: {application/json: {schema: SupportPaymentSchema}}}
        404: {description: no such payment in this town, content: {application/json: {schema: ErrorsSchema}}}
        409: {description: the reference is recorded, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    payment = payments.get_payment(support_payment_id)
    changes = SupportPaymentUpdateSchema().load(json_body(), partial=True)
    return SupportPaymentSchema().dump(payments.update_payment(payment, changes))


@bp.post("/payments/<int:support_payment_id>/return")
def return_payment(support_payment_id: int):
    """The bank sent a payment back (`return_reason` required, `returned_on` default today): it no longer
    counts towards the entry, which can be paid again.
    ---
    post:
      tags: [support]
      parameters: [{in: path, name: support_payment_id, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: SupportPaymentReturnSchema}}}
      responses:
        200: {description: the returned payment, content: {application/json: {schema: SupportPaymentSchema}}}
        404: {description: no such payment in this town, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: not paid, or invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    payment = payments.get_payment(support_payment_id)
    data = SupportPaymentReturnSchema().load(json_body())
    return SupportPaymentSchema().dump(payments.return_payment(payment, data["returned_on"], data["return_reason"]))


@bp.get("/ledger")
def ledger():
    """A year's roll by kind (default this year): entries, amount due, paid, returned and still to pay.
    ---
    get:
      tags: [support]
      parameters: [{in: query, name: year, schema: {type: integer}}]
      responses:
        200: {description: the year's totals, content: {application/json: {schema: SupportLedgerSummarySchema}}}
        422: {description: not a valid year, content: {application/json: {schema: ErrorsSchema}}}
    """
    year = SupportYearArgs().load(request.args.to_dict())["year"] or rules.today().year
    totals = payments.year_totals(year)
    return SupportLedgerSummarySchema().dump({"year": year, "kinds": [k.as_dict() for k in totals.kinds],
                                              "total": totals.total.as_dict()})
