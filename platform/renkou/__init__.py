"""Renkou: the population-services platform of a county health bureau and its towns."""
