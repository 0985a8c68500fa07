"""How the association's coded values read on screen."""

from flask_babel import lazy_gettext as _l

from renkou.audit import labels as audit_labels

MEMBER_ROLE = {"member": _l("Ordinary member"), "group_leader": _l("Group leader (小组长)"),
               "council_member": _l("Council member (理事)"), "volunteer": _l("Volunteer")}
MEMBER_STATUS = {"active": _l("In the association"), "left": _l("Left the association")}


audit_labels.register(
    records={"association_group": _l("member group"), "association_home": _l("member home"),
             "association_liaison": _l("liaison household"), "association_member": _l("association member")},
    verbs={"association_group": ("create", "update", "delete"), "association_home": ("create", "update", "delete"),
           "association_liaison": ("create", "update", "delete", "export"),
           "association_member": ("create", "update", "delete", "export", "list", "read")},
    record_fields={"association_member": {"name": _l("Full name")}},
    fields={"member_number": _l("Member number"), "member_id": _l("Association member"), "home_id": _l("Member home"),
            "leader_id": _l("Leader"), "founded_on": _l("Founded on"), "opened_on": _l("Opened on"),
            "joined_on": _l("Joined on"), "left_on": _l("Left on"), "household_ids": _l("Households")},
)
