"""District settings: the rules that belong to the district (check-in rounding, the pool grant
cap), kept in the database and changed by its administrators on a page, audited; anything not
stored falls back to the app's configuration."""


def init_app(app) -> None:
    from timebank.settings import api, views

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
