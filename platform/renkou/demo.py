"""The demo: the embedded default (SQLite files under ./var, a private Redis) with a seeded county.

Running it again reuses what is there: seeding only adds what is missing.
"""

from __future__ import annotations

import atexit
import dataclasses
import os
import subprocess
import sys

import click

from renkou.config import Settings

PASSWORD = "Renkou-demo-2026"

COUNTY_USERS = (("county_admin", "county_admin", "县局管理员"), ("county_viewer", "county_viewer", "县局查看员"),
                ("auditor", "audit_admin", "审计管理员"))

TOWNS = (
    ("411524101", "城关镇", "chengguan", "cg_admin",
     (("411524101201", "城关村"), ("411524101202", "河凤桥村"), ("411524101001", "南大街社区"))),
    ("411524102", "上石桥镇", "shangshiqiao", "ssq_admin",
     (("411524102201", "上石桥村"), ("411524102202", "红土岭村"), ("411524102203", "东岳庙村"))),
    ("411524201", "长竹园乡", "changzhuyuan", "czy_admin",
     (("411524201201", "长竹园村"), ("411524201202", "南湾村"), ("411524201203", "银山畈村"))),
)
# One staff member works for two towns, to show switching between them.
SHARED_STAFF = ("cg_staff", ("chengguan", "shangshiqiao"))


def run(host: str, port: int, serve: bool = True, verbose: bool = False) -> None:
    from renkou.app import create_app
    from renkou.redisconn import start_embedded_redis

    settings = Settings.from_env()
    keep_alive = None
    if settings.redis_url is None:
        url, keep_alive = start_embedded_redis(settings.data_dir)
        settings = dataclasses.replace(settings, redis_url=url)
    if settings.secure_cookies and "RENKOU_SECURE_COOKIES" not in os.environ:
        # The demo serves plain HTTP on this machine; secure-only cookies would never be sent back.
        settings = dataclasses.replace(settings, secure_cookies=False)
    bureau = None
    if serve and settings.bureau_url is None:
        settings, bureau = start_standin_bureau(settings)
    app = create_app(settings)
    with app.app_context():
        upgrade_all(app)
        seed()
        totp_keys = two_factor_keys()
    if not serve:
        _print_welcome(host, port, settings, totp_keys)
    else:
        # The helpers log warnings only unless asked (--verbose): their chatter would bury the sign-ins,
        # which come last.
        level = "INFO" if verbose else "WARNING"
        worker = start_worker(settings, level)
        click.echo(f"Background worker: pid {worker.pid} (every queue; imports of more than 1,000 rows run there)")
        cron = start_cron(settings, level)
        click.echo(f"Scheduler: pid {cron.pid} (`renkou cron`: the schedules at /county/jobs)")
        if bureau is not None:
            click.echo(f"Stand-in higher bureau: {bureau.url} (told to fail, stall or reject at "
                       f"{bureau.base_url}/control; what it stored at {bureau.base_url}/submissions)")
        import logging

        from werkzeug.serving import run_simple

        logging.getLogger("werkzeug").setLevel(level)
        _print_welcome(host, port, settings, totp_keys)

        # Flask's CLI refuses app.run(); the demo serves with Werkzeug's threaded server directly.
        # Production serves with gunicorn (deploy/gunicorn.conf.py).
        run_simple(host, port, app, threaded=True, use_reloader=False)
    del keep_alive


def start_standin_bureau(settings: Settings):
    """The stand-in higher bureau on loopback, for a demo with no RENKOU_BUREAU_URL: the county's
    submissions go there, signed with a secret made for this run (or RENKOU_BUREAU_SECRET)."""
    import secrets

    from workers.exchange.standin_bureau import StandinBureau

    secret = settings.bureau_secret or secrets.token_urlsafe(32)
    bureau = StandinBureau(secret, org_unit=settings.bureau_org_unit or settings.county_code,
                           stat_year_start_month=settings.stat_year_start_month).start()
    from workers.exchange.standin_inbox import MESSAGES_PATH, REPLIES_PATH

    # Replies to its notices go back to it too; its messages can be pushed to /api/v1/bureau/messages, or
    # queued at /inbox/control for the bureau_pull schedule (off unless RENKOU_BUREAU_PULL is set).
    return dataclasses.replace(settings, bureau_url=bureau.url, bureau_secret=secret,
                               bureau_messages_url=settings.bureau_messages_url or bureau.base_url + MESSAGES_PATH,
                               bureau_replies_url=settings.bureau_replies_url or bureau.base_url + REPLIES_PATH), bureau


def start_worker(settings: Settings, logging_level: str = "WARNING") -> subprocess.Popen:
    """`renkou worker` on every queue, with RQ's scheduler for delayed jobs (debounced recomputation)."""
    from renkou.jobs import QUEUE_KINDS

    return _start_renkou(settings, "worker", "--with-scheduler", "--logging-level", logging_level, *QUEUE_KINDS)


def start_cron(settings: Settings, logging_level: str = "WARNING") -> subprocess.Popen:
    """`renkou cron`: enqueues the schedules' tick every minute."""
    return _start_renkou(settings, "cron", "--logging-level", logging_level)


def _start_renkou(settings: Settings, *args: str) -> subprocess.Popen:
    """A `renkou` command beside the web server, on the same data and Redis; it ends with the demo."""
    from renkou.redisconn import die_with_parent

    env = dict(os.environ, RENKOU_DATA_DIR=str(settings.data_dir.resolve()), RENKOU_REDIS_URL=settings.redis_url)
    if settings.database_url:
        env["RENKOU_DATABASE_URL"] = settings.database_url
    if settings.bureau_url:  # the stand-in bureau of this run, when the demo started one
        env.update(RENKOU_BUREAU_URL=settings.bureau_url, RENKOU_BUREAU_SECRET=settings.bureau_secret)
        env.update({name: value for name, value in (("RENKOU_BUREAU_MESSAGES_URL", settings.bureau_messages_url),
                                                    ("RENKOU_BUREAU_REPLIES_URL", settings.bureau_replies_url))
                    if value})
    process = subprocess.Popen([sys.executable, "-c", "from renkou.cli import main; main()", *args], env=env,
                               preexec_fn=die_with_parent)
    atexit.register(_stop, process)
    return process


def _stop(process: subprocess.Popen) -> None:
    """Stop a child and wait for it, so it still has Redis while it shuts down (atexit stops the private
    Redis last: it was registered first)."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def upgrade_all(app) -> None:
    from renkou.crypto.keys import ensure_town_keys
    from renkou.db import town_engines
    from renkou.extensions import db
    from renkou.migrations.runner import upgrade_shared, upgrade_towns
    from renkou.tenancy.services import list_towns

    upgrade_shared(db.engine)
    ensure_town_keys()
    db.session.commit()
    codes = [town.code for town in list_towns()]
    db.session.rollback()
    failed = [r for r in upgrade_towns(app.config["RENKOU_SETTINGS"], town_engines(), codes, 2) if r.error]
    if failed:
        raise click.ClickException("; ".join(f"{r.town_code}: {r.error}" for r in failed))


def seed() -> None:
    """Add the demo county's accounts, towns and villages that are not there yet."""
    from renkou.accounts import services as accounts
    from renkou.accounts import two_factor
    from renkou.extensions import db
    from renkou.tenancy import services as towns
    from renkou.tenancy.context import town_session
    from tenants.network import services as villages

    for username, role, name in COUNTY_USERS:
        user = accounts.find_user(username)
        if user is None:
            user = accounts.create_user(username, PASSWORD, county_role=role, display_name=name)
        if two_factor.required_for(user) and not user.has_two_factor:
            two_factor.enrol_now(user)  # its key is printed at start-up (two_factor_keys)
    existing = {town.slug for town in towns.list_towns()}
    for code, name, slug, admin, _villages in TOWNS:
        if slug not in existing:
            towns.onboard_town(code=code, name=name, slug=slug, admin_username=admin, admin_password=PASSWORD)
    staff = accounts.find_user(SHARED_STAFF[0]) or accounts.create_user(SHARED_STAFF[0], PASSWORD,
                                                                         display_name="王敏")
    for slug in SHARED_STAFF[1]:
        town = towns.get_town_by_slug(slug)
        if staff.membership_in(town.id) is None:
            accounts.grant_membership(staff, town, "town_staff")
    db.session.commit()

    for _code, _name, slug, _admin, village_rows in TOWNS:
        town = towns.get_town_by_slug(slug)
        with town_session(town):
            known = {village.code for village in villages.all_villages()}
            for village_code, village_name in village_rows:
                if village_code not in known:
                    villages.create_village(village_code, village_name)
    # Sample registers (only for towns without households), the county's targets, then a recomputation.
    from renkou.demo_data import seed_samples

    seed_samples([slug for _code, _name, slug, _admin, _villages in TOWNS])


def two_factor_keys() -> dict[str, str]:
    """The TOTP keys of the demo's county accounts that sign in with two factors, by username."""
    from renkou.accounts import services as accounts
    from renkou.accounts import two_factor

    keys = {}
    for username, _role, _name in COUNTY_USERS:
        user = accounts.find_user(username)
        if user is not None and user.has_two_factor:
            keys[username] = two_factor.open_secret(user)
    return keys


def _print_welcome(host: str, port: int, settings: Settings, totp_keys: dict[str, str] | None = None) -> None:
    click.echo("")
    click.echo(f"Renkou demo county {settings.county_name} ({settings.county_code}) at http://{host}:{port}/")
    click.echo(f"Data: {settings.sqlite_dir.resolve() if not settings.is_postgres else settings.database_url}")
    click.echo(f"Every demo account's password: {PASSWORD}")
    for username, role, name in COUNTY_USERS:
        click.echo(f"  {username:<14} {role:<14} {name}")
    for _code, name, slug, admin, _villages in TOWNS:
        click.echo(f"  {admin:<14} town_admin     {name} (/t/{slug}/)")
    click.echo(f"  {SHARED_STAFF[0]:<14} town_staff     {' + '.join(SHARED_STAFF[1])}")
    if totp_keys:
        click.echo("Two-factor sign-in (county administrator, audit administrator): add the key to an authenticator")
        click.echo("app, or print the current code with  python -c \"import pyotp; print(pyotp.TOTP('KEY').now())\"")
        for username, key in totp_keys.items():
            click.echo(f"  {username:<14} {key}")
    click.echo("")
