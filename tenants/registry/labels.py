"""How the register's coded values read on screen and in exports."""

from flask_babel import lazy_gettext as _l

SEX = {"M": _l("Male"), "F": _l("Female")}
MARITAL_STATUS = {"unmarried": _l("Unmarried"), "married": _l("Married"), "divorced": _l("Divorced"),
                  "widowed": _l("Widowed")}
RELATION = {"head": _l("Head of household"), "spouse": _l("Spouse"), "child": _l("Child"), "parent": _l("Parent"),
            "grandchild": _l("Grandchild"), "sibling": _l("Sibling"), "other": _l("Other")}
PERSON_STATUS = {"resident": _l("Resident"), "moved_out": _l("Moved out"), "deceased": _l("Deceased")}
