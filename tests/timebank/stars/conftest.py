"""Volunteers with hours of service, at a station with its manager."""

import pytest

from timebank.extensions import db
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, TransferKind


@pytest.fixture
def serve(app):
    """Credit `user` with `hours` of service (an earn transfer); returns the transfer."""
    issuer = ledger.open_account("test:stars:issuer", AccountKind.ISSUER, name="测试社工站",
                                 min_balance=None)
    counter = iter(range(10_000))

    def credit(user, hours, minutes=0):
        transfer = ledger.post_transfer(
            TransferKind.EARN, [(issuer, -(hours * 60 + minutes)),
                                (ledger.member_account(user), hours * 60 + minutes)],
            idempotency_key=f"test:stars:{user.id}:{next(counter)}", memo="长者探访")
        db.session.commit()
        return transfer

    return credit


@pytest.fixture
def station(make_station):
    return make_station()


@pytest.fixture
def manager(station, make_staff):
    from timebank.accounts.permissions import Role

    return make_staff(station, Role.STATION_MANAGER, name="黄主管")


@pytest.fixture
def volunteer(station, make_volunteer):
    return make_volunteer(station.town.communities[0], name="陈晓敏")
