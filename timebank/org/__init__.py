"""The organisation: towns, communities, stations, service points, grid teams and staff posts."""
