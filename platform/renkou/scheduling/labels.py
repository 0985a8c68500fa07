"""Words for the jobs page: queue kinds and worker states."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

QUEUE_LABELS = {
    "aggregation": _l("Indicator computation"),
    "submissions": _l("Submissions to the higher bureau"),
    "exchange": _l("Exchange with the higher bureau"),
    "default": _l("Imports and other work"),
}

WORKER_STATES = {
    "idle": _l("Idle"),
    "busy": _l("Busy"),
    "started": _l("Starting"),
    "suspended": _l("Suspended"),
}
