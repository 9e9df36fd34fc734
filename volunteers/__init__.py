"""Volunteer service on top of the time bank: profiles and linkage, themes, activities and
sign-ups, check-in, matching, certificates, reports.

This package imports `timebank`; the reverse never happens.
"""


def init_app(app) -> None:
    from volunteers import activities, certificates, checkins, demo, jobs, matching, profiles, reporting

    for package in (profiles, checkins, activities, matching, certificates, reporting, demo):
        package.init_app(app)
    app.extensions.setdefault("timebank.jobs", {}).update(jobs.JOBS)
