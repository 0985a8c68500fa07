"""The town's organisation network (镇–村–组): villages, and later village groups and staff."""
