"""How the governance area's coded values read on screen."""

from flask_babel import lazy_gettext as _l

from renkou.audit import labels as audit_labels

GROUP_ROLE = {"leader": _l("Group leader"), "deputy": _l("Deputy group leader"), "member": _l("Group member")}
VETO_KIND = {"service": _l("Service"), "oversight": _l("Oversight (两非 cases)"),
             "data_quality": _l("Data quality (false reports)")}
DUTY_KIND = {"area": _l("Area (包片)"), "village": _l("Village (包村)"), "household": _l("Households (包户)")}
OUTCOME = {"passed": _l("Passed"), "vetoed": _l("Vetoed")}


audit_labels.register(
    records={"agreement": _l("responsibility agreement"), "cadre_assignment": _l("cadre duty"),
             "leadership_member": _l("leadership group member")},
    verbs={"agreement": ("create", "update", "delete", "export"),
           "cadre_assignment": ("create", "update", "delete", "export"),
           "leadership_member": ("create", "update", "delete", "export", "read")},
    actions={"agreement.evaluate": _l("Evaluate a responsibility agreement"),
             "agreement.scan_upload": _l("Upload an agreement's scan"),
             "agreement.scan_download": _l("Download an agreement's scan")},
    record_fields={"leadership_member": {"name": _l("Full name")}},
    fields={"signed_on": _l("Signed on"), "agency_name": _l("Agency"), "evaluated_on": _l("Evaluated on"),
            "evaluator": _l("Evaluator"), "scores": _l("Score"), "scan": _l("Scan"), "cadre": _l("Cadre"),
            "position": _l("Position"), "group_role": _l("Role"), "order": _l("Order"), "area_name": _l("Area"),
            "village_ids": _l("Villages"), "household_ids": _l("Households")},
)
