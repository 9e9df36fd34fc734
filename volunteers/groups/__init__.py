"""Group members (团体会员): the organisations, their contacts and members, their ledger account
(pledges, sponsorships into community pools), the 党员 flag and the party-branch report
(`services`); the contact's and the volunteer's pages (`views`), staff pages (`station`) and
the JSON API (`api`)."""


def init_app(app) -> None:
    from timebank.signals import consent_withdrawn
    from volunteers.groups import api, models, services, station, views  # noqa: F401

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    consent_withdrawn.connect(services.on_consent_withdrawn)
