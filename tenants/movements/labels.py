"""How the movements area's coded values read on screen."""

from flask_babel import lazy_gettext as _l

KIND = {"death": _l("Death"), "move_out": _l("Moved out of the town"), "move_in": _l("Moved into the town")}
PLACE = {"move_out": _l("Destination"), "move_in": _l("Origin")}
STATE = {"active": _l("In force"), "cancelled": _l("Cancelled entries"), "all": _l("All")}
