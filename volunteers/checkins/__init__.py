"""Check-in and check-out by QR code, the station's approvals, and the hours they credit."""


def init_app(app) -> None:
    from volunteers.checkins import api, views

    app.register_blueprint(views.bp)
    app.register_blueprint(views.staff_bp)
    app.register_blueprint(api.bp)
