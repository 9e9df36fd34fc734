"""Each month's themes (主题), district-wide or a station's own."""
