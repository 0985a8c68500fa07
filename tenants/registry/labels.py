"""How the register's coded values read on screen and in exports."""

from flask_babel import lazy_gettext as _l

from renkou.audit import labels as audit_labels

SEX = {"M": _l("Male"), "F": _l("Female")}
MARITAL_STATUS = {"unmarried": _l("Unmarried"), "married": _l("Married"), "divorced": _l("Divorced"),
                  "widowed": _l("Widowed")}
RELATION = {"head": _l("Head of household"), "spouse": _l("Spouse"), "child": _l("Child"), "parent": _l("Parent"),
            "grandchild": _l("Grandchild"), "sibling": _l("Sibling"), "other": _l("Other")}
PERSON_STATUS = {"resident": _l("Resident"), "moved_out": _l("Moved out"), "deceased": _l("Deceased")}


audit_labels.register(
    records={"household": _l("household"), "person": _l("person")},
    verbs={"household": ("create", "update", "delete", "export", "read"),
           "person": ("create", "update", "delete", "export", "list", "read")},
    actions={"person.reveal_id": _l("View a full ID number"), "person.status": _l("Change a person's status")},
    record_fields={"person": {"name": _l("Full name")}},
    fields={"resident_id_legacy": _l("15-digit"), "number": _l("Household number"), "address": _l("Address"),
            "birth_date": _l("Birth date"),
            "sex": _l("Sex"), "marital_status": _l("Marital status"), "relation": _l("Relation to the head"),
            "ethnicity": _l("Ethnicity"), "hukou": _l("Hukou")},
)
