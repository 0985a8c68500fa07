"""The `renkou` command: migrations, towns, users, tokens and the demo.

Each command runs in one transaction: it commits once at the end, or rolls back and exits non-zero
with the reasons.
"""

from __future__ import annotations

import contextlib
import functools
import sys

import click

# Roles as plain words: importing renkou.accounts.roles would load Flask-Babel, and `renkou --help` must
# not wait for the web stack. tests/test_cli.py checks they match.
COUNTY_ROLE_CHOICES = ("county_admin", "county_viewer", "audit_admin")
TOWN_ROLE_CHOICES = ("town_admin", "town_staff", "town_viewer")


@contextlib.contextmanager
def transaction():
    """Commit once on success; on a ServiceError roll back and exit 1 with the messages."""
    from renkou.errors import ServiceError
    from renkou.extensions import db

    try:
        yield
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        for field, messages in error.errors.items():
            for message in messages:
                click.echo(f"error: {field}: {message}", err=True)
        sys.exit(1)
    except BaseException:
        db.session.rollback()
        raise


LOG_LEVELS = click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False)


def with_appcontext(command=None, *, serve: bool = True):
    """Run the command in an application context, building the app only now (Flask's decorator of the
    same name, without importing Flask when the module loads). ``serve=False``: an app without pages
    (see create_app), for commands on storage and accounts. Under ``app.test_cli_runner()`` the app
    given is used."""

    def decorate(function):
        @click.pass_context
        def run(ctx, *args, **kwargs):
            from flask import current_app
            from flask.cli import ScriptInfo

            if not current_app:
                info = ctx.find_object(ScriptInfo) or ScriptInfo(
                    create_app=functools.partial(_create_app, serve), set_debug_flag=False,
                    load_dotenv_defaults=False)
                ctx.with_resource(info.load_app().app_context())
            return ctx.invoke(function, *args, **kwargs)

        return functools.update_wrapper(run, function)

    return decorate(command) if command is not None else decorate


def _create_app(serve: bool = True):
    from renkou.app import create_app

    return create_app(serve=serve)


@click.group()
def main():
    """Renkou: the county's population-services platform."""


def init_app(app) -> None:
    """Also offer the commands on ``app.cli`` (``flask --app renkou.app`` and ``app.test_cli_runner()``)."""
    for command in COMMANDS:
        app.cli.add_command(command)


# ---------------------------------------------------------------------------------------------------------
# renkou db


@click.group("db", help="Database migrations.")
def db_group():
    pass


@db_group.command("upgrade")
@click.option("--workers", type=int, default=None, help="Towns migrated in parallel (RENKOU_MIGRATE_WORKERS).")
@with_appcontext(serve=False)
def db_upgrade(workers):
    """Upgrade the shared schema, then every town that is behind."""
    from flask import current_app

    from renkou.crypto.keys import ensure_town_keys
    from renkou.db import owner_engine, town_engines
    from renkou.extensions import db
    from renkou.migrations.runner import app_role_of, upgrade_shared, upgrade_towns
    from renkou.tenancy.services import list_towns

    settings = current_app.config["RENKOU_SETTINGS"]
    upgrade_shared(owner_engine(), app_role_of(settings))
    click.echo("shared schema: at head")
    if created := ensure_town_keys():
        db.session.commit()
        click.echo(f"data keys created for towns: {', '.join(created)}")
    codes = [town.code for town in list_towns()]
    db.session.rollback()
    done = []

    def progress(result):
        done.append(result)
        line = f"[{len(done)}/{len(codes)}] town {result.town_code}: {result.status}"
        click.echo(line + (f": {result.error}" if result.error else ""), err=result.status == "failed")

    results = upgrade_towns(settings, town_engines(), codes, workers or settings.migrate_workers, progress)
    failed = [result for result in results if result.status == "failed"]
    upgraded = sum(result.status == "upgraded" for result in results)
    click.echo(f"towns: {upgraded} upgraded, {len(results) - upgraded - len(failed)} already at head, "
               f"{len(failed)} failed")
    if failed:
        for result in failed:
            click.echo(f"FAILED {result.town_code}: {result.error}", err=True)
        sys.exit(1)


# ---------------------------------------------------------------------------------------------------------
# renkou audit


@click.group("audit", help="The audit trail.")
def audit_group():
    pass


@audit_group.command("verify")
@with_appcontext
def audit_verify():
    """Check the hash chain of every scope; exit 1 and name the first broken link if one is."""
    from renkou.audit import chain
    from renkou.extensions import db

    with db.engine.connect() as connection:
        reports = chain.verify(connection, chain.current_key())
    for report in reports:
        if report.intact:
            click.echo(f"{report.scope}: intact, {report.entries} entries")
        else:
            click.echo(f"{report.scope}: BROKEN at entry {report.entry_id}: {report.problem}", err=True)
    if any(not report.intact for report in reports):
        sys.exit(1)


# ---------------------------------------------------------------------------------------------------------
# renkou town


@click.group("town", help="Towns (tenants).")
def town_group():
    pass


@town_group.command("create")
@click.option("--code", required=True, help="9-digit township statistical code.")
@click.option("--name", required=True, help="Chinese name, e.g. 城关镇.")
@click.option("--slug", required=True, help="URL name, e.g. chengguan.")
@click.option("--admin-username", required=True)
@click.option("--admin-password", default=None, help="Generated and printed when left out.")
@with_appcontext(serve=False)
def town_create(code, name, slug, admin_username, admin_password):
    """Onboard a town with its first administrator."""
    from renkou.accounts.passwords import generate_password
    from renkou.tenancy.schemas import TownCreateSchema
    from renkou.tenancy.services import onboard_town

    generated = admin_password is None
    password = admin_password or generate_password()
    with transaction():
        data = _load(TownCreateSchema(), {"code": code, "name": name, "slug": slug,
                                          "admin_username": admin_username, "admin_password": password})
        town = onboard_town(**data)
    click.echo(f"town {town.code} {town.name} created at /t/{town.slug}/")
    if generated:
        click.echo(f"administrator {admin_username} password: {password}")


@town_group.command("list")
@with_appcontext(serve=False)
def town_list():
    """Every town with its status."""
    from renkou.tenancy.services import list_towns

    for town in list_towns():
        click.echo(f"{town.code}\t{town.slug}\t{town.status}\t{town.name}")


@town_group.command("archive")
@click.argument("slug")
@with_appcontext(serve=False)
def town_archive(slug):
    """Make a town read-only and hidden from its users; its data is kept."""
    from renkou.tenancy.services import archive_town, get_town_by_slug

    with transaction():
        town = archive_town(get_town_by_slug(slug))
    click.echo(f"town {town.code} {town.slug} archived")


# ---------------------------------------------------------------------------------------------------------
# renkou user / token


@click.group("user", help="Accounts.")
def user_group():
    pass


@user_group.command("create")
@click.option("--username", required=True)
@click.option("--password", default=None, help="Required for a new account.")
@click.option("--role", required=True, type=click.Choice(COUNTY_ROLE_CHOICES + TOWN_ROLE_CHOICES))
@click.option("--town", "town_slug", default=None, help="Town slug, for a town role.")
@click.option("--display-name", default="")
@with_appcontext(serve=False)
def user_create(username, password, role, town_slug, display_name):
    """Create an account with a county role, or with a role in one town (an existing account gains the town)."""
    from renkou.accounts import services as accounts
    from renkou.tenancy.services import get_town_by_slug

    if (role in TOWN_ROLE_CHOICES) != bool(town_slug):
        raise click.UsageError("a town role needs --town; a county role takes none")
    with transaction():
        user = accounts.find_user(username) if town_slug else None
        if user is None:
            if not password:
                raise click.UsageError("--password is required for a new account")
            user = accounts.create_user(username, password, county_role=None if town_slug else role,
                                        display_name=display_name)
        if town_slug:
            accounts.grant_membership(user, get_town_by_slug(town_slug), role)
    click.echo(f"user {username}: {role}" + (f" in {town_slug}" if town_slug else ""))


@click.group("token", help="API tokens.")
def token_group():
    pass


@token_group.command("create")
@click.option("--username", required=True)
@click.option("--name", default="", help="What the token is for.")
@with_appcontext(serve=False)
def token_create(username, name):
    """Create an API token; it is printed once and stored hashed."""
    from renkou.accounts import services as accounts
    from renkou.errors import ServiceError

    with transaction():
        user = accounts.find_user(username)
        if user is None:
            raise ServiceError.on("username", f"no user {username}")
        token = accounts.create_token(user, name)
    click.echo(token)


@token_group.command("list")
@click.option("--username", default=None, help="Only this account's tokens.")
@with_appcontext
def token_list(username):
    """Every API token (never the token itself): id, owner, prefix, name, state, expiry and last use."""
    from renkou.accounts import services as accounts
    from renkou.types import utcnow

    user = None
    if username:
        user = accounts.find_user(username)
        if user is None:
            raise click.ClickException(f"no user {username}")
    now = utcnow()
    for api_token in accounts.tokens_of(user):
        state = ("revoked" if api_token.revoked_at else
                 "expired" if api_token.expires_at and api_token.expires_at <= now else "active")
        click.echo("\t".join([str(api_token.id), api_token.user.username, api_token.prefix + "…", state,
                              _when(api_token.expires_at), _when(api_token.last_used_at), api_token.name]))


def _when(value) -> str:
    return value.isoformat(timespec="seconds") if value else "-"


@token_group.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def token_revoke(token_id):
    """Revoke the token with this id (see `renkou token list`); it stops working at once."""
    from renkou.accounts import services as accounts

    with transaction():
        api_token = accounts.find_token(token_id)
        accounts.revoke_token(api_token)
    click.echo(f"token {token_id} ({api_token.prefix}…) revoked")


def _load(schema, data):
    from marshmallow import ValidationError

    from renkou.errors import ServiceError
    from renkou.schemas import messages_of

    try:
        return schema.load(data)
    except ValidationError as error:
        raise ServiceError(messages_of(error)) from error


# ---------------------------------------------------------------------------------------------------------
# renkou worker


@click.command("worker")
@click.argument("kinds", nargs=-1)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--with-scheduler", is_flag=True, help="Also move scheduled and retried jobs onto their queues.")
@click.option("--logging-level", default="INFO", type=LOG_LEVELS, help="RQ's log lines from this level up.")
@with_appcontext
def worker(kinds, burst, with_scheduler, logging_level):
    """Work on RQ queues by kind (aggregation, submissions, exchange, default; all when none given).

    A worker of the aggregation queue alone runs its jobs in its own process (RQ's SimpleWorker) and
    keeps its database connections: forking a work horse and connecting anew cost 0.2–0.4 s a job,
    more than a town's recomputation. Each job still opens and closes its own town session, and a
    killed job's transaction rolls back, so running it again is safe. Other queues keep a work horse
    per job, which isolates slow or crashing deliveries and imports.
    """
    import uuid

    from flask import current_app

    from renkou import jobs
    from renkou.extensions import db
    from renkou.redisconn import get_redis
    from renkou.rqworker import SimpleWorker, Worker

    unknown = set(kinds) - set(jobs.QUEUE_KINDS)
    if unknown:
        raise click.UsageError(f"unknown queue kinds: {', '.join(sorted(unknown))}")
    jobs.bind_app(current_app._get_current_object())
    jobs.preload()
    queues = [jobs.get_queue(kind) for kind in (kinds or jobs.QUEUE_KINDS)]
    db.session.remove()
    # Named after the installation, as its queues and job ids are: installations sharing a Redis can
    # tell their workers apart.
    name = f"{current_app.config['RENKOU_SETTINGS'].redis_prefix}-{uuid.uuid4().hex}"
    worker_class = SimpleWorker if set(kinds) == {"aggregation"} else Worker
    worker_class(queues, connection=get_redis(), name=name).work(burst=burst, with_scheduler=with_scheduler,
                                                                 logging_level=logging_level.upper())


# ---------------------------------------------------------------------------------------------------------
# renkou cron


@click.command("cron")
@click.option("--logging-level", default="INFO", type=LOG_LEVELS, help="RQ's log lines from this level up.")
@with_appcontext
def cron(logging_level):
    """Enqueue the schedules' tick every minute (RQ's cron). Run exactly one; a second is harmless."""
    from renkou import jobs
    from renkou.extensions import db
    from renkou.redisconn import get_redis
    from workers.schedules import cron_scheduler

    scheduler = cron_scheduler(get_redis(), jobs.queue_name("default"), logging_level.upper())
    # One tick at once: after a restart, what fell due meanwhile runs now, not at the next minute.
    scheduler.get_jobs()[0].enqueue(get_redis())
    db.session.remove()
    scheduler.start()


# ---------------------------------------------------------------------------------------------------------
# renkou demo


@click.command("demo")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--no-serve", is_flag=True, help="Prepare the demo county and exit.")
@click.option("--verbose", is_flag=True, help="Every request and every job in the log (else warnings only).")
def demo(host, port, no_serve, verbose):
    """Run the platform on the embedded default with a seeded demo county."""
    from renkou import demo as demo_module

    demo_module.run(host=host, port=port, serve=not no_serve, verbose=verbose)


COMMANDS = (db_group, town_group, user_group, token_group, audit_group, worker, cron)
for _command in (*COMMANDS, demo):
    main.add_command(_command)
