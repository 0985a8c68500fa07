"""Targets per indicator, period and scope (the county or one town), set by the county or the bureau.

Only targetable indicators take a target: birth and natural-increase rates are monitored, never targeted,
because a target on them would be a birth quota (DESIGN.md §7, never build).
"""
