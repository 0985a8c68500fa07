"""Reward and special support pages under /t/<town>/support/: the roll of a year, its candidates with their
reasons (and the confirm form), one person's eligibility, a roll entry with its payments, the ledger."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from renkou.audit.services import record_history
from renkou.errors import NotFoundError, ServiceError
from renkou.imports.exports import xlsx_response
from renkou.tenancy.context import town_editor_required
from renkou.web.forms import FormResult, load_args, load_form, submit_form
from tenants.network.services import all_villages
from tenants.support import labels, rules
from tenants.support.models import SUPPORT_KINDS
from tenants.support.schemas import (
    SupportCandidateListArgs,
    SupportPaymentListArgs,
    SupportPaymentReturnSchema,
    SupportPaymentSchema,
    SupportRollConfirmFormSchema,
    SupportRollListArgs,
    SupportYearArgs,
)
from tenants.support.services import payments, roll
from tenants.support.services.common import yuan

bp = Blueprint("support", __name__, url_prefix="/support", template_folder="templates")


@bp.errorhandler(NotFoundError)
def _not_found(error):
    return render_template("errors/404.html"), 404


def template_globals() -> dict:
    """What every support page's template reads (also used by the subsidy and assistance pages)."""
    return {"support_labels": labels, "support_rules": rules, "yuan": _yuan, "fen_yuan": lambda fen: _yuan(yuan(fen)),
            "today": rules.today()}


bp.context_processor(template_globals)


def _yuan(value) -> str:
    """1234.5 → "1,234.50"; None → "—"."""
    return "—" if value is None else f"{value:,.2f}"


def _years(extra: int | None = None) -> list[int]:
    this_year = rules.today().year
    return sorted({*roll.roll_years(), this_year, this_year + 1, *([extra] if extra else [])}, reverse=True)


# ---------------------------------------------------------------------------------------------------------
# The roll


@bp.get("/")
def index():
    """The roll of a year (default this year): who is on it, what they are due and paid."""
    args = load_args(SupportRollListArgs(), request.args)
    args["year"] = args["year"] or rules.today().year
    sort, page_number, per_page = args.pop("sort"), args.pop("page"), args.pop("per_page")
    filters = roll.RollFilter(**args)
    return render_template("support/roll.html", page=roll.list_roll(filters, sort, page_number, per_page),
                           totals=roll.roll_totals(filters), args={**args, "sort": sort}, years=_years(args["year"]),
                           villages=all_villages())


@bp.get("/roll/export.xlsx")
def export_roll():
    """The filtered roll as a workbook, ID numbers masked; the export is audited."""
    args = load_args(SupportRollListArgs(), request.args)
    args["year"] = args["year"] or rules.today().year
    sort = args.pop("sort")
    args.pop("page"), args.pop("per_page")
    return xlsx_response(f"support-roll-{args['year']}.xlsx", roll.export_roll(roll.RollFilter(**args), sort))


@bp.get("/roll/<int:roll_entry_id>")
def roll_entry(roll_entry_id: int):
    return _entry_page(roll.read_entry(roll_entry_id))


def _entry_page(entry, form=None, errors=None, status: int = 200):
    form = form if form is not None else {"paid_on": rules.today().isoformat(), "method": "bank",
                                          "amount": str(yuan(max(entry.outstanding_fen, 0)))}
    return render_template("support/roll_entry.html", entry=entry, form=form, errors=errors or {},
                           history=record_history("support_roll_entry", entry.id)), status


@bp.post("/roll/<int:roll_entry_id>/payments")
@town_editor_required
def add_payment(roll_entry_id: int):
    entry = roll.get_entry(roll_entry_id)
    formdata = MultiDict(request.form)
    formdata["roll_entry_id"] = str(entry.id)
    result = submit_form(SupportPaymentSchema(), payments.record_payment, formdata=formdata)
    if result.saved is None:
        return _entry_page(entry, request.form, result.errors, result.status)
    flash(_("Payment %(reference)s recorded.", reference=result.saved.reference), "success")
    return redirect(url_for(".roll_entry", roll_entry_id=entry.id))


@bp.post("/payments/<int:support_payment_id>/return")
@town_editor_required
def return_payment(support_payment_id: int):
    payment = payments.get_payment(support_payment_id)
    data, errors = load_form(SupportPaymentReturnSchema(), request.form)
    try:
        if data is None:
            raise ServiceError(errors)
        payments.return_payment(payment, data["returned_on"], data["return_reason"])
    except ServiceError as error:
        flash(" ".join(m for messages in error.errors.values() for m in messages), "error")
    else:
        flash(_("Payment %(reference)s marked returned.", reference=payment.reference), "success")
    return redirect(url_for(".roll_entry", roll_entry_id=payment.roll_entry_id))


@bp.post("/roll/<int:roll_entry_id>/remove")
@town_editor_required
def remove_entry(roll_entry_id: int):
    entry = roll.get_entry(roll_entry_id)
    name, year, kind = entry.person.name, entry.year, entry.kind
    try:
        roll.remove_entry(entry)
    except ServiceError as error:
        flash(" ".join(m for messages in error.errors.values() for m in messages), "error")
        return redirect(url_for(".roll_entry", roll_entry_id=roll_entry_id))
    flash(_("%(name)s taken off the %(year)s roll.", name=name, year=year), "success")
    return redirect(url_for(".index", year=year, kind=kind))


# ---------------------------------------------------------------------------------------------------------
# Candidates and confirmation


def _candidate_args() -> dict:
    args = load_args(SupportCandidateListArgs(), request.args)
    args["year"] = args["year"] or rules.today().year
    args["state"] = args["state"] or ("all" if args["q"] else "possible")
    return args


@bp.get("/candidates")
def candidates():
    return _candidates_page()


def _candidates_page(failed: dict | None = None, status: int = 200):
    """The candidates of a year's roll, each with its reasons; ``failed`` ({"person_id", "errors", "form"})
    is a confirmation that was refused, shown on its candidate's row."""
    args = _candidate_args()
    sort, page_number, per_page = args.pop("sort"), args.pop("page"), args.pop("per_page")
    page = roll.list_candidates(roll.CandidateFilter(**args), sort, page_number, per_page)
    return render_template("support/candidates.html", page=page, args={**args, "sort": sort},
                           years=_years(args["year"]), villages=all_villages(), failed=failed or {}), status


@bp.post("/candidates/confirm")
@town_editor_required
def confirm():
    """Confirm a candidate onto the roll; the ticked ``declared`` conditions are declared by ``checked_by``."""
    data, errors = load_form(SupportRollConfirmFormSchema(), request.form)
    try:
        if data is None:
            raise ServiceError(errors)
        declared = [code for code in request.form.getlist("declared") if code]
        data["declarations"] = [{"code": code, "checked_by": data["checked_by"], "checked_on": data["checked_on"]}
                                for code in declared]
        entry = roll.confirm(data)
    except ServiceError as error:
        result = FormResult.from_service_error(error)
        failed = {"person_id": request.form.get("person_id", ""), "errors": result.errors, "form": request.form}
        return _candidates_page(failed, result.status)
    flash(_("%(name)s is on the %(year)s roll: %(kind)s, ¥%(amount)s.", name=entry.person.name, year=entry.year,
            kind=labels.KIND[entry.kind], amount=_yuan(yuan(entry.amount_fen))), "success")
    return redirect(url_for(".candidates", **request.args))


@bp.get("/eligibility/<int:person_id>")
def eligibility(person_id: int):
    """One person's eligibility for every kind of support in a year, with every reason."""
    year = load_args(SupportYearArgs(), request.args)["year"] or rules.today().year
    judged = [roll.check_person(person_id, kind, year) for kind in SUPPORT_KINDS]
    entries = {kind: roll.find_entry(person_id, kind, year) for kind in SUPPORT_KINDS}
    return render_template("support/eligibility.html", judged=judged, entries=entries, year=year,
                           person=judged[0].person, years=_years(year))


# ---------------------------------------------------------------------------------------------------------
# The ledger


@bp.get("/payments")
def ledger():
    args = load_args(SupportPaymentListArgs(), request.args)
    sort, page_number, per_page = args.pop("sort"), args.pop("page"), args.pop("per_page")
    page = payments.list_payments(payments.PaymentFilter(**args), sort, page_number, per_page)
    totals_year = args["year"] or rules.today().year
    return render_template("support/ledger.html", page=page, args={**args, "sort": sort}, years=_years(args["year"]),
                           villages=all_villages(), totals=payments.year_totals(totals_year))


@bp.get("/payments/export.xlsx")
def export_payments():
    args = load_args(SupportPaymentListArgs(), request.args)
    sort = args.pop("sort")
    args.pop("page"), args.pop("per_page")
    return xlsx_response("support-payments.xlsx", payments.export_payments(payments.PaymentFilter(**args), sort))
