"""Towns as tenants: their registry, storage, onboarding and the per-request town context."""
