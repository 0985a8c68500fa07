"""How the contraception area's coded values read on screen (translated; the official Chinese names of
the methods are in tenants.contraception.methods, of the visit kinds in tenants.contraception.models)."""

from flask_babel import lazy_gettext as _l

from renkou.audit import labels as audit_labels

METHOD = {
    "iud": _l("IUD"),
    "implant": _l("Implant"),
    "injection": _l("Injection"),
    "pill": _l("Oral pill"),
    "condom": _l("Condom"),
    "female_sterilisation": _l("Female sterilisation"),
    "male_sterilisation": _l("Male sterilisation"),
    "emergency": _l("Emergency contraception"),
    "natural": _l("Natural methods"),
    "other": _l("Other method"),
}
FOLLOW_UP_KIND = {
    "before_marriage": _l("Before marriage"),
    "after_marriage": _l("After marriage"),
    "before_pregnancy": _l("Before pregnancy"),
    "after_pregnancy": _l("After pregnancy"),
    "before_birth": _l("Before childbirth"),
    "after_birth": _l("After childbirth"),
    "before_procedure": _l("Before the procedure"),
    "after_procedure": _l("After the procedure"),
}
NO_METHOD = _l("No method")
STOPPED = _l("Stopped using a method")


audit_labels.register(
    records={"counselling_visit": _l("counselling visit"), "follow_up_visit": _l("follow-up visit")},
    verbs={"counselling_visit": ("create", "export", "list", "read"), "follow_up_visit": ("create", "export", "list")},
    actions={"counselling_visit.current_methods": _l("View current contraceptive methods")},
    fields={"visit_date": _l("Date"), "counsellor": _l("Counsellor"), "methods_discussed": _l("Methods discussed"),
            "method_chosen": _l("Decision"), "visitor": _l("Visited by"), "content": _l("Content"),
            "outcome": _l("Outcome")},
)
