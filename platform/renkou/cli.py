"""The `renkou` command: migrations, towns, users, tokens and the demo.

Each command runs in one transaction: it commits once at the end, or rolls back and exits non-zero
with the reasons.
"""

from __future__ import annotations

import contextlib
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from renkou.accounts.roles import COUNTY_ROLES, TOWN_ROLES
from renkou.errors import ServiceError
from renkou.extensions import db


@contextlib.contextmanager
def transaction():
    """Commit once on success; on a ServiceError roll back and exit 1 with the messages."""
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


def _create_app():
    from renkou.app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, set_debug_flag=False, load_dotenv=False)
def main():
    """Renkou: the county's population-services platform."""


def init_app(app) -> None:
    for command in (db_group, town_group, user_group, token_group, worker, cron):
        app.cli.add_command(command)


# ---------------------------------------------------------------------------------------------------------
# renkou db


@click.group("db", help="Database migrations.")
def db_group():
    pass


@db_group.command("upgrade")
@click.option("--workers", type=int, default=None, help="Towns migrated in parallel (RENKOU_MIGRATE_WORKERS).")
@with_appcontext
def db_upgrade(workers):
    """Upgrade the shared schema, then every town that is behind."""
    from renkou.crypto.keys import ensure_town_keys
    from renkou.db import town_engines
    from renkou.migrations.runner import upgrade_shared, upgrade_towns
    from renkou.tenancy.services import list_towns

    settings = current_app.config["RENKOU_SETTINGS"]
    upgrade_shared(db.engine)
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
@with_appcontext
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
@with_appcontext
def town_list():
    """Every town with its status."""
    from renkou.tenancy.services import list_towns

    for town in list_towns():
        click.echo(f"{town.code}\t{town.slug}\t{town.status}\t{town.name}")


@town_group.command("archive")
@click.argument("slug")
@with_appcontext
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
@click.option("--role", required=True, type=click.Choice(COUNTY_ROLES + TOWN_ROLES))
@click.option("--town", "town_slug", default=None, help="Town slug, for a town role.")
@click.option("--display-name", default="")
@with_appcontext
def user_create(username, password, role, town_slug, display_name):
    """Create an account with a county role, or with a role in one town (an existing account gains the town)."""
    from renkou.accounts import services as accounts
    from renkou.tenancy.services import get_town_by_slug

    if (role in TOWN_ROLES) != bool(town_slug):
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
@with_appcontext
def token_create(username, name):
    """Create an API token; it is printed once and stored hashed."""
    from renkou.accounts import services as accounts

    with transaction():
        user = accounts.find_user(username)
        if user is None:
            raise ServiceError.on("username", f"no user {username}")
        token = accounts.create_token(user, name)
    click.echo(token)


def _load(schema, data):
    from marshmallow import ValidationError

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
@with_appcontext
def worker(kinds, burst, with_scheduler):
    """Work on RQ queues by kind (aggregation, submissions, exchange, default; all when none given).

    A worker of the aggregation queue alone runs its jobs in its own process (RQ's SimpleWorker) and
    keeps its database connections: forking a work horse and connecting anew cost 0.2–0.4 s a job,
    more than a town's recomputation. Each job still opens and closes its own town session, and a
    killed job's transaction rolls back, so running it again is safe. Other queues keep a work horse
    per job, which isolates slow or crashing deliveries and imports.
    """
    from rq import SimpleWorker, Worker

    from renkou import jobs
    from renkou.redisconn import get_redis

    unknown = set(kinds) - set(jobs.QUEUE_KINDS)
    if unknown:
        raise click.UsageError(f"unknown queue kinds: {', '.join(sorted(unknown))}")
    jobs.bind_app(current_app._get_current_object())
    jobs.preload()
    queues = [jobs.get_queue(kind) for kind in (kinds or jobs.QUEUE_KINDS)]
    db.session.remove()
    worker_class = SimpleWorker if set(kinds) == {"aggregation"} else Worker
    worker_class(queues, connection=get_redis()).work(burst=burst, with_scheduler=with_scheduler)


# ---------------------------------------------------------------------------------------------------------
# renkou cron


@click.command("cron")
@with_appcontext
def cron():
    """Enqueue the schedules' tick every minute (RQ's cron). Run exactly one; a second is harmless."""
    from renkou import jobs
    from renkou.redisconn import get_redis
    from workers.schedules import cron_scheduler

    scheduler = cron_scheduler(get_redis(), jobs.queue_name("default"))
    # One tick at once: after a restart, what fell due meanwhile runs now, not at the next minute.
    scheduler.get_jobs()[0].enqueue(get_redis())
    db.session.remove()
    scheduler.start()


# ---------------------------------------------------------------------------------------------------------
# renkou demo


@main.command("demo")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--no-serve", is_flag=True, help="Prepare the demo county and exit.")
def demo(host, port, no_serve):
    """Run the platform on the embedded default with a seeded demo county."""
    from renkou import demo as demo_module

    demo_module.run(host=host, port=port, serve=not no_serve)
