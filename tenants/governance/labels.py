"""How the governance area's coded values read on screen."""

from flask_babel import lazy_gettext as _l

GROUP_ROLE = {"leader": _l("Group leader"), "deputy": _l("Deputy group leader"), "member": _l("Group member")}
VETO_KIND = {"service": _l("Service"), "oversight": _l("Oversight (两非 cases)"),
             "data_quality": _l("Data quality (false reports)")}
DUTY_KIND = {"area": _l("Area (包片)"), "village": _l("Village (包村)"), "household": _l("Households (包户)")}
OUTCOME = {"passed": _l("Passed"), "vetoed": _l("Vetoed")}
