"""How the outreach area's coded values read on screen."""

from flask_babel import lazy_gettext as _l

from renkou.audit import labels as audit_labels

ACTIVITY_KIND = {"new_customs_performance": _l("New customs of marriage and childbearing performance"),
                 "lecture": _l("Lecture"), "consultation_day": _l("Consultation day"), "other": _l("Other")}
MATERIAL_KIND = {"leaflet": _l("Leaflet"), "booklet": _l("Booklet"), "poster": _l("Wall chart or poster"),
                 "calendar": _l("Calendar"), "audio_video": _l("Audio or video"),
                 "daily_item": _l("Everyday item with a message"), "other": _l("Other")}


audit_labels.register(
    records={"outreach_activity": _l("outreach activity"), "outreach_activities": _l("outreach activity"),
             "outreach_material": _l("outreach material"), "outreach_materials": _l("outreach material"),
             "material_delivery": _l("material delivery"), "material_deliveries": _l("material delivery"),
             "outreach_slogan": _l("slogan"), "outreach_slogans": _l("slogan"),
             "school_session": _l("population-school session"), "school_sessions": _l("population-school session")},
    verbs={"outreach_activity": ("create", "update", "export"), "outreach_material": ("create",),
           "material_delivery": ("create", "update", "export"), "outreach_slogan": ("create", "export"),
           "school_session": ("create", "update", "export")},
    fields={"activity_date": _l("Date"), "participants": _l("Participants"), "material_id": _l("Material"),
            "households_reached": _l("Households reached"), "slogan_date": _l("Date"), "text": _l("Slogan text"),
            "topic": _l("Topic"), "attendance": _l("Attendance"), "session_date": _l("Date"),
            "delivered_on": _l("Date")},
)
