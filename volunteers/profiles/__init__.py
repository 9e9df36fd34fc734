"""Volunteer profiles, their community and the social worker each is linked to, teams."""


def init_app(app) -> None:
    from timebank.org.services import HOME_FINDER
    from timebank.privacy.services import ID_NUMBER_FINDER
    from timebank.signals import (
        consent_given,
        consent_withdrawn,
        staff_handed_over,
        user_registered,
    )
    from volunteers.profiles import api, imports, services, station, views  # noqa: F401 (routes)

    app.extensions[HOME_FINDER] = services.home_of
    app.extensions[ID_NUMBER_FINDER] = services.id_number_of
    user_registered.connect(services.file_home_community)
    staff_handed_over.connect(services.hand_over_volunteers)
    consent_given.connect(services.on_consent_given)
    consent_withdrawn.connect(services.on_consent_withdrawn)
    imports.init_app(app)
