"""The clinics area's services, one module per kind of record: units (and their services), licences,
inspections (and coverage), findings.

They flush, never commit; every read of a unit's record (its contact person) and every change is audited.
"""
