"""The audit log: one row for every staff action, and the page that searches it."""


def init_app(app) -> None:
    from timebank.audit import views

    app.register_blueprint(views.bp)
