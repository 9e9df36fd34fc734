"""Partner merchants (爱心商家): items priced in hours, payment codes, redemptions."""


def init_app(app) -> None:
    from timebank.exchange.merchants import api, views

    app.register_blueprint(views.bp)
    app.register_blueprint(views.merchant_bp)
    app.register_blueprint(views.admin_bp)
    app.register_blueprint(api.bp)
