"""How the funding area's coded values read on screen."""

from flask_babel import lazy_gettext as _l

CATEGORY = {"equipment": _l("Equipment"), "technical_services": _l("Technical services"),
            "child_health": _l("Child health"), "publicity": _l("Publicity"), "training": _l("Training"),
            "network": _l("Network building"), "other": _l("Other")}
