"""Community pools (社区时间池): donations in, grants out by a station's social workers."""


def init_app(app) -> None:
    from timebank.exchange.pools import api, views

    app.register_blueprint(views.bp)
    app.register_blueprint(views.district_bp)
    app.register_blueprint(api.bp)
