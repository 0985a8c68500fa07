"""The numerator and denominator of every indicator of the catalog, over one town's registers."""
