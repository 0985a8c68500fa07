"""Accounts, roles, memberships, API tokens and sign-in security."""
