"""The outreach area's services: activities, slogans and population-school sessions (records), the
materials catalogue and deliveries to households (materials), and the coverage of households (coverage).

They flush, never commit. Outreach records are about the office's work, not about people: changes are
audited by field name, and households appear by number only.
"""
