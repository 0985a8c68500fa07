"""How report states read on screen (their badge colours are classes in app.css: .badge.report-<state>)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from renkou.reporting.models import APPROVED, DRAFT, RETURNED, SUBMITTED, UNLOCKED

STATUS = {
    DRAFT: _l("Not submitted"),
    SUBMITTED: _l("Submitted"),
    APPROVED: _l("Approved"),
    RETURNED: _l("Returned"),
    UNLOCKED: _l("Unlocked"),
}
# The county's grid also shows months without a submitted report by where they stand.
NOT_OWED, WAITING, OVERDUE = "not_owed", "waiting", "overdue"
GRID_STATUS = {
    **STATUS,
    NOT_OWED: _l("Before the town joined"),
    WAITING: _l("Not yet due"),
    OVERDUE: _l("Overdue"),
}
EVENTS = {
    "submitted": _l("Submitted"),
    "approved": _l("Approved"),
    "returned": _l("Returned"),
    "unlocked": _l("Unlocked"),
}
FRESHNESS = {
    "current": _l("The figures are up to date."),
    "recomputing": _l("The figures are being recomputed after recent changes; this page refreshes by itself."),
    "not_computed": _l("The figures of this month have not been computed yet."),
}
