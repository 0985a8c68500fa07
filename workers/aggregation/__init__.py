"""Cross-town aggregation: one job per (town, period) writes the town's indicator values into shared
tables; thin dispatchers (run by the schedules) decide what to recompute."""
