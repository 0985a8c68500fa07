"""Access checks for county pages (town pages are checked in renkou.tenancy.context)."""

from __future__ import annotations

import functools

from flask import abort
from flask_login import current_user, login_required


def county_role_required(*roles: str):
    """The view is for signed-in users holding one of the county ``roles``; others get 403."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if current_user.county_role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator
