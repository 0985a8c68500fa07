"""County pages (/county/...): towns. County pages read the shared schema only."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from renkou.accounts.access import county_role_required
from renkou.accounts.roles import COUNTY_ADMIN, COUNTY_VIEWER
from renkou.errors import ServiceError
from renkou.tenancy import services as town_services
from renkou.tenancy.codes import town_kind
from renkou.tenancy.schemas import TownCreateSchema
from renkou.web.forms import FormResult, load_form

bp = Blueprint("county", __name__, url_prefix="/county")


def _render_towns(result: FormResult, form=None):
    return render_template("county/towns.html", towns=town_services.list_towns(), town_kind=town_kind,
                           form=form or {}, errors=result.errors), result.status


@bp.get("/")
@county_role_required(COUNTY_ADMIN, COUNTY_VIEWER)
def index():
    return redirect(url_for(".towns"))


@bp.get("/towns")
@county_role_required(COUNTY_ADMIN, COUNTY_VIEWER)
def towns():
    return _render_towns(FormResult())


@bp.post("/towns")
@county_role_required(COUNTY_ADMIN)
def onboard():
    data, errors = load_form(TownCreateSchema(), request.form)
    if data is None:
        # What is taken is known from the typed values too: say it along with the other problems.
        taken = town_services.onboarding_conflicts(*(request.form.get(name, "").strip()
                                                     for name in ("code", "slug", "admin_username")))
        return _render_towns(FormResult.invalid({**taken, **errors}), request.form)
    try:
        town = town_services.onboard_town(**data)
    except ServiceError as error:
        return _render_towns(FormResult.from_service_error(error), request.form)
    flash(_("Town %(name)s onboarded; its administrator %(username)s can sign in now.",
            name=town.name, username=data["admin_username"]), "success")
    return redirect(url_for(".towns"))


@bp.post("/towns/<slug>/archive")
@county_role_required(COUNTY_ADMIN)
def archive(slug: str):
    town = town_services.archive_town(town_services.get_town_by_slug(slug))
    flash(_("Town %(name)s archived: hidden from its users, data kept.", name=town.name), "success")
    return redirect(url_for(".towns"))
