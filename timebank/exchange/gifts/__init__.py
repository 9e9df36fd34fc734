"""Giving hours to another member or to a community pool."""


def init_app(app) -> None:
    from timebank.exchange.gifts import views

    app.register_blueprint(views.bp)
