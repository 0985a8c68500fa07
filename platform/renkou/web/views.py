"""Health checks, the language switch and the site icon."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, request, session, url_for
from sqlalchemy import text

from renkou.extensions import db
from renkou.redisconn import get_redis

bp = Blueprint("web", __name__)

LANGUAGES = ("zh_CN", "en")


@bp.get("/healthz")
def healthz():
    """The process is up (liveness)."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    """The database and Redis answer (readiness); 503 with the reason otherwise."""
    problems = {}
    try:
        with db.engine.connect().execution_options(sqlite_begin="DEFERRED") as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means not ready; say which
        problems["database"] = f"{type(exc).__name__}: {exc}"[:300]
    try:
        get_redis().ping()
    except Exception as exc:
        problems["redis"] = f"{type(exc).__name__}: {exc}"[:300]
    if problems:
        return jsonify({"status": "unavailable", "problems": problems}), 503
    return jsonify({"status": "ok"})


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page links; answer with the icon the pages link."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.get("/lang/<code>")
def set_language(code: str):
    if code in LANGUAGES:
        session["lang"] = code
    target = request.referrer if request.referrer and request.referrer.startswith(request.host_url) else None
    return redirect(target or url_for("auth.home"))


def select_locale() -> str:
    from flask import current_app, has_request_context

    if not has_request_context():  # the CLI and jobs speak the default language
        return current_app.config["RENKOU_SETTINGS"].default_locale
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(["zh_CN", "zh", "en"]) or current_app.config[
            "RENKOU_SETTINGS"].default_locale
    return session.get("lang") or current_app.config["RENKOU_SETTINGS"].default_locale
