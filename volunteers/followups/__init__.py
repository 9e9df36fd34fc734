"""Follow-up calls (群众随访): each month a sample of the residents served the month before is
queued per station for a call, and staff record the outcomes (`services`)."""


def init_app(app) -> None:
    from volunteers.followups import api, station  # noqa: F401 (routes)

    app.register_blueprint(api.bp)
