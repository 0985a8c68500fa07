"""How the association's coded values read on screen."""

from flask_babel import lazy_gettext as _l

MEMBER_ROLE = {"member": _l("Ordinary member"), "group_leader": _l("Group leader (小组长)"),
               "council_member": _l("Council member (理事)"), "volunteer": _l("Volunteer")}
MEMBER_STATUS = {"active": _l("In the association"), "left": _l("Left the association")}
