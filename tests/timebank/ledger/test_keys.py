"""Account keys are persisted: each format is checked here against its literal spelling, so a
change to one fails a test instead of orphaning every account opened under the old one."""

import pytest
from sqlalchemy import select

from timebank.accounts.permissions import Role
from timebank.exchange.pools import services as pools
from timebank.extensions import db
from timebank.ledger import keys
from timebank.ledger import services as ledger
from timebank.org.services import Community, Station
from volunteers.checkins import services as checkins


def test_every_account_key_format_is_spelled_as_stored():
    assert keys.member(12) == "member:12"
    assert keys.merchant(12) == "merchant:12"
    assert keys.station_issuer(3) == "station:3:issuer"
    assert keys.community_pool(5) == "pool:community:5"
    assert keys.DISTRICT_ADJUSTMENTS == "district:adjustments"
    assert ledger.ADJUSTMENTS_KEY == "district:adjustments"
    assert keys.DEMO_DISTRICT_POOL == "pool:district"
    assert keys.DEMO_ISSUER == "demo:issuer"


def test_the_community_is_read_back_out_of_a_pool_key():
    assert keys.community_of_pool("pool:community:5") == 5
    assert keys.community_of_pool(keys.community_pool(2147483647)) == 2147483647


@pytest.mark.parametrize("key", ["pool:district", "member:5", "station:5:issuer", "pool:community:",
                                 "pool:community:5x", "pool:community:-1", "pool:community:٥"])
def test_a_key_that_is_no_community_pool_has_no_community(key):
    assert keys.community_of_pool(key) is None


def test_the_sql_spellings_build_the_same_keys_as_python(make_station):
    station = make_station()
    community = station.town.communities[0]
    assert db.session.scalar(select(keys.station_issuer_sql(Station.id))
                             .where(Station.id == station.id)) == f"station:{station.id}:issuer"
    assert db.session.scalar(select(keys.community_pool_sql(Community.id))
                             .where(Community.id == community.id)) == f"pool:community:{community.id}"


def test_the_services_open_accounts_under_the_persisted_keys(make_user, make_station):
    resident, merchant = make_user(), make_user(Role.MERCHANT)
    station = make_station()
    community = station.town.communities[0]
    assert ledger.member_account(resident).key == f"member:{resident.id}"
    assert ledger.member_account(merchant).key == f"merchant:{merchant.id}"
    assert ledger.find_member_account(merchant).key == f"merchant:{merchant.id}"
    assert checkins.issuer_account(station).key == f"station:{station.id}:issuer"
    assert pools.pool_account(community).key == f"pool:community:{community.id}"
    assert ledger.adjustments_account().key == "district:adjustments"
    db.session.commit()
    assert pools.pool_balances([community, station.town.communities[1]]) == {
        community.id: 0, station.town.communities[1].id: 0}
