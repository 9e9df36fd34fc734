"""Households and pairings for the visits' tests, made through the models (the register's own
services are another feature's)."""

from datetime import timedelta

import pytest

from timebank.clock import local, now
from timebank.extensions import db
from volunteers.households.models import Household, Pairing


@pytest.fixture
def make_household(app):
    """A household of `station`'s register in its first community: 李秀英, called 李阿姨."""

    def make(station, by, *, name="李秀英", called="李阿姨", community=None, **fields):
        household = Household(
            station_id=station.id, community_id=(community or station.town.communities[0]).id,
            name=name, called=called, address="蕉门河路18号3栋502", phone="13800001111",
            categories=["living_alone"], needs=["companionship", "safety_check"],
            visit_every_days=fields.pop("visit_every_days", 30), created_by_id=by.id,
            next_visit_due=local(now()).date(), **fields)
        db.session.add(household)
        db.session.commit()
        return household

    return make


@pytest.fixture
def make_pairing(app):
    """A live pairing of `volunteer` with `household`, started a month ago, a visit a week."""

    def make(household, volunteer, by, *, rhythm="weekly_visit"):
        pairing = Pairing(household_id=household.id, volunteer_id=volunteer.id, rhythm=rhythm,
                          needs=["companionship", "safety_check"],
                          started_on=local(now()).date() - timedelta(days=30),
                          started_by_id=by.id)
        db.session.add(pairing)
        db.session.commit()
        return pairing

    return make


@pytest.fixture
def paired(make_station, make_staff, make_volunteer, make_household, make_pairing):
    """A station with its grid social worker (its grid team covers every community), its
    manager, a household, and a volunteer paired with it."""
    from timebank.accounts.permissions import Role

    station = make_station()
    worker = make_staff(station, name="李社工")
    manager = make_staff(station, Role.STATION_MANAGER, name="陈主管")
    household = make_household(station, worker)
    volunteer = make_volunteer(station.town.communities[0], name="黄志强")
    pairing = make_pairing(household, volunteer, worker)
    return {"station": station, "worker": worker, "manager": manager, "household": household,
            "volunteer": volunteer, "pairing": pairing}
