"""What every town runs: one package per work area (DESIGN.md §7).

Each area has models.py (tables in the town's own schema), schemas.py, services.py, views.py (pages),
api.py (JSON) and templates/. Areas import renkou's core, never another area's internals.
"""
