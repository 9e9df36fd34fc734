"""Fixtures of the register: a station with a social worker, a household, a volunteer."""

from datetime import datetime, timedelta

import pytest

from tests.conftest import SHANGHAI
from timebank.extensions import db


def valid_id(sequence: int) -> str:
    """A valid resident ID number (GB 11643 check character)."""
    body = f"4401151950010{sequence:03d}1"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(digit) * weight for digit, weight in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


CONSENTED = datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def register_household():
    """``register_household(station, worker, name=..., **fields)``: a household on the register."""
    from volunteers.households import services as households

    def make(station, by, name="李桂英", **fields):
        data = {"name": name, "community_id": station.town.communities[0].id,
                "categories": ["living_alone"], "consent_recorded_at": CONSENTED, **fields}
        household = households.create_household(station, data, by=by)
        db.session.commit()
        return household

    return make


def days(count: int) -> timedelta:
    return timedelta(days=count)
