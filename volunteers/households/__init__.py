"""Served residents: the station's register of households in difficulty, neighbour pairings
and visits (`models`)."""


def init_app(app) -> None:
    from volunteers.households import models  # noqa: F401 (tables)
