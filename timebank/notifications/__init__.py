"""Notifications: written in the transaction, shown in the inbox, sent by the configured senders."""


def init_app(app) -> None:
    from timebank.notifications import views

    app.register_blueprint(views.bp)
