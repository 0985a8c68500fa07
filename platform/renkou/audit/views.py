"""The audit administrator's view of the trail (/county/audit). Read only: nothing here edits it."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from marshmallow import fields
from sqlalchemy import select

from renkou.accounts.access import county_role_required
from renkou.accounts.models import User
from renkou.accounts.roles import AUDIT_ADMIN
from renkou.audit import labels, services
from renkou.extensions import db
from renkou.imports.exports import csv_response, xlsx_response
from renkou.schemas import BaseSchema
from renkou.tenancy.models import Town
from renkou.web.forms import load_args

bp = Blueprint("audit", __name__, url_prefix="/county/audit")


@bp.record_once
def _install_labels(state) -> None:
    """Every page that shows a record's history reads its actions and fields through these labels."""
    state.app.jinja_env.globals["audit_labels"] = labels


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
    towns = {town.code: town.name for town in db.session.scalars(select(Town))}
    return render_template("audit/index.html", page=result, args=args, towns=towns, chain=services.chain_state(),
                           usernames=_usernames(result.items), actions=labels.action_choices(),
                           records=sorted(((code, str(label)) for code, label in labels.RECORDS.items()),
                                          key=lambda item: item[1]))


def _usernames(events) -> dict[str, str]:
    """The usernames of the accounts the page's events are about, in one query."""
    ids = {int(event.record_id) for event in events
           if event.record_type == "user" and (event.record_id or "").isdigit()}
    if not ids:
        return {}
    return {str(user.id): user.username for user in db.session.scalars(select(User).where(User.id.in_(ids)))}


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
