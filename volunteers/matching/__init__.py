"""Matching volunteers to the month's activities: the score, the runs, proposals and invitations."""


def init_app(app) -> None:
    from volunteers.matching import api, cli, views

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.cli.add_command(cli.match_cli)
