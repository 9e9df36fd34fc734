"""Training and qualifications (培训与资质): courses, sessions, attendance (scanned or recorded by
staff), training minutes kept apart from service, qualifications with expiry, and waivers of an
activity's required qualification (`services`)."""

from timebank.exchange.gifts.views import HOURS_PAGE_SECTIONS


def init_app(app) -> None:
    from volunteers.training import api, models, station, views  # noqa: F401 (tables, routes)

    app.register_blueprint(api.bp)
    app.extensions.setdefault(HOURS_PAGE_SECTIONS, []).append(hours_page_section)


def hours_page_section(member) -> list:
    """培训时长 on the member's hours page (theirs and the staff's view): a section of its own,
    never part of the service totals."""
    from volunteers.training.services import summary

    if member is None or not getattr(member, "is_authenticated", True):
        return []
    return [("training/_hours_section.html", summary(member.id))]
