"""Indicators (DESIGN.md §7): the catalog, reporting periods, and the shared tables their values live in.

Formulas read a town's registers, so they live with the workers (workers/indicators); the catalog here
holds what county pages need without touching any town: names, units, directions and periods.
"""
