"""People and their accounts: users, roles, passwords, sessions and API tokens, who may act for whom."""


def init_app(app) -> None:
    from timebank.accounts import api, cli, station, views

    app.register_blueprint(views.bp)
    app.register_blueprint(station.bp)
    app.register_blueprint(api.bp)
    app.cli.add_command(cli.users_cli)
