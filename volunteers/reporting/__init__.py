"""Reports for stations and the district: dashboards, exports and their filters."""


def init_app(app) -> None:
    from volunteers.reporting import api, cli, export_views, station, views  # noqa: F401 (routes)

    app.register_blueprint(views.bp)
    app.register_blueprint(views.report_api_bp)
    app.register_blueprint(export_views.bp)
    app.cli.add_command(cli.export_cli)
