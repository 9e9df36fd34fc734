"""A resident's own data (issue #21): the export of everything held about them, a correction
request for profile data, erasure of their identity (their hours and service records stay under
an anonymous label), and the retention review of inactive accounts. Rows about a person are
found by walking the metadata (`services`), so new features' tables are covered unasked."""


def init_app(app) -> None:
    from flask_login import current_user
    from sqlalchemy.exc import SQLAlchemyError

    from timebank.extensions import db
    from timebank.personal_data import api, cli, services, station, views

    app.register_blueprint(views.bp)
    app.register_blueprint(station.bp)
    app.register_blueprint(station.district_bp)
    app.register_blueprint(api.bp)
    app.cli.add_command(cli.personal_data_cli)
    app.extensions.setdefault("timebank.jobs", {})["personal-data-review"] = (
        services.review_job, {"trigger": "cron", "hour": 3, "minute": 30})

    @app.before_request
    def remember_last_seen():
        """`users.last_seen_at`, at most one write a day per person (the retention review)."""
        if not current_user.is_authenticated:
            return
        try:
            if services.touch(current_user):
                db.session.commit()
        except SQLAlchemyError:  # a busy database does not stop the request
            db.session.rollback()
