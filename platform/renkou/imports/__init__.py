"""Spreadsheet import and export for town registers (DESIGN.md §6; issue: imports are all-or-nothing).

An area describes its columns and how to apply one row (an ``ImportSpec``); this package reads XLSX or
CSV, checks every row (dry run), reports per-row reasons, and commits all valid rows in one
transaction. Large files run as a background job with progress in Redis.
"""
