"""The family support area's services, one module per kind of work: eligibility (worked out from the
register), roll (the yearly roll and its candidates), payments (the ledger), subsidies (childcare-subsidy
applications) and assistance (三结合).

They flush, never commit. Every read of a record that names people is audited, and so is every
change and export; the audit detail names fields, never their values.
"""
