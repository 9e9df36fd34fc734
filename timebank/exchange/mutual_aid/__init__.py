"""Mutual aid (邻里互助): help requests and offers between residents, settled in hours."""


def init_app(app) -> None:
    from timebank.exchange.mutual_aid import api, views

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
