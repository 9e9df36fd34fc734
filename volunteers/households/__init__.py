"""Served residents: the station's register of households in difficulty, neighbour pairings,
due visits and coverage (`services`); staff pages (`station`), the volunteer's 我的结对
(`views`) and the JSON API (`api`)."""


def init_app(app) -> None:
    from volunteers.households import api, models, station, views  # noqa: F401 (routes, tables)

    app.register_blueprint(api.bp)
