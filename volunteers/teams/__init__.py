"""Volunteer service teams (志愿服务队): staff create and edit them, volunteers ask to join, the
captain or guiding social worker signs the team up for activities with a party size; team
hours and the team certificate (`services`); staff pages (`station`), the volunteer's pages
(`views`) and the JSON API (`api`)."""


def init_app(app) -> None:
    from volunteers.teams import api, models, station, views  # noqa: F401 (routes, tables)

    app.register_blueprint(api.bp)
