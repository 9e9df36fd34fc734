"""Ratings (服务评价): residents served and volunteers rate activities and mutual-aid help 1–5
with an optional comment; social workers enter ratings given by phone (代录); staff see the
averages per activity, theme, station and volunteer (`services`)."""


def init_app(app) -> None:
    from volunteers.ratings import api, services, station, views  # noqa: F401 (routes)

    app.register_blueprint(api.bp)
    views.install_help_links(app)
    app.jinja_env.globals.update(rating_figures=services.dashboard_figures,
                                 rating_average_text=services.average_text)
