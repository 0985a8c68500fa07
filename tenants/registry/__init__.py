"""The town's population register: households and people (DESIGN.md §7, registry)."""
