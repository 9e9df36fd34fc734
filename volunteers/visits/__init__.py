"""Visits to registered households (入户探访): recorded by the station's staff or a paired
volunteer; a volunteer's, once the grid social worker approves it, posts hours through the
check-in path (`services`)."""


def init_app(app) -> None:
    from volunteers.visits import api, models, station, views  # noqa: F401 (tables, routes)

    app.register_blueprint(api.bp)


def visits_waiting(station) -> int:
    """The count beside 探访审核 in the station's navigation (a template global)."""
    from volunteers.visits.services import waiting_count

    return waiting_count(station.id)
