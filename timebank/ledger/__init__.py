"""The hour ledger: accounts, transfers and entries, reversals, statements and the check that it balances."""


def init_app(app) -> None:
    from timebank.ledger import api, cli, station

    app.register_blueprint(station.bp)
    app.register_blueprint(api.bp)
    app.cli.add_command(cli.ledger_cli)
