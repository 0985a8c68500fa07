"""Placeholder: routes arrive with the village groups and staff work."""

from flask import Blueprint

bp = Blueprint("staff_api", __name__, url_prefix="/staff")
