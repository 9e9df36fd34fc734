"""Notifications: written in the transaction with an outbox row per channel, shown in the
inbox, and delivered after the commit by SMS and WeChat (`delivery`, run by the scheduler every
minute or by ``flask notifications deliver``); one-time codes by SMS after the commit (`sms`)."""


def init_app(app) -> None:
    from timebank.notifications import api, cli, delivery, sms, views, wechat

    sms.init_app(app)
    wechat.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.cli.add_command(cli.notifications_cli)
    app.extensions.setdefault("timebank.jobs", {})["deliver-notices"] = (
        delivery.deliver_job, {"trigger": "interval", "minutes": 1})
