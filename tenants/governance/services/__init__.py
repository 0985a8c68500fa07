"""The governance area's services, one module per kind of work: members (the leadership group),
agreements (responsibility agreements, their scans and evaluation) and duties (包片, 包村, 包户 and the
household coverage). They flush, never commit; every change is audited, and so is every read of a
member's phone and every download of a scan. The audit detail names fields, never their values.
"""
