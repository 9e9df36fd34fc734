"""Volunteer profiles, their community and the social worker each is linked to, teams."""


def init_app(app) -> None:
    from timebank.org.services import HOME_FINDER
    from volunteers.profiles import services

    app.extensions[HOME_FINDER] = services.home_of
