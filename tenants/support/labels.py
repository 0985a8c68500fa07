"""How the family support area's coded values read on screen (translated; the official Chinese names are
in tenants.support.rules)."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from renkou.audit import labels as audit_labels

KIND = {"reward": _l("Reward support"), "special_death": _l("Special support (only child died)"),
        "special_disability": _l("Special support (only child disabled)")}
PAYMENT_METHOD = {"bank": _l("Bank transfer"), "card": _l("Social security card"), "cash": _l("Cash"),
                  "other": _l("Other")}
PAYMENT_STATUS = {"paid": _l("Paid"), "returned": _l("Returned")}
SUBSIDY_STATUS = {"received": lazy_pgettext("application status", "Received"),
                  "under_review": _l("Under review"), "approved": _l("Approved"),
                  "returned": _l("Returned"), "paid": _l("Paid")}
ASSISTANCE_KIND = {"training": _l("Technical training"), "microcredit": _l("Microcredit support"),
                   "project": _l("Project support"), "goods": _l("Goods"), "other": _l("Other")}
CONDITION_STATUS = {"met": _l("Met"), "unmet": _l("Not met"), "declared": _l("Declared"),
                    "to_declare": _l("To be checked")}
DECLARABLE = {"rural_hukou": _l("Rural hukou (the person and spouse)"),
              "child_disability": _l("Only child disabled, grade 3 or worse (certificate seen)"),
              "woman_age": _l("The woman of the couple is old enough"),
              "children": _l("The children condition (checked outside the register)")}


audit_labels.register(
    records={"support_assistance": _l("三结合 assistance"), "support_candidate": _l("support candidate"),
             "support_eligibility": _l("support eligibility"), "support_payment": _l("support payment"),
             "support_roll": _l("support roll"), "support_roll_entry": _l("support roll entry"),
             "childcare_subsidy": _l("childcare subsidy")},
    verbs={"support_assistance": ("create", "update", "delete", "export"), "support_candidate": ("list",),
           "support_eligibility": ("read",), "support_payment": ("create", "update", "export", "list", "read"),
           "support_roll": ("export", "list", "read"),
           "childcare_subsidy": ("create", "update", "export", "list", "read")},
    actions={"support_roll.confirm": _l("Confirm a person onto the support roll"),
             "support_roll.remove": _l("Remove a person from the support roll"),
             "support_payment.return": _l("Record a returned support payment"),
             "childcare_subsidy.review": _l("Take a childcare subsidy into review"),
             "childcare_subsidy.approve": _l("Approve a childcare subsidy"),
             "childcare_subsidy.return": _l("Return a childcare subsidy"),
             "childcare_subsidy.pay": _l("Pay a childcare subsidy"),
             "childcare_subsidy.refile": _l("File a childcare subsidy again")},
    fields={"roll_entry_id": _l("Roll entry"), "paid_on": _l("Paid on"), "amount": _l("Amount (yuan)"),
            "method": _l("Method"), "reference": _l("Reference"), "payment_reference": _l("Reference"),
            "child_id": _l("Child"), "applicant_id": _l("Applicant"), "applicant_phone": _l("Phone"),
            "subsidy_year": _l("Subsidy year"), "given_on": _l("Date"), "value": _l("Value (yuan)"),
            "provider": _l("Provided by"), "declarations": _l("Declared conditions"),
            "checked_by": _l("Checked by"), "checked_on": _l("Checked on")},
)
