"""Placeholder: routes arrive with the village groups and staff work."""

from flask import Blueprint

bp = Blueprint("groups_api", __name__, url_prefix="/groups")
