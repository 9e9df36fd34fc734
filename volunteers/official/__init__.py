"""The official export: approved service records ready to enter into i志愿 or the national
volunteer information system (补录), each activity's external project id, and the sync status
of each record set by importing the systems' result list back."""


def init_app(app) -> None:
    from volunteers.official import cli, services, station  # noqa: F401 (routes)

    app.register_blueprint(station.bp)
    app.cli.add_command(cli.official_cli)
    app.jinja_env.globals.update(official_projects=services.projects_of_activity,
                                 OFFICIAL_SYSTEMS=services.SYSTEMS)
