"""Activities under the month's themes, sign-ups, waiting lists and the volunteer's and station's pages."""


def init_app(app) -> None:
    from volunteers.activities import api, station, views

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(station.bp)
