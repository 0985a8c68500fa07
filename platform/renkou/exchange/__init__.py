"""Exchange with the higher bureau (DESIGN.md §5): signed messages both ways."""
