"""The births area's services, one module per kind of work: registrations, births (and notices), tasks.

They flush, never commit; every read of a record about a person and every change is audited.
"""
