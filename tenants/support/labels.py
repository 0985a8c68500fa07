"""How the family support area's coded values read on screen (translated; the official Chinese names are
in tenants.support.rules)."""

from flask_babel import lazy_gettext as _l

KIND = {"reward": _l("Reward support"), "special_death": _l("Special support (only child died)"),
        "special_disability": _l("Special support (only child disabled)")}
PAYMENT_METHOD = {"bank": _l("Bank transfer"), "card": _l("Social security card"), "cash": _l("Cash"),
                  "other": _l("Other")}
PAYMENT_STATUS = {"paid": _l("Paid"), "returned": _l("Returned")}
SUBSIDY_STATUS = {"received": _l("Received"), "under_review": _l("Under review"), "approved": _l("Approved"),
                  "returned": _l("Returned"), "paid": _l("Paid")}
ASSISTANCE_KIND = {"training": _l("Technical training"), "microcredit": _l("Microcredit support"),
                   "project": _l("Project support"), "goods": _l("Goods"), "other": _l("Other")}
CONDITION_STATUS = {"met": _l("Met"), "unmet": _l("Not met"), "declared": _l("Declared"),
                    "to_declare": _l("To be checked")}
DECLARABLE = {"rural_hukou": _l("Rural hukou (the person and spouse)"),
              "child_disability": _l("Only child disabled, grade 3 or worse (certificate seen)"),
              "woman_age": _l("The woman of the couple is old enough"),
              "children": _l("The children condition (checked outside the register)")}
