"""Visits to registered households (`models`)."""


def init_app(app) -> None:
    from volunteers.visits import models  # noqa: F401 (tables)
