"""A town administrator's page for the town's accounts: add staff or viewers, reset, disable."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from renkou.accounts import services
from renkou.accounts.roles import ROLE_LABELS, TOWN_STAFF, TOWN_VIEWER
from renkou.accounts.schemas import PasswordSchema, TownAccountSchema
from renkou.errors import ServiceError
from renkou.tenancy.context import load_town_model, town_admin_required
from renkou.web.forms import FormResult, load_form

bp = Blueprint("accounts", __name__, url_prefix="/accounts")


def _render(result: FormResult, form=None):
    town = load_town_model()
    return render_template(
        "accounts/town_accounts.html",
        members=services.town_members(town),
        roles=[(TOWN_STAFF, ROLE_LABELS[TOWN_STAFF]), (TOWN_VIEWER, ROLE_LABELS[TOWN_VIEWER])],
        role_labels=ROLE_LABELS,
        form=form or {},
        errors=result.errors,
    ), result.status


@bp.get("/")
@town_admin_required
def index():
    return _render(FormResult())


@bp.post("/")
@town_admin_required
def add():
    data, errors = load_form(TownAccountSchema(), request.form)
    if data is None:
        return _render(FormResult.invalid(errors), request.form)
    try:
        services.add_town_account(load_town_model(), **data)
    except ServiceError as error:
        return _render(FormResult.from_service_error(error), request.form)
    flash(_("Account %(username)s added.", username=data["username"]), "success")
    return redirect(url_for(".index"))


@bp.post("/<int:membership_id>/password")
@town_admin_required
def reset_password(membership_id: int):
    membership = services.get_town_membership(load_town_model(), membership_id)
    data, errors = load_form(PasswordSchema(), request.form)
    try:
        if data is None:
            raise ServiceError(errors)
        services.reset_password(membership, data["password"], current_user)
    except ServiceError as error:
        return _render(FormResult.from_service_error(error))
    flash(_("Password of %(username)s reset.", username=membership.user.username), "success")
    return redirect(url_for(".index"))


@bp.post("/<int:membership_id>/active")
@town_admin_required
def set_active(membership_id: int):
    membership = services.get_town_membership(load_town_model(), membership_id)
    active = request.form.get("active") == "1"
    try:
        services.set_membership_active(membership, active, current_user)
    except ServiceError as error:
        return _render(FormResult.from_service_error(error))
    username = membership.user.username
    if active:
        flash(_("Account %(username)s enabled.", username=username), "success")
    else:
        flash(_("Account %(username)s disabled.", username=username), "success")
    return redirect(url_for(".index"))
