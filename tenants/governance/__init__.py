"""Governance: the leadership group, responsibility agreements (责任书) and cadre duties (包片, 包村, 包户)."""
