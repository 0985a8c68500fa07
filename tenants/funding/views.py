"""Funding pages under /t/<town>/funding/: the entries, their form, the yearly summary with its chart."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from renkou.audit.services import record_history
from renkou.errors import NotFoundError
from renkou.imports.exports import xlsx_response
from renkou.tenancy.context import town_editor_required
from renkou.web.forms import FormResult, load_args, submit_form
from tenants.funding import labels, services
from tenants.funding.schemas import FundingEntrySchema, FundingListArgs, FundingSummaryArgs

bp = Blueprint("funding", __name__, url_prefix="/funding", template_folder="templates")


@bp.errorhandler(NotFoundError)
def _not_found(error):
    return render_template("errors/404.html"), 404


@bp.context_processor
def _globals():
    return {"funding_labels": labels, "yuan": _yuan}


def _yuan(value) -> str:
    """1234.5 → "1,234.50"; None → "—"."""
    return "—" if value is None else f"{value:,.2f}"


@bp.get("/")
def index():
    args = load_args(FundingListArgs(), request.args)
    page_number, per_page = args.pop("page"), args.pop("per_page")
    filters = services.FundingFilter(**args)
    return render_template("funding/entries.html", page=services.list_entries(filters, page_number, per_page),
                           total=services.filtered_total(filters), args=args, years=_year_choices())


@bp.get("/export.xlsx")
def export():
    """The filtered entries as a workbook in the import's layout; the export is audited."""
    args = load_args(FundingListArgs(), request.args)
    args.pop("page"), args.pop("per_page")
    return xlsx_response("funding-entries.xlsx", services.export_entries(services.FundingFilter(**args)))


def _year_choices() -> list[int]:
    return services.funded_years() or [services.today().year]


@bp.get("/summary")
def summary():
    year = load_args(FundingSummaryArgs(), request.args)["year"] or services.today().year
    summary_of_year, overview = services.year_summary(year), services.years_overview()
    # The charts' rows, (label, yuan); the template draws them as SVG.
    category_rows = [(str(labels.CATEGORY[code]), amount) for code, amount in summary_of_year.by_category.items()]
    year_rows = [(str(row.year), row.total) for row in reversed(overview)]
    return render_template("funding/summary.html", summary=summary_of_year, overview=overview, year=year,
                           years=_year_choices(), category_rows=category_rows, year_rows=year_rows)


@bp.route("/new", methods=["GET", "POST"])
@town_editor_required
def new():
    return _entry_form(None)


@bp.route("/<int:entry_id>/edit", methods=["GET", "POST"])
@town_editor_required
def edit(entry_id: int):
    return _entry_form(services.get_entry(entry_id))


def _entry_form(entry):
    result = FormResult()
    if request.method == "POST":
        def save(data):
            return services.create_entry(data) if entry is None else services.update_entry(entry, data)

        result = submit_form(FundingEntrySchema(), save, partial=entry is not None)
        if result.saved is not None:
            flash(_("Funding entry %(voucher)s saved.", voucher=result.saved.voucher_number), "success")
            return redirect(url_for(".index", year=result.saved.entry_date.year))
    if request.method == "POST":
        form = request.form
    elif entry is None:
        form = {"entry_date": services.today().isoformat()}
    else:
        form = {"entry_date": entry.entry_date.isoformat(), "amount": str(entry.amount), "category": entry.category,
                "description": entry.description, "voucher_number": entry.voucher_number}
    history = record_history("funding_entry", entry.id) if entry is not None else []
    return render_template("funding/entry_form.html", entry=entry, form=form, errors=result.errors,
                           history=history), result.status


@bp.post("/<int:entry_id>/delete")
def delete(entry_id: int):
    entry = services.get_entry(entry_id)
    services.delete_entry(entry)
    flash(_("Funding entry %(voucher)s deleted.", voucher=entry.voucher_number), "success")
    return redirect(url_for(".index"))
