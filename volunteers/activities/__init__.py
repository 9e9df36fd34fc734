"""Activities under the month's themes, sign-ups, waiting lists and the volunteer's and station's pages."""


def init_app(app) -> None:
    from volunteers.activities import api, station, views  # noqa: F401 (routes on the shared blueprints)
