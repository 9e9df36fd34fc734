"""Notifications: written in the transaction, shown in the inbox, sent by the configured senders."""


def init_app(app) -> None:
    from timebank.notifications import services

    app.register_blueprint(services.bp)
