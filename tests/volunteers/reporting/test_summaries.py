"""Monthly summaries (`reporting.summaries`): what the dashboards and the monthly report show
from them equals the live figures, and late changes reach them by the rule of the two jobs."""

from sqlalchemy import func, select

from tests.volunteers.reporting.test_services import known, shift  # noqa: F401 -- the data set
from timebank.extensions import db
from timebank.ledger import services as ledger
from timebank.ledger.models import Transfer
from volunteers import jobs
from volunteers.checkins import services as checkins
from volunteers.checkins.models import CheckIn
from volunteers.reporting import monthly, summaries
from volunteers.reporting import services as reports
from volunteers.reporting.filters import ReportFilters
from volunteers.reporting.models import ServedYear, SummaryState, ThemeMonth


def shown(filters: ReportFilters) -> dict:
    """Every figure the dashboards, the summary API and the monthly report take from
    `reporting.services` for `filters`."""
    filters = reports.resolve_period(filters)
    figures = {"dashboard": reports.dashboard(filters),
               "service": reports.service_by_theme(filters),
               "sponsored": reports.pool_sponsorships(filters),
               "served": sorted(db.session.scalars(reports.served_users(filters)))}
    if filters.station_id is not None:
        figures["linked"] = reports.linked_by_social_worker(filters)
        report = monthly.station_report(filters.station_id, filters.first_month,
                                        filters.last_month).to_dict()
        figures["report"] = {**report, "generated_at": None}
    return figures


def live(filters: ReportFilters) -> dict:
    """`shown` with the summaries set aside."""
    state = db.session.get(SummaryState, 1)
    db.session.delete(state)
    db.session.flush()
    try:
        return shown(filters)
    finally:
        db.session.rollback()


def periods(k) -> list[ReportFilters]:
    spans = [(k.old, k.this), (k.m1, k.m1), (k.m2, k.this)]
    return [ReportFilters(first, last, station_id)
            for first, last in spans for station_id in (None, k.a.id, k.b.id)]


def test_summarised_figures_equal_the_live_figures(known):  # noqa: F811
    k = known
    assert summaries.summarised_through() is None  # never built: everything is read live
    assert jobs.rebuild_report_summaries() == 9  # eight months ago up to this one
    db.session.commit()
    assert summaries.summarised_through() == k.this
    assert db.session.scalar(select(func.count()).select_from(ThemeMonth)) > 0
    assert db.session.scalar(select(func.count()).select_from(ServedYear)) > 0
    for filters in periods(k):
        assert shown(filters) == live(filters), filters
    # With a theme chosen, everything is read live.
    themed = reports.resolve_period(ReportFilters(k.m1, k.this, theme_id=k.t1.id))
    assert summaries.split(themed) == (None, themed)
    # The page says how fresh summarised figures are; live ones need no word.
    built_at = db.session.get(SummaryState, 1).built_at
    assert summaries.as_of(reports.resolve_period(ReportFilters(k.m1, k.this))) == built_at
    assert summaries.as_of(themed) is None
    # A month begun since the last run is read live.
    ahead = ReportFilters(k.m1, shift(k.this, 1))
    assert summaries.split(ahead) == (
        (summaries.month_number(*k.m1), summaries.month_number(*k.this)),
        ReportFilters(shift(k.this, 1), shift(k.this, 1)))


def test_late_changes_reach_the_summaries_by_the_rule_of_the_two_jobs(known):  # noqa: F811
    k = known
    jobs.rebuild_report_summaries()
    db.session.commit()
    two_months_ago = ReportFilters(k.m1, k.m1, k.b.id)
    assert shown(two_months_ago)["dashboard"].served.total == 120

    # 志愿者六's check-in at 乙一 (two months ago) is approved late, and the approval of 甲三's
    # 志愿者四 (last month) is reversed in the ledger.
    waiting = db.session.scalar(select(CheckIn).where(CheckIn.activity_id == k.b_act1.id,
                                                      CheckIn.user_id == k.v6.id))
    checkins.approve(waiting, by=k.worker_b)
    last_month = db.session.scalar(select(CheckIn).where(CheckIn.activity_id == k.a_act3.id,
                                                         CheckIn.user_id == k.v4.id))
    ledger.reverse(db.session.get(Transfer, last_month.transfer_id), "重复记录",
                   posted_by=k.manager_b)
    db.session.commit()

    # The refresh rebuilds this month and the last: their figures are live again.
    assert jobs.refresh_report_summaries() == 2
    db.session.commit()
    for filters in (ReportFilters(k.m2, k.this, station_id) for station_id in (None, k.a.id)):
        assert shown(filters) == live(filters), filters
    # Two months ago is summarised as it was until the night's rebuild.
    assert shown(two_months_ago)["dashboard"].served.total == 120
    assert live(two_months_ago)["dashboard"].served.total == 240

    assert jobs.rebuild_report_summaries() == 9
    db.session.commit()
    for filters in (ReportFilters(k.old, k.this, station_id) for station_id in (None, k.b.id)):
        assert shown(filters) == live(filters), filters
    assert shown(two_months_ago)["dashboard"].served.total == 240

