"""How the clinics area's coded values read on screen (translated; the official Chinese names are in
tenants.clinics.rules)."""

from flask_babel import lazy_gettext as _l

from renkou.audit import labels as audit_labels

UNIT_KIND = {
    "health_centre": _l("Town health centre"),
    "village_clinic": _l("Village clinic"),
    "private": _l("Private clinic"),
    "hospital": _l("Hospital"),
}
LICENCE_KIND = {
    "practice": _l("Medical institution practice licence"),
    "maternal_infant": _l("Maternal and infant health care licence"),
    "family_planning": _l("Family planning technical services licence"),
    "radiology": _l("Radiology licence"),
    "other": _l("Other licence"),
}
LICENCE_STATE = {"valid": _l("Valid"), "expiring": _l("Expiring soon"), "expired": _l("Expired")}
SERVICE = {
    "delivery": _l("Deliveries"),
    "iud_insertion": _l("IUD insertion"),
    "iud_removal": _l("IUD removal"),
    "termination": _l("Terminations of pregnancy"),
    "sterilisation": _l("Sterilisation"),
    "ultrasound": _l("Ultrasound examination"),
    "prenatal_care": _l("Prenatal and maternal care"),
    "contraceptive_supply": _l("Contraceptive supplies"),
    "child_health": _l("Child health care"),
    "outpatient": _l("General outpatient care"),
}
CHECKLIST_ITEM = {
    "ultrasound_register": _l("Ultrasound use register kept"),
    "chromosome_testing": _l("Chromosome testing controlled"),
    "termination_drugs": _l("Termination drugs recorded and controlled"),
    "termination_register": _l("Terminations registered and checked"),
    "notice_posted": _l("Notice against 两非 posted"),
    "staff_commitment": _l("Staff commitments against 两非 signed"),
}
ITEM_RESULT = {"pass": _l("Pass"), "fail": _l("Fail"), "na": _l("Not applicable")}
FINDING_STATUS = {"open": _l("Awaiting rectification"), "rectified": _l("Rectified"), "closed": _l("Closed")}
FINDING_SOURCE = {"service": _l("Restricted service"), "inspection": _l("Inspection")}


audit_labels.register(
    records={"clinic_finding": _l("finding"), "clinic_inspection": _l("inspection"),
             "clinic_licence": _l("licence"), "clinic_unit": _l("medical unit")},
    verbs={"clinic_finding": ("create", "update", "export", "list", "read"),
           "clinic_inspection": ("create", "export", "list", "read"),
           "clinic_licence": ("create", "update", "delete", "export"),
           "clinic_unit": ("create", "update", "export", "list", "read")},
    actions={"clinic_finding.rectify": _l("Record a finding as rectified"),
             "clinic_finding.close": _l("Close a finding")},
    fields={"unit_id": _l("Medical unit"), "inspection_date": _l("Date"), "inspectors": _l("Inspectors"),
            "deadline": _l("Deadline"), "rectification_deadline": _l("Deadline"), "rectified_on": _l("Rectified on"),
            "found_on": _l("Found on"), "number": _l("Number"), "issued_by": _l("Issued by"),
            "valid_from": _l("Valid from"), "valid_to": _l("Valid to"), "contact_person": _l("Contact person"),
            "address": _l("Street address"), "services": _l("Services offered"), "in_operation": _l("In operation"),
            "ownership": _l("Ownership")},
)
