"""Informed-choice counselling (知情选择) and the "四前四后" service visits."""
