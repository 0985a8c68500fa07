"""How people read the bureau's messages, their tasks and replies."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from renkou.inbound.models import (
    ABSENT,
    APPLIED,
    DELIVERED,
    FAILED,
    FOUND,
    LOCATING,
    NOTIFICATION,
    OPEN,
    PENDING,
    PULL,
    PUSH,
    QUEUED,
    REPLIED,
    REPLYING,
    ROUTED,
    SENDING,
    TARGETS,
    VERIFICATION,
)

KIND = {TARGETS: lazy_pgettext("bureau message kind", "Targets"), VERIFICATION: _l("Verification request (协查)"),
        NOTIFICATION: _l("Notification (通报)")}
CHANNEL = {PUSH: _l("Sent by the bureau"), PULL: _l("Fetched from the bureau")}
MESSAGE_STATUS = {APPLIED: lazy_pgettext("bureau message status", "Applied"),
                  ROUTED: _l("Routed"), LOCATING: _l("Finding the person's town")}
NOTICE_STATUS = {OPEN: _l("Awaiting reply"), REPLYING: _l("Reply being sent"), REPLIED: _l("Replied")}
LOOKUP_STATE = {PENDING: _l("Not searched yet"), FOUND: _l("On the register"), ABSENT: _l("Not on the register")}
REPLY_STATE = {QUEUED: _l("Queued"), SENDING: _l("Sending"), DELIVERED: _l("Delivered"), FAILED: _l("Failed")}
RESULT = {
    "confirmed": _l("Verified: as the bureau states"),
    "differs": _l("Verified: differs from what the bureau states"),
    "not_found": _l("The person is not in this town"),
    "done": _l("Done as asked"),
    "noted": _l("Noted"),
}
RESULTS_BY_KIND = {VERIFICATION: ("confirmed", "differs", "not_found"), NOTIFICATION: ("done", "noted")}
