"""How the town's network (villages, village groups, village staff) reads in the audit trail."""

from flask_babel import lazy_gettext as _l

from renkou.audit import labels as audit_labels

audit_labels.register(
    records={"village": _l("village"), "group": _l("village group"), "staff": _l("village staff member")},
    verbs={"village": ("create", "update", "delete"), "group": ("create", "update", "delete", "export"),
           "staff": ("create", "update", "delete", "export", "read")},
    record_fields={"staff": {"name": _l("Full name")}},
    actions={"staff.activate": _l("Mark a village staff member as working here"),
             "staff.deactivate": _l("Mark a village staff member as no longer working here")},
    fields={"position": _l("Position"), "duties": _l("Duties"), "staff_id": _l("Village staff")},
)
