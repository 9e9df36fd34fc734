"""The district's four-party evaluation of its stations (四方评估, #19): periods, scoring forms,
the veto list, frozen figures, reviewers' score sheets and the results (`services`)."""


def init_app(app) -> None:
    from volunteers.evaluation import api, models, station, views  # noqa: F401 (tables, routes)
    from volunteers.evaluation.services import is_reviewer

    app.register_blueprint(api.bp)
    app.register_blueprint(station.bp)
    app.register_blueprint(views.bp)
    app.jinja_env.globals["is_reviewer"] = is_reviewer
