"""Town monthly reports to the county (DESIGN.md §5): submitted by the town, approved or returned by
the county; an approved month is locked. Their timeliness is the report_timeliness indicator."""
