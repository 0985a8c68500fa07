"""Sign-in, sign-out, and the switch between the towns a person belongs to."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from renkou.accounts import services
from renkou.accounts.roles import AUDIT_ADMIN, COUNTY_ROLES
from renkou.accounts.schemas import LoginSchema
from renkou.audit import services as audit
from renkou.extensions import limiter
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
                session.clear()  # a fresh session on sign-in: no fixation
                login_user(user)
                session.permanent = True
                session["last_seen"] = utcnow().timestamp()
                return redirect(_safe_next(data.get("next")) or url_for("auth.home"))
        else:
            status = 422
    return render_template("auth/login.html", form=request.form, errors=errors,
                           next=request.values.get("next", "")), status


def _refusal_message(refused: services.SignInRefused) -> str:
    if refused.reason == "locked":
        return _("Too many failed sign-ins. Try again after %(time)s.",
                 time=local(refused.retry_at).strftime("%H:%M"))
    return _("Wrong username or password.")


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        audit.record("auth.logout", record_type="user", record_id=current_user.id)
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
