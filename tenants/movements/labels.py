"""How the movements area's coded values read on screen."""

from flask_babel import lazy_gettext as _l

from renkou.audit import labels as audit_labels

KIND = {"death": _l("Death"), "move_out": _l("Moved out of the town"), "move_in": _l("Moved into the town")}
PLACE = {"move_out": _l("Destination"), "move_in": _l("Origin")}
STATE = {"active": _l("In force"), "cancelled": _l("Cancelled entries"), "all": _l("All")}


audit_labels.register(
    records={"movement": _l("death or move")},
    verbs={"movement": ("create", "export", "list")},
    actions={"movement.cancel": _l("Cancel a death or move")},
    fields={"event_date": _l("Date"), "cancelled_at": _l("Cancelled at"), "cancel_reason": _l("Reason"),
            "destination": _l("Destination"), "origin": _l("Origin")},
)
