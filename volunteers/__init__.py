"""Volunteer service on top of the time bank: profiles and linkage, themes, activities and
sign-ups, check-in, matching, certificates, corrections of records, reports.

This package imports `timebank`; the reverse never happens.
"""


def init_app(app) -> None:
    from volunteers import (
        activities,
        certificates,
        checkins,
        complaints,
        corrections,
        demo,
        evaluation,
        evidence,
        followups,
        groups,
        households,
        jobs,
        matching,
        official,
        pages,
        profiles,
        ratings,
        reporting,
        teams,
        themes,
        training,
        visits,
    )

    # Features add their routes to the shared blueprints first; then they are registered once.
    for package in (profiles, themes, checkins, activities, matching, certificates, corrections,
                    reporting, official, households, visits, ratings, complaints, followups,
                    teams, groups, training, evidence, evaluation, demo):
        package.init_app(app)
    for blueprint in (pages.volunteer_bp, pages.api_bp, pages.station_bp, pages.public_bp):
        app.register_blueprint(blueprint)
    app.register_error_handler(pages.StationToChoose, pages.to_picker)
    app.jinja_env.globals.update(can_choose_station=pages.can_choose_station,
                                 approvals_waiting=checkins.approvals_waiting,
                                 open_corrections=corrections.open_corrections,
                                 visits_waiting=visits.visits_waiting,
                                 open_complaints=complaints.open_complaints)
    app.extensions.setdefault("timebank.jobs", {}).update(jobs.JOBS)
