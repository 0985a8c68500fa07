"""The town's home page: who the town is and what its registers hold."""

from __future__ import annotations

from flask import Blueprint, render_template

from tenants.network import services as network

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    return render_template("town/home.html", villages=network.list_villages(per_page=10))
