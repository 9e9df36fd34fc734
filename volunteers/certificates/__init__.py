"""The volunteer service record certificate (志愿服务记录证明) and its public verification."""


def init_app(app) -> None:
    from volunteers.certificates import views

    app.register_blueprint(views.bp)
