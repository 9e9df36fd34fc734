"""Complaints (投诉): a public form and the station's form for one taken by phone or in person;
each moves 受理 → 处理 → 答复 → 回访 with district deadlines, escalated when overdue
(`services`)."""


def init_app(app) -> None:
    from volunteers.complaints import api, station, views  # noqa: F401 (routes)

    app.register_blueprint(api.bp)
    app.register_blueprint(views.bp)


def open_complaints(station) -> int:
    """The count beside 投诉处理 in the station's navigation (a template global)."""
    from volunteers.complaints.services import open_count

    return open_count(station.id)
