"""Births: birth registration (生育登记), births, birth notices (出生信息) and their follow-up (DESIGN.md §7)."""
