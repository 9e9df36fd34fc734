"""The month helpers of `timebank.clock` at the instants where months and years turn."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from timebank.clock import month_bounds, shift_month, this_month

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def platform():
    """Just enough of an app for the platform's zone: Asia/Shanghai."""
    app = Flask(__name__)
    app.config["TIMEZONE"] = "Asia/Shanghai"
    with app.app_context():
        yield app


@pytest.mark.parametrize(("year", "month", "by", "expected"), [
    (2026, 12, 1, (2027, 1)),    # December into January
    (2027, 1, -1, (2026, 12)),   # January back into December
    (2026, 12, 0, (2026, 12)),
    (2026, 11, 2, (2027, 1)),
    (2026, 1, 12, (2027, 1)),
    (2026, 1, -12, (2025, 1)),
    (2026, 12, 13, (2028, 1)),
    (2027, 1, -13, (2025, 12)),
    (2028, 2, 1, (2028, 3)),
])
def test_shifting_a_month_carries_into_the_year(year, month, by, expected):
    assert shift_month(year, month, by) == expected


def test_month_bounds_are_the_first_moments_in_the_platform_zone(platform):
    start, end = month_bounds(2026, 12)
    assert (start, end) == (datetime(2026, 12, 1, tzinfo=SHANGHAI), datetime(2027, 1, 1, tzinfo=SHANGHAI))
    assert start == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert month_bounds(2027, 1) == (datetime(2027, 1, 1, tzinfo=SHANGHAI),
                                     datetime(2027, 2, 1, tzinfo=SHANGHAI))


def test_a_leap_february_holds_its_29th_day(platform):
    start, end = month_bounds(2028, 2)
    assert (start, end) == (datetime(2028, 2, 1, tzinfo=SHANGHAI), datetime(2028, 3, 1, tzinfo=SHANGHAI))
    assert start <= datetime(2028, 2, 29, 23, 59, tzinfo=SHANGHAI) < end
    assert month_bounds(2027, 2)[1] - month_bounds(2027, 2)[0] < end - start


@pytest.mark.parametrize(("instant", "expected"), [
    (datetime(2026, 12, 31, 23, 59, tzinfo=SHANGHAI), (2026, 12)),
    (datetime(2027, 1, 1, 0, 1, tzinfo=SHANGHAI), (2027, 1)),   # still 2026-12-31 in UTC
    (datetime(2026, 12, 31, 16, 0, tzinfo=UTC), (2027, 1)),     # midnight in Shanghai
    (datetime(2026, 12, 31, 15, 59, tzinfo=UTC), (2026, 12)),
    (datetime(2028, 2, 29, 23, 59, tzinfo=SHANGHAI), (2028, 2)),
    (datetime(2028, 2, 29, 16, 0, tzinfo=UTC), (2028, 3)),      # 1 March, 00:00 in Shanghai
    (datetime(2027, 3, 1, 0, 1, tzinfo=SHANGHAI), (2027, 3)),   # after a 28-day February
], ids=lambda value: value.isoformat() if isinstance(value, datetime) else None)
def test_this_month_is_the_platform_zones_month(platform, instant, expected):
    assert this_month() == expected
    start, end = month_bounds(*this_month())
    assert start <= instant < end
