"""The organisation: towns, communities, agencies, stations, service points, grid teams and
staff posts, and the pages and API through which the district sets them up."""


def init_app(app) -> None:
    from timebank.org import api, views

    app.register_blueprint(views.bp)
    app.before_request_funcs.setdefault(None, []).insert(0, views.allow_seal_uploads)
    app.register_blueprint(api.bp)
