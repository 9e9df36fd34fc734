"""Check-in and check-out by QR code, the station's approvals, and the hours they credit."""


def init_app(app) -> None:
    from timebank.signals import staff_handed_over
    from volunteers.checkins import api, services, views

    staff_handed_over.connect(services.hand_over_activities)

    app.register_blueprint(views.bp)
    app.register_blueprint(views.staff_bp)
    app.register_blueprint(api.bp)
