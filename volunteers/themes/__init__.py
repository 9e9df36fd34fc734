"""Each month's themes (主题), district-wide or a station's own."""


def init_app(app) -> None:
    from volunteers.themes import api, views  # noqa: F401 (routes on the shared blueprints)
