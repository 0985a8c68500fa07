"""RQ jobs and their schedules: cross-town aggregation, targets, bureau submissions and exchange.

Every job takes the town code as an explicit argument and opens its own session for that town
(DESIGN.md §4). The jobs arrive with the indicators and submissions issues.
"""
