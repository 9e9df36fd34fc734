"""Star levels (星级志愿者) on application: a volunteer applies for the level their hours of
service reach, the manager of their station awards or declines it. A member's level is what
was awarded, never a number computed from hours (`services.awarded_level`)."""


def init_app(app) -> None:
    from flask_login import current_user

    from timebank.stars import api, services, station, views

    app.register_blueprint(views.bp)
    app.register_blueprint(station.bp)
    app.register_blueprint(api.bp)

    def star_applications_waiting(station) -> int | None:
        """The badge of the station navigation: None when the viewer does not decide there."""
        if station is None or not services.may_decide(current_user, station.id):
            return None
        return services.pending_count(station)

    app.jinja_env.globals.update(star_applications_waiting=star_applications_waiting,
                                 star_award=services.award_of)
