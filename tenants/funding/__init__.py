"""Funding (经费投入): money the town puts into population and family services, by category."""
