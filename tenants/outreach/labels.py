"""How the outreach area's coded values read on screen."""

from flask_babel import lazy_gettext as _l

ACTIVITY_KIND = {"new_customs_performance": _l("New customs of marriage and childbearing performance"),
                 "lecture": _l("Lecture"), "consultation_day": _l("Consultation day"), "other": _l("Other")}
MATERIAL_KIND = {"leaflet": _l("Leaflet"), "booklet": _l("Booklet"), "poster": _l("Wall chart or poster"),
                 "calendar": _l("Calendar"), "audio_video": _l("Audio or video"),
                 "daily_item": _l("Everyday item with a message"), "other": _l("Other")}
