"""Roles. County roles are held by a user; town roles by a membership in one town.

System, security and audit administration are separate roles (等保2.0): the county administrator
runs towns and accounts but does not read the audit trail; the audit administrator reads it and
nothing else.
"""

from flask_babel import lazy_gettext as _l

COUNTY_ADMIN = "county_admin"
COUNTY_VIEWER = "county_viewer"
AUDIT_ADMIN = "audit_admin"
COUNTY_ROLES = (COUNTY_ADMIN, COUNTY_VIEWER, AUDIT_ADMIN)

TOWN_ADMIN = "town_admin"
TOWN_STAFF = "town_staff"
TOWN_VIEWER = "town_viewer"
TOWN_ROLES = (TOWN_ADMIN, TOWN_STAFF, TOWN_VIEWER)

# Town roles that may change the town's registers.
TOWN_EDITORS = (TOWN_ADMIN, TOWN_STAFF)

ROLE_LABELS = {
    COUNTY_ADMIN: _l("County administrator"),
    COUNTY_VIEWER: _l("County viewer"),
    AUDIT_ADMIN: _l("Audit administrator"),
    TOWN_ADMIN: _l("Town administrator"),
    TOWN_STAFF: _l("Town staff"),
    TOWN_VIEWER: _l("Town viewer"),
}
