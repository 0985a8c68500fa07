"""Outreach (宣传教育): activities, materials delivered to households, slogans, population-school sessions."""
