"""The association's services: member homes (homes), member groups (groups), members (members), liaison
households (liaisons) and the summary per village with the liaison coverage (summary).

They flush, never commit. Members are people: reading a member's record, listing and exporting members
are audited like the registry's people; every change is audited by field name, never by value.
"""
