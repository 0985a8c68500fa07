"""How the funding area's coded values read on screen."""

from flask_babel import lazy_gettext as _l

from renkou.audit import labels as audit_labels

CATEGORY = {"equipment": _l("Equipment"), "technical_services": _l("Technical services"),
            "child_health": _l("Child health"), "publicity": _l("Publicity"), "training": _l("Training"),
            "network": _l("Network building"), "other": _l("Other")}


audit_labels.register(
    records={"funding": _l("funding entry"), "funding_entry": _l("funding entry")},
    verbs={"funding": ("create", "update", "delete", "export")},
    fields={"voucher_number": _l("Voucher number"), "entry_date": _l("Date"), "amount": _l("Amount (yuan)"),
            "category": _l("Category")},
)
