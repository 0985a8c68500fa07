"""Onboarding, listing and archiving towns."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from renkou.accounts import services as accounts
from renkou.accounts.passwords import policy_errors
from renkou.accounts.roles import TOWN_ADMIN
from renkou.audit import services as audit
from renkou.crypto.keys import create_town_key
from renkou.errors import ConflictError, NotFoundError, ServiceError
from renkou.extensions import db
from renkou.indicators import freshness
from renkou.tenancy import storage
from renkou.tenancy.codes import town_code_errors
from renkou.tenancy.models import TOWN_ARCHIVED, Town
from renkou.types import utcnow


def onboard_town(*, code: str, name: str, slug: str, admin_username: str, admin_password: str) -> Town:
    """Register a town, its first administrator and its storage migrated to head.

    Everything happens in the caller's transaction: if any step fails, the rollback leaves no row, no
    schema and no file behind.
    """
    county_code = current_app.config["RENKOU_SETTINGS"].county_code
    errors = {}
    if problems := town_code_errors(code, county_code):
        errors["code"] = problems
    if problems := accounts.username_errors(admin_username):
        errors["admin_username"] = problems
    if problems := policy_errors(admin_password):
        errors["admin_password"] = problems
    if errors:
        raise ServiceError(errors)
    _check_unique(code, slug, admin_username)

    town = Town(code=code, name=name, slug=slug)
    db.session.add(town)
    db.session.flush()
    admin = accounts.create_user(admin_username, admin_password, display_name=f"{name}管理员")
    accounts.grant_membership(admin, town, TOWN_ADMIN)
    create_town_key(town)
    storage.provision(db.session, code)
    # Every period of the window is computed at once, so the dashboards show the town's zeros as figures
    # from the start instead of "no data" until the nightly run.
    freshness.mark_window(db.session, town.id, code)
    audit.record("town.create", record_type="town", record_id=code, town_code=code,
                 detail={"name": name, "slug": slug, "admin": admin_username})
    return town


def _check_unique(code: str, slug: str, admin_username: str) -> None:
    conflicts = {}
    if db.session.scalar(select(Town.id).where(Town.code == code)) is not None:
        conflicts["code"] = [str(_l("A town with this code already exists."))]
    if db.session.scalar(select(Town.id).where(Town.slug == slug)) is not None:
        conflicts["slug"] = [str(_l("A town with this slug already exists."))]
    if accounts.find_user(admin_username) is not None:
        conflicts["admin_username"] = [str(_l("This username is already taken."))]
    if conflicts:
        raise ConflictError(conflicts)


def list_towns(include_archived: bool = True) -> list[Town]:
    statement = select(Town).order_by(Town.code)
    if not include_archived:
        statement = statement.where(Town.status != TOWN_ARCHIVED)
    return list(db.session.scalars(statement))


def get_town_by_slug(slug: str) -> Town:
    town = db.session.scalar(select(Town).where(Town.slug == slug))
    if town is None:
        raise NotFoundError(str(_l("No such town.")))
    return town


def archive_town(town: Town) -> Town:
    """Make the town read-only and hidden from its users; its data stays where it is."""
    if town.status != TOWN_ARCHIVED:
        town.status = TOWN_ARCHIVED
        town.archived_at = utcnow()
        db.session.flush()
        audit.record("town.archive", record_type="town", record_id=town.code, town_code=town.code)
    return town
