"""Check-in and check-out by QR code, the station's approvals, and the hours they credit."""


def init_app(app) -> None:
    from timebank.signals import staff_handed_over
    from volunteers.checkins import api, services, station, views  # noqa: F401 (routes)

    staff_handed_over.connect(services.hand_over_activities)

    app.register_blueprint(views.bp)
    app.register_blueprint(views.staff_bp)
    app.register_blueprint(api.bp)


def approvals_waiting(station) -> int:
    """The count beside 待审核 in the station's navigation (a template global)."""
    from volunteers.checkins.services import waiting_count

    return waiting_count(station.id)
