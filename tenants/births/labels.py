"""How the births area's coded values read on screen."""

from flask_babel import lazy_gettext as _l

REGISTRATION_STATUS = {"submitted": _l("Submitted"), "accepted": _l("Accepted"), "registered": _l("Registered"),
                       "returned": _l("Returned")}
TIMING = {"before_birth": _l("Before the birth"), "after_birth": _l("After the birth")}
CHILD_SEX = {"M": _l("Boy"), "F": _l("Girl")}
PLACE = {"hospital": _l("Hospital"), "home": _l("Home"), "other": _l("Other")}
TASK_KIND = {"registration": _l("Birth registration"), "subsidy_intake": _l("Childcare subsidy intake"),
             "postnatal_visit": _l("Postnatal visit")}
TASK_STATUS = {"open": _l("Open"), "done": _l("Done")}
