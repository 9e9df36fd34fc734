"""Notifications: written in the transaction, shown in the inbox, sent by the configured senders;
text messages (SMS) through the configured gateway, after the commit (`sms`)."""


def init_app(app) -> None:
    from timebank.notifications import sms, views

    sms.init_app(app)
    app.register_blueprint(views.bp)
