"""Coordination on top of the time bank: stations, linkage, themes, activities, check-in, matching.

This package imports `timebank`; the reverse never happens.
"""
