"""Fixtures the volunteer-service tests share: a station and a social worker posted there."""

import pytest


@pytest.fixture
def station(make_station):
    return make_station()


@pytest.fixture
def worker(station, make_staff):
    return make_staff(station, name="李社工")
