"""Placeholder: routes arrive with the village groups and staff work."""

from flask import Blueprint

bp = Blueprint("groups", __name__, url_prefix="/groups")
