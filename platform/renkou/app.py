"""The composition root: create_app binds extensions and registers every area's blueprints."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from renkou import redisconn
from renkou.audit.chain import chain_key
from renkou.config import Settings
from renkou.crypto.keys import Keyring, decode_master_key
from renkou.db import TownEngines, configure_sqlite_engine, make_owner_engine, shared_engine_config, sqlite_dir_for
from renkou.extensions import babel, csrf, db, limiter, login_manager
from renkou.redaction import install_log_redaction
from renkou.web import input_guard

HERE = Path(__file__).parent


class JSONProvider(DefaultJSONProvider):
    """Lazy translated strings (from marshmallow messages) serialise as the text they stand for."""

    ensure_ascii = False

    @staticmethod
    def default(value):
        if hasattr(value, "__html__") or type(value).__name__ == "LazyString":
            return str(value)
        return DefaultJSONProvider.default(value)


def create_app(settings: Settings | None = None, *, serve: bool = True) -> Flask:
    """The application. ``serve=False`` leaves the pages, the API and the areas' registries out: enough
    for commands that work on storage and accounts (`renkou town create`, `renkou db upgrade`…), which
    then start in a fraction of the time."""
    settings = settings or Settings.from_env()
    install_log_redaction()  # before anything logs: no ID number or phone in any log line
    app = Flask("renkou", root_path=str(HERE), template_folder="web/templates", static_folder="web/static")
    app.json = JSONProvider(app)
    app.url_map.converters["int"] = input_guard.IdConverter  # before any route is added
    _configure(app, settings)
    input_guard.init_app(app)
    _init_database(app, settings)
    master_key = decode_master_key(settings.resolved_master_key())
    app.extensions["renkou.keyring"] = Keyring(master_key)
    app.extensions["renkou.audit_key"] = chain_key(settings, master_key)
    redisconn.init_app(app)
    _init_security(app, settings)
    _init_i18n(app)
    if serve:
        _register_blueprints(app)
    _init_request_cycle(app)
    from renkou.web import reconnect

    reconnect.init_app(app)
    from renkou.indicators import freshness

    freshness.install()
    from renkou import cli

    cli.init_app(app)
    return app


def _configure(app: Flask, settings: Settings) -> None:
    url, engine_options = shared_engine_config(settings)
    app.config.update(
        RENKOU_SETTINGS=settings,
        SECRET_KEY=settings.resolved_secret_key(),
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options,
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="renkou_session",
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.idle_timeout_minutes),
        SESSION_REFRESH_EACH_REQUEST=True,
        REMEMBER_COOKIE_DURATION=timedelta(seconds=0),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session, which the idle timeout bounds
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        BABEL_DEFAULT_TIMEZONE=settings.county_timezone,
        BABEL_TRANSLATION_DIRECTORIES=str(HERE / "translations"),
        RATELIMIT_STORAGE_URI=_limiter_storage(settings),
        RATELIMIT_HEADERS_ENABLED=True,
        RATELIMIT_KEY_PREFIX=f"{settings.redis_prefix}:ratelimit",
        # Redis down: rate limiting fails open (Flask-Limiter logs the error) rather than failing every request.
        RATELIMIT_SWALLOW_ERRORS=True,
        RATELIMIT_STORAGE_OPTIONS={"socket_connect_timeout": 2, "socket_timeout": 2},
        TESTING=settings.testing,
        MAX_CONTENT_LENGTH=64 * 1024 * 1024,
    )
    if settings.trusted_proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies)


def _limiter_storage(settings: Settings) -> str:
    url = settings.redis_url or redisconn.DEFAULT_URL
    if url.startswith("unix://"):
        return "redis+unix://" + url.removeprefix("unix://")
    return url


def _init_database(app: Flask, settings: Settings) -> None:
    db.init_app(app)
    sqlite_dir = sqlite_dir_for(settings)
    with app.app_context():
        if sqlite_dir is not None:
            sqlite_dir.mkdir(parents=True, exist_ok=True)
            configure_sqlite_engine(db.engine, sqlite_dir / "shared.db")
        app.extensions["renkou.town_engines"] = TownEngines(db.engine, sqlite_dir)
        app.extensions["renkou.owner_engine"] = make_owner_engine(settings)

    @app.teardown_appcontext
    def _rollback_leftovers(exc):
        # Flask-SQLAlchemy closes the session; roll back first so after-rollback hooks run.
        if db.session().in_transaction():
            db.session.rollback()


def _init_security(app: Flask, settings: Settings) -> None:
    from renkou.accounts import services as accounts
    from renkou.web.forms import requested_path
    from renkou.web.security import add_security_headers

    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def _load_user(session_id: str):
        if request.path.startswith("/api/"):
            return None  # the API takes bearer tokens only, so a browser cookie cannot be abused (CSRF)
        return accounts.load_session_user(session_id)

    @login_manager.request_loader
    def _load_token_user(req):
        header = req.headers.get("Authorization", "")
        if req.path.startswith("/api/") and header.startswith("Bearer "):
            return accounts.user_for_token(header.removeprefix("Bearer ").strip())
        return None

    @login_manager.unauthorized_handler
    def _unauthorized():
        from flask import abort, redirect, url_for

        if request.path.startswith("/api/"):
            abort(401, description="a valid bearer token is required")
        return redirect(url_for("auth.login", next=requested_path() if request.method == "GET" else None))

    app.after_request(add_security_headers)


def _init_i18n(app: Flask) -> None:
    from renkou.timezone import local
    from renkou.web.views import select_locale

    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["local"] = lambda value, fmt="%Y-%m-%d %H:%M": local(value).strftime(fmt) if value else ""
    app.jinja_env.filters["tojson_pretty"] = lambda value: json.dumps(value, ensure_ascii=False, indent=1)


def _register_blueprints(app: Flask) -> None:
    from renkou.accounts import account_views
    from renkou.accounts import town_views as town_accounts
    from renkou.accounts import views as auth
    from renkou.api import errors as api_errors
    from renkou.api import openapi
    from renkou.audit import views as audit
    from renkou.county import dashboard as county_dashboard
    from renkou.county import jobs as county_jobs
    from renkou.county import jobs_api
    from renkou.county import views as county
    from renkou.imports import views as imports
    from renkou.inbound import api as inbound_api
    from renkou.inbound import county_views as county_notices
    from renkou.inbound import town_views as town_notices
    from renkou.reporting import county_api as reports_county_api
    from renkou.reporting import county_views as county_reports
    from renkou.reporting import town_api as reports_town_api
    from renkou.reporting import town_views as town_reports
    from renkou.submissions import api as submissions_api
    from renkou.submissions import views as submissions
    from renkou.targets import api as targets_api
    from renkou.targets import indicators_api
    from renkou.targets import views as targets
    from renkou.tenancy import api as towns_api
    from renkou.tenancy import town_views
    from renkou.tenancy.context import make_town_blueprints
    from renkou.web import views as web
    from tenants.association import api as association_api
    from tenants.association import imports as association_imports  # noqa: F401  (registers the import kind)
    from tenants.association import liaison_views as association_liaisons
    from tenants.association import org_api as association_org_api
    from tenants.association import org_views as association_org
    from tenants.association import views as association
    from tenants.births import api as births_api
    from tenants.births import imports as births_imports  # noqa: F401  (registers the import kind)
    from tenants.births import views as births
    from tenants.clinics import api as clinics_api
    from tenants.clinics import imports as clinics_imports  # noqa: F401  (registers the import kinds)
    from tenants.clinics import views as clinics
    from tenants.contraception import api as contraception_api
    from tenants.contraception import views as contraception
    from tenants.funding import api as funding_api
    from tenants.funding import imports as funding_imports  # noqa: F401  (registers the import kind)
    from tenants.funding import views as funding
    from tenants.governance import agreement_api as governance_agreement_api
    from tenants.governance import agreement_views as governance_agreements
    from tenants.governance import api as governance_api
    from tenants.governance import duty_views as governance_duties
    from tenants.governance import imports as governance_imports  # noqa: F401  (registers the import kinds)
    from tenants.governance import views as governance
    from tenants.movements import api as movements_api
    from tenants.movements import views as movements
    from tenants.network import api as villages_api
    from tenants.network import group_api, group_views, staff_api, staff_views
    from tenants.network import views as villages
    from tenants.outreach import api as outreach_api
    from tenants.outreach import imports as outreach_imports  # noqa: F401  (registers the import kinds)
    from tenants.outreach import views as outreach
    from tenants.registry import api as registry_api
    from tenants.registry import imports as registry_imports  # noqa: F401  (registers the import kinds)
    from tenants.registry import views as registry
    from tenants.support import api as support_api
    from tenants.support import assistance_api as support_assistance_api
    from tenants.support import assistance_views as support_assistance
    from tenants.support import imports as support_imports  # noqa: F401  (registers the import kinds)
    from tenants.support import subsidy_api as support_subsidy_api
    from tenants.support import subsidy_views as support_subsidies
    from tenants.support import views as support
    from workers import schedules  # noqa: F401  (registers the default schedules)
    from workers.exchange import bureau_schedules  # noqa: F401  (registers the bureau's schedules)

    town_pages, town_api = make_town_blueprints()
    for child in (town_views.bp, town_accounts.bp, villages.bp, group_views.bp, staff_views.bp,
                  registry.households_bp, registry.people_bp, imports.bp):
        town_pages.register_blueprint(child)
    town_pages.register_blueprint(births.bp)
    town_pages.register_blueprint(clinics.bp)
    town_pages.register_blueprint(contraception.bp)
    town_pages.register_blueprint(movements.bp)
    for child in (villages_api.bp, group_api.bp, staff_api.bp, registry_api.households_bp, registry_api.people_bp):
        town_api.register_blueprint(child)
    for child in (births_api.registrations_bp, births_api.births_bp, births_api.notices_bp, births_api.tasks_bp):
        town_api.register_blueprint(child)
    for child in (contraception_api.visits_bp, contraception_api.follow_ups_bp, movements_api.bp):
        town_api.register_blueprint(child)
    town_api.register_blueprint(clinics_api.bp)
    town_pages.register_blueprint(funding.bp)
    town_pages.register_blueprint(outreach.bp)
    for child in (funding_api.entries_bp, funding_api.summary_bp, *outreach_api.BLUEPRINTS):
        town_api.register_blueprint(child)
    for child in (governance.bp, governance_agreements.bp, governance_duties.bp):
        town_pages.register_blueprint(child)
    for child in (governance_api.members_bp, governance_agreement_api.bp, governance_api.assignments_bp):
        town_api.register_blueprint(child)
    for child in (association.bp, association_org.homes_bp, association_org.groups_bp, association_liaisons.bp):
        town_pages.register_blueprint(child)
    for child in (*association_api.BLUEPRINTS, *association_org_api.BLUEPRINTS):
        town_api.register_blueprint(child)
    for child in (support.bp, support_subsidies.bp, support_assistance.bp):
        town_pages.register_blueprint(child)
    for child in (support_api.bp, support_subsidy_api.bp, support_assistance_api.bp):
        town_api.register_blueprint(child)
    town_pages.register_blueprint(town_reports.bp)
    town_pages.register_blueprint(town_notices.bp)
    town_api.register_blueprint(reports_town_api.bp)
    app.register_blueprint(county_dashboard.bp)
    for blueprint in (web.bp, auth.bp, county.bp, audit.bp, town_pages, openapi.bp, towns_api.bp, town_api):
        app.register_blueprint(blueprint)
    app.register_blueprint(account_views.bp)
    app.register_blueprint(county_jobs.bp)
    app.register_blueprint(jobs_api.bp)
    for blueprint in (targets.bp, targets_api.bp, indicators_api.bp):
        app.register_blueprint(blueprint)
    for blueprint in (submissions.bp, submissions_api.bp):
        app.register_blueprint(blueprint)
    for blueprint in (county_reports.bp, reports_county_api.bp):
        app.register_blueprint(blueprint)
    for blueprint in (county_notices.bp, inbound_api.bp):
        app.register_blueprint(blueprint)
    # The API authenticates with bearer tokens, never cookies, so it needs no CSRF token. Flask-WTF
    # looks at the blueprint of the view itself, so nested ones are listed one by one.
    for name, blueprint in app.blueprints.items():
        if name.split(".")[0] in {"openapi", "towns_api", "town_api", "targets_api", "indicators_api",
                                         "submissions_api", "reports_county_api", "inbound_api"}:
            csrf.exempt(blueprint)
    api_errors.init_app(app)


def _init_request_cycle(app: Flask) -> None:
    from flask import session

    from renkou.accounts.views import enforce_idle_timeout
    from renkou.api import errors as api_errors
    from renkou.errors import ServiceError

    @app.before_request
    def _idle_timeout():
        # Probes answer for the process, never for the caller: they load no user and touch no session row.
        if request.path not in ("/healthz", "/readyz"):
            return enforce_idle_timeout()
        return None

    @app.after_request
    def _commit_or_rollback(response):
        """One commit per request: kept when the request succeeded, undone when it failed."""
        if response.status_code < 400:
            try:
                db.session.commit()
            except ServiceError as error:  # a commit hook refused it (a change in a month locked by approval)
                db.session.rollback()
                session.pop("_flashes", None)  # the view's "saved" message no longer holds
                return app.make_response(api_errors.handle_service_error(error))
        else:
            db.session.rollback()
        return response

    @app.context_processor
    def _template_globals():
        from flask import g

        from renkou.accounts.roles import ROLE_LABELS

        return {
            "get_locale": get_locale,
            "current_town": g.get("town"),
            "county_name": app.config["RENKOU_SETTINGS"].county_name,
            "role_labels": ROLE_LABELS,
            "user_towns": _user_towns(),
        }

    def _user_towns():
        from flask import g

        if not current_user.is_authenticated or request.path.startswith("/api/"):
            return []
        if "user_towns" not in g:  # once per request (a town route has it from entering the town)
            from renkou.accounts.services import towns_of

            g.user_towns = towns_of(current_user)
        return g.user_towns
