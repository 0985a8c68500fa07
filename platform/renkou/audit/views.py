"""The audit administrator's view of the trail (/county/audit). Read only: nothing here edits it."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from marshmallow import fields

from renkou.accounts.access import county_role_required
from renkou.accounts.roles import AUDIT_ADMIN
from renkou.audit import services
from renkou.imports.exports import csv_response, xlsx_response
from renkou.schemas import BaseSchema
from renkou.web.forms import load_args

bp = Blueprint("audit", __name__, url_prefix="/county/audit")


class AuditArgs(BaseSchema):
    actor_name = fields.String(load_default="")
    town_code = fields.String(load_default="")
    action = fields.String(load_default="")
    outcome = fields.String(load_default="")
    record_type = fields.String(load_default="")
    record_id = fields.String(load_default="")
    date_from = fields.Date(load_default=None)
    date_to = fields.Date(load_default=None)
    page = fields.Integer(load_default=1)


@bp.get("/")
@county_role_required(AUDIT_ADMIN)
def index():
    args = load_args(AuditArgs(), request.args)
    page_number = args.pop("page")
    result = services.search(services.AuditFilter(**args), page=page_number)
    services.record("audit.read", detail={k: str(v) for k, v in args.items() if v})
    return render_template("audit/index.html", page=result, args=args, chain=services.chain_state())


@bp.get("/export.<any(xlsx, csv):fmt>")
@county_role_required(AUDIT_ADMIN)
def export(fmt: str):
    """The filtered range of the trail as a workbook or CSV (with each entry's link); the export is audited."""
    args = load_args(AuditArgs(), request.args)
    args.pop("page")
    sheet = services.export(services.AuditFilter(**args))
    if fmt == "csv":
        return csv_response("audit.csv", sheet)
    return xlsx_response("audit.xlsx", sheet)
