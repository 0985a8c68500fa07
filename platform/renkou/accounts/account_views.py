"""A person's own account: password, two-factor sign-in, API tokens; and the county's view of all tokens."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from renkou.accounts import passwords, services, two_factor
from renkou.accounts.access import county_role_required
from renkou.accounts.roles import COUNTY_ADMIN
from renkou.accounts.schemas import PasswordChangeSchema, TokenSchema
from renkou.errors import ServiceError
from renkou.types import utcnow
from renkou.web.forms import FormResult, load_form

bp = Blueprint("account", __name__)


def _user():
    return current_user._get_current_object()


def _render_index(result: FormResult, new_token: str | None = None):
    user = _user()
    return render_template(
        "accounts/account.html",
        tokens=services.tokens_of(user),
        new_token=new_token,
        two_factor_required=two_factor.required_for(user),
        recovery_codes_left=two_factor.recovery_codes_left(user) if user.has_two_factor else 0,
        now=utcnow(),
        errors=result.errors,
    ), result.status


@bp.get("/account/")
@login_required
def index():
    return _render_index(FormResult())


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    """Change one's own password (and replace a temporary one); other sessions and every token end."""
    errors, status = {}, 200
    if request.method == "POST":
        data, errors = load_form(PasswordChangeSchema(), request.form)
        status = 422
        if data is not None and data["password"] != data["password_again"]:
            errors = {"password_again": [_("The two new passwords differ.")]}
        elif data is not None:
            try:
                services.change_own_password(_user(), data["current_password"], data["password"])
            except ServiceError as error:
                errors, status = error.errors, error.status_code
            else:
                login_user(_user())  # this browser stays signed in under the new session version
                flash(_("Your password has been changed. Other sessions and API tokens have ended."), "success")
                return redirect(url_for("auth.home"))
    return render_template("accounts/password.html", errors=errors, forced=current_user.must_change_password,
                           min_length=passwords.MIN_LENGTH), status


@bp.post("/account/tokens")
@login_required
def create_token():
    data, errors = load_form(TokenSchema(), request.form)
    if data is None:
        return _render_index(FormResult.invalid(errors))
    # Shown once, in this response only: it is stored hashed and never put in the session cookie.
    return _render_index(FormResult(status=201), new_token=services.create_token(_user(), data["name"]))


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    api_token = services.find_token(token_id, owner=_user())
    services.revoke_token(api_token, _user())
    flash(_("Token %(prefix)s… revoked.", prefix=api_token.prefix), "success")
    return redirect(url_for(".index"))


@bp.post("/account/two-factor/off")
@login_required
def two_factor_off():
    try:
        two_factor.disable(_user(), _user())
    except ServiceError as error:
        return _render_index(FormResult.from_service_error(error))
    flash(_("Two-factor sign-in is off."), "success")
    return redirect(url_for(".index"))


@bp.get("/county/tokens")
@county_role_required(COUNTY_ADMIN)
def all_tokens():
    """Every account's API tokens, for the county administrator to see and revoke."""
    return render_template("accounts/all_tokens.html", tokens=services.tokens_of(), now=utcnow())


@bp.post("/county/tokens/<int:token_id>/revoke")
@county_role_required(COUNTY_ADMIN)
def revoke_any_token(token_id: int):
    api_token = services.find_token(token_id)
    services.revoke_token(api_token, _user())
    flash(_("Token %(prefix)s… revoked.", prefix=api_token.prefix), "success")
    return redirect(url_for(".all_tokens"))
