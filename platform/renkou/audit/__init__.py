"""The append-only audit trail: who did what, when, in which town, to which record, with what outcome."""
