"""The county bureau's pages: onboarding and archiving towns, and later dashboards and targets."""
