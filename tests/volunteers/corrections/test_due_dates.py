"""The due date of a correction request: five working days (Monday to Friday, Asia/Shanghai)
from the moment asked, to the end of the last one; the number of days is a district setting."""

from datetime import UTC, datetime

import pytest

from tests.conftest import SHANGHAI
from timebank.extensions import db
from timebank.settings import services as settings
from volunteers.corrections import services as corrections


def due(*fields) -> datetime:
    return corrections.due_date(datetime(*fields, tzinfo=SHANGHAI)).astimezone(SHANGHAI)


def test_asked_on_a_monday_it_is_due_at_the_end_of_the_next_monday(app):
    assert due(2026, 12, 14, 10, 0) == datetime(2026, 12, 21, 23, 59, 59, tzinfo=SHANGHAI)


def test_asked_on_a_friday_evening_it_is_due_the_next_friday(app):
    assert due(2026, 12, 11, 20, 30) == datetime(2026, 12, 18, 23, 59, 59, tzinfo=SHANGHAI)


def test_asked_at_the_weekend_the_days_count_from_monday(app):
    for day in (12, 13):  # Saturday, Sunday
        assert due(2026, 12, day, 9, 0).date() == datetime(2026, 12, 18).date()


def test_a_wednesday_request_runs_across_the_weekend(app):
    assert due(2026, 12, 16, 10, 0).date() == datetime(2026, 12, 23).date()


def test_the_day_is_the_day_in_shanghai_not_in_utc(app):
    # Sunday 2026-12-13 17:00 in UTC is already Monday 01:00 in Shanghai: a Monday request.
    asked = datetime(2026, 12, 13, 17, 0, tzinfo=UTC)
    assert corrections.due_date(asked).astimezone(SHANGHAI).date() == datetime(2026, 12, 21).date()


@pytest.mark.parametrize("asked, expected", [
    ((2026, 12, 31, 23, 0), (2027, 1, 7)),    # Thursday before the new year (1 January counted)
    ((2026, 12, 28, 9, 0), (2027, 1, 4)),     # Monday of the last week
    ((2027, 12, 31, 17, 0), (2028, 1, 7)),    # a Friday, the year's last day
])
def test_the_due_date_crosses_the_year_end(app, asked, expected):
    assert due(*asked).date() == datetime(*expected).date()


def test_the_district_sets_the_number_of_working_days(app, make_user):
    from timebank.accounts.permissions import Role

    admin = make_user(Role.DISTRICT_ADMIN)
    assert corrections.working_days() == 5
    settings.update({"CORRECTION_DUE_WORKING_DAYS": 3}, by=admin, reason="区里要求三个工作日内回复")
    db.session.commit()
    assert corrections.working_days() == 3
    assert due(2026, 12, 14, 10, 0).date() == datetime(2026, 12, 17).date()


def test_days_overdue_count_calendar_days_after_the_due_day(app):
    ticket = corrections.Correction(status="open", due_at=due(2026, 12, 14, 10, 0))
    assert corrections.days_overdue(ticket, datetime(2026, 12, 21, 23, 0, tzinfo=SHANGHAI)) == 0
    assert corrections.days_overdue(ticket, datetime(2026, 12, 22, 10, 0, tzinfo=SHANGHAI)) == 1
    assert corrections.days_overdue(ticket, datetime(2026, 12, 25, 10, 0, tzinfo=SHANGHAI)) == 4
    ticket.status = "refused"
    assert corrections.days_overdue(ticket, datetime(2026, 12, 25, 10, 0, tzinfo=SHANGHAI)) == 0
