"""Corrections of service records: a volunteer asks, the organising station checks within
five working days and reverses, adjusts or refuses with a reason (`services`)."""

def init_app(app) -> None:
    from volunteers.corrections import api, station, views  # noqa: F401 (routes)

    app.register_blueprint(api.bp)
    views.install_statement_links(app)


def open_corrections(station) -> int:
    """The count beside 更正申请 in the station's navigation (a template global)."""
    from volunteers.corrections.services import open_count

    return open_count(station.id)
