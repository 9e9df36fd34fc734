"""Minimum necessary (最小必要): who sees a person's full phone number and ID number, and the
audited reveal by which staff of the person's station see one when their work needs it."""


def init_app(app) -> None:
    from timebank.privacy import api, services, views

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.jinja_env.globals.update(shown_phone=services.shown_phone_for_viewer,
                                 shown_id_number=services.shown_id_number_for_viewer,
                                 may_reveal=services.may_reveal_for_viewer)
