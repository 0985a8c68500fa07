"""How the births area's coded values read on screen."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from renkou.audit import labels as audit_labels

REGISTRATION_STATUS = {"submitted": _l("Submitted"), "accepted": _l("Accepted"), "registered": _l("Registered"),
                       "returned": _l("Returned")}
TIMING = {"before_birth": _l("Before the birth"), "after_birth": _l("After the birth")}
CHILD_SEX = {"M": _l("Boy"), "F": _l("Girl")}
PLACE = {"hospital": _l("Hospital"), "home": lazy_pgettext("place of birth", "Home"), "other": _l("Other")}
TASK_KIND = {"registration": _l("Birth registration"), "subsidy_intake": _l("Childcare subsidy intake"),
             "postnatal_visit": _l("Postnatal visit")}
TASK_STATUS = {"open": _l("Open"), "done": _l("Done")}


audit_labels.register(
    records={"birth": _l("birth"), "birth_notice": _l("birth notice"), "birth_registration": _l("birth registration"),
             "birth_task": _l("follow-up task")},
    verbs={"birth": ("create", "update", "export", "list", "read"), "birth_notice": ("create", "export", "list"),
           "birth_registration": ("create", "update", "export", "list", "read"),
           "birth_task": ("create", "export", "list")},
    actions={"birth_registration.accept": _l("Accept a birth registration"),
             "birth_registration.register": _l("Register a birth registration"),
             "birth_registration.return": _l("Return a birth registration"),
             "birth_registration.resubmit": _l("Resubmit a birth registration"),
             "birth_task.done": _l("Complete a follow-up task")},
    fields={"mother_id": _l("Mother"), "father_id": _l("Father"), "father_name": _l("Father"),
            "child_order": _l("Birth order"), "expected_date": _l("Expected date"), "applied_on": _l("Applied on"),
            "birth_id": _l("Birth"), "born_at": _l("Born at"), "received_at": _l("Received"),
            "source": _l("Source"), "place": _l("Place"), "weight_g": _l("Weight (g)"), "sex": _l("Sex"),
            "child_name": _l("Child's name"), "due_on": _l("Due on"), "assignee": _l("Assignee"),
            "done_at": _l("Done at"), "done_note": _l("Note"), "timing": _l("Applied")},
)
