"""Browser pages that belong to no single area: layout, home, sign-in, health, errors, security headers."""
