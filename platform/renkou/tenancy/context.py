"""The town of the current request, taken from the URL (DESIGN.md §3).

Every town route lives under ``/t/<town_slug>/`` (pages) or ``/api/v1/towns/<town_slug>/`` (API).
Those prefixes belong to two parent blueprints made here; each town area registers its own blueprint
under them. The parent's url_value_preprocessor pops the slug, checks sign-in, the town and the
membership before any town query, and binds the session to the town. Views never see the slug.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
from collections.abc import Iterator

from flask import Blueprint, abort, current_app, g, request
from flask_login import current_user
from sqlalchemy import select

from renkou.accounts.roles import TOWN_ADMIN, TOWN_EDITORS
from renkou.db import bind_town
from renkou.extensions import db, login_manager
from renkou.tenancy.models import Town

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclasses.dataclass(frozen=True)
class TownContext:
    """What a request knows of its town: a plain snapshot, safe to use after any rollback."""

    id: int
    code: str
    slug: str
    name: str
    role: str

    @property
    def can_edit(self) -> bool:
        return self.role in TOWN_EDITORS

    @property
    def is_admin(self) -> bool:
        return self.role == TOWN_ADMIN


def current_town() -> TownContext:
    town = g.get("town")
    if town is None:
        raise RuntimeError("no town in this request")
    return town


def load_town_model() -> Town:
    """The ORM object of the current town (for services that relate rows to it)."""
    return db.session.get(Town, current_town().id)


def make_town_blueprints() -> tuple[Blueprint, Blueprint]:
    """Fresh parent blueprints for one application: pages and API."""
    pages = Blueprint("town", __name__, url_prefix="/t/<town_slug>")
    api = Blueprint("town_api", __name__, url_prefix="/api/v1/towns/<town_slug>")
    for blueprint in (pages, api):
        blueprint.url_value_preprocessor(_enter_town)
        blueprint.url_defaults(_add_town_slug)
        blueprint.before_request(_refuse_writes_by_viewers)
    return pages, api


def _enter_town(endpoint, values) -> None:
    slug = (values or {}).pop("town_slug", None)
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    town = db.session.scalar(select(Town).where(Town.slug == slug))
    membership = current_user.membership_in(town.id) if town is not None and town.is_active else None
    if membership is None:
        # The same answer whether the town is missing, archived or someone else's: nothing leaks.
        from renkou.accounts.services import denied

        denied("town.enter", slug=slug, path=request.path)
        abort(404)
    g.town = TownContext(id=town.id, code=town.code, slug=town.slug, name=town.name, role=membership.role)
    _keep_signed_in_user()
    bind_town(db.session, town.code)


def _keep_signed_in_user() -> None:
    """Keep the signed-in user, their memberships and towns as loaded for the rest of the request.

    bind_town's rollback would expire them, and every later look at them (the menu of towns, the audit
    entry's actor, the page header) would query users and memberships again. Detached, they keep the
    values loaded once at the start of the request.
    """
    from renkou.accounts.services import towns_of

    user = current_user._get_current_object()
    g.user_towns = towns_of(user)
    session = db.session()
    for membership in user.memberships:
        for loaded in (membership.town, membership):
            if loaded in session:
                session.expunge(loaded)
    if user in session:
        session.expunge(user)


def _add_town_slug(endpoint, values) -> None:
    town = g.get("town")
    if town is not None and "town_slug" not in values and current_app.url_map.is_endpoint_expecting(
        endpoint, "town_slug"
    ):
        values["town_slug"] = town.slug


def _refuse_writes_by_viewers():
    view = current_app.view_functions.get(request.endpoint)
    if request.method not in SAFE_METHODS and not current_town().can_edit and not getattr(view, "reads_only", False):
        abort(403)


def search_by_post(view):
    """Marks a view whose POST only reads (a search sent in the body to keep ID numbers out of URLs), so that
    viewers may use it."""
    view.reads_only = True
    return view


def town_admin_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not current_town().is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def town_editor_required(view):
    """Pages that only lead to a change (forms) are closed to viewers as well as the change itself."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not current_town().can_edit:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


@contextlib.contextmanager
def town_session(town: Town, role: str = TOWN_ADMIN, actor: tuple[int | None, str] | None = None
                 ) -> Iterator[TownContext]:
    """Serve one town outside a request (CLI, jobs): a fresh session bound to it, committed on success.

    ``actor`` (user id, name) is who the audit trail names for what happens here.
    """
    db.session.remove()
    context = TownContext(id=town.id, code=town.code, slug=town.slug, name=town.name, role=role)
    g.town = context
    if actor is not None:
        g.job_actor = actor
    bind_town(db.session, town.code)
    try:
        yield context
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        db.session.remove()
        g.pop("town", None)
        g.pop("job_actor", None)
