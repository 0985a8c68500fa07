"""Sign-in (password, then a TOTP code where two-factor sign-in is on), sign-out, and the switch between
the towns a person belongs to."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from renkou.accounts import services, two_factor
from renkou.accounts.models import User
from renkou.accounts.roles import AUDIT_ADMIN, COUNTY_ROLES
from renkou.accounts.schemas import CodeSchema, LoginSchema
from renkou.audit import services as audit
from renkou.errors import ServiceError
from renkou.extensions import db, limiter
from renkou.timezone import local
from renkou.types import utcnow
from renkou.web.forms import load_form, requested_path

bp = Blueprint("auth", __name__)


def _safe_next(target: str) -> str | None:
    """Only same-site paths: an open redirect after sign-in is a phishing tool."""
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return None


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RENKOU_SETTINGS"].login_rate_limit, methods=["POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("auth.home"))
    errors, status = {}, 200
    if request.method == "POST":
        data, errors = load_form(LoginSchema(), request.form)
        if data is not None:
            try:
                user = services.authenticate(data["username"], data["password"], request.remote_addr or "")
            except services.SignInRefused as refused:
                errors, status = {"_schema": [_refusal_message(refused)]}, 401
            else:
                next_path = _safe_next(data.get("next")) or url_for("auth.home")
                if two_factor.second_step_needed(user):
                    return _await_second_step(user, next_path)
                return _finish_sign_in(user, next_path)
        else:
            status = 422
    return render_template("auth/login.html", form=request.form, errors=errors,
                           next=request.values.get("next", "")), status


# The password passed; the person is not signed in until the second step passes too (or, where two-factor
# sign-in is required and not set up, until they have enrolled). Kept in the session for a few minutes.
PENDING_KEY = "pending_sign_in"
PENDING_SECONDS = 300


def _await_second_step(user: User, next_path: str):
    session.clear()
    session[PENDING_KEY] = {"user": user.get_id(), "at": utcnow().timestamp(), "next": next_path}
    return redirect(url_for("auth.second_step" if user.has_two_factor else "auth.enrol"))


def _pending_user() -> User | None:
    pending = session.get(PENDING_KEY)
    if not pending or utcnow().timestamp() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    return services.load_session_user(pending["user"])


def _finish_sign_in(user: User, next_path: str):
    services.complete_sign_in(user, request.remote_addr or "")
    session.clear()  # a fresh session on sign-in: no fixation
    login_user(user)
    session.permanent = True
    session["last_seen"] = utcnow().timestamp()
    return redirect(next_path)


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RENKOU_SETTINGS"].login_rate_limit, methods=["POST"])
def second_step():
    """The second step: a code from the authenticator app, or one of the recovery codes."""
    user = _pending_user()
    if user is None or not user.has_two_factor:
        return redirect(url_for("auth.login"))
    errors, status = {}, 200
    if request.method == "POST":
        data, errors = load_form(CodeSchema(), request.form)
        status = 422
        if data is not None:
            try:
                if services.locked_until(user.username) is None and two_factor.verify(user, data["code"]):
                    return _finish_sign_in(user, session[PENDING_KEY]["next"])
                services.refuse_sign_in(user.username, request.remote_addr or "", user, step="code")
            except services.SignInRefused as refused:
                if refused.reason == "locked":
                    session.pop(PENDING_KEY, None)
                errors, status = {"code": [_code_refusal_message(refused)]}, 401
    return render_template("auth/second_step.html", errors=errors), status


def _code_refusal_message(refused: services.SignInRefused) -> str:
    if refused.reason == "locked":
        return _refusal_message(refused)
    return _("The code is wrong or has expired. Enter the current code.")


@bp.route("/login/enrol", methods=["GET", "POST"])
def enrol():
    """Set up two-factor sign-in: after the password where it is required, or from the account page."""
    pending = _pending_user()
    user = pending or (current_user._get_current_object() if current_user.is_authenticated else None)
    if user is None:
        return redirect(url_for("auth.login"))
    if user.has_two_factor:
        return redirect(url_for("account.index"))
    errors, status = {}, 200
    if request.method == "POST":
        data, errors = load_form(CodeSchema(), request.form)
        status = 422
        if data is not None:
            try:
                codes = two_factor.confirm_enrolment(user, data["code"])
            except ServiceError as error:
                errors = error.errors
            else:
                next_path = url_for("auth.home")
                if pending is not None:
                    next_path = session[PENDING_KEY]["next"]
                    _finish_sign_in(user, next_path)
                return render_template("auth/recovery_codes.html", codes=codes, next=next_path)
    secret = two_factor.pending_secret(user)
    uri = two_factor.provisioning_uri(user, secret)
    db.session.flush()
    return render_template("auth/enrol.html", secret=secret, qr=two_factor.qr_data_uri(uri),
                           required=two_factor.required_for(user), errors=errors), status


def _refusal_message(refused: services.SignInRefused) -> str:
    if refused.reason == "locked":
        return _("Too many failed sign-ins. Try again after %(time)s.",
                 time=local(refused.retry_at).strftime("%H:%M"))
    return _("Wrong username or password.")


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        services.sign_out(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/")
@login_required
def home():
    """Where a person lands: the county pages, their only town, or a choice of towns."""
    towns = services.towns_of(current_user)
    if current_user.county_role == AUDIT_ADMIN and not towns:
        return redirect(url_for("audit.index"))
    if current_user.county_role in COUNTY_ROLES and not towns:
        return redirect(url_for("county.towns"))
    if len(towns) == 1 and not current_user.county_role:
        return redirect(url_for("town.home.index", town_slug=towns[0].slug))
    return render_template("auth/choose.html", towns=towns)


def enforce_idle_timeout():
    """Sign out a browser session idle for longer than the configured minutes."""
    if request.path.startswith(("/api/", "/static/")) or not current_user.is_authenticated:
        return None
    limit = timedelta(minutes=current_app.config["RENKOU_SETTINGS"].idle_timeout_minutes)
    now = utcnow().timestamp()
    last_seen = session.get("last_seen", now)
    if now - last_seen > limit.total_seconds():
        audit.record_now("auth.timeout", actor=current_user._get_current_object())
        logout_user()
        session.clear()
        g.pop("_login_user", None)
        flash(_("You were signed out after a period of inactivity."), "info")
        return redirect(url_for("auth.login", next=requested_path() if request.method == "GET" else None))
    session["last_seen"] = now
    return None


# Pages a signed-in person may open before the password change or enrolment they owe.
_ALLOWED_WHILE_OWING = {"auth.logout", "auth.enrol", "account.password", "static", "web.set_language",
                        "web.healthz", "web.readyz"}


@bp.before_app_request
def require_owed_steps():
    """A temporary password is changed, and required two-factor sign-in set up, before anything else."""
    if (request.path.startswith("/api/") or request.endpoint in _ALLOWED_WHILE_OWING
            or not current_user.is_authenticated):
        return None
    if current_user.must_change_password:
        return redirect(url_for("account.password"))
    if two_factor.required_for(current_user) and not current_user.has_two_factor:
        return redirect(url_for("auth.enrol"))
    return None
