"""Every persisted account-key format, in one place.

A ledger account is found by its unique `Account.key`, a string stored in the database and
never rewritten, so each format below must stay byte for byte what it is:

* ``member:<user id>``: a resident's own hours (`member`);
* ``merchant:<user id>``: a partner merchant's account, for a user with the merchant role
  (`merchant`);
* ``station:<station id>:issuer``: the station's issuer, which creates the hours it pays to
  volunteers and so runs negative (`station_issuer`);
* ``pool:community:<community id>``: a community's mutual-aid pool (`community_pool`);
* ``group:<group id>``: a group member's account (团体会员: a company, school, party branch or
  social organisation), holding the hours it pledged or its members gave, which its contacts
  sponsor into community pools (`group`);
* ``district:adjustments``: the district's account that balances staff adjustments
  (`DISTRICT_ADJUSTMENTS`);
* ``district:legacy-hours``: the district's account that balances the opening balances of
  imported volunteers, the hours they served before the platform (`DISTRICT_LEGACY_HOURS`);
* ``district:sponsorships``: the district's issuer of the hours caring companies pledge
  (认捐) to their group account; it runs negative by what was pledged (`DISTRICT_SPONSORSHIPS`);
* ``pool:district``: the district's pool, which the time bank's operations centre grants from
  (`DISTRICT_POOL`; the core demo's `DEMO_DISTRICT_POOL` is the same account);
* ``demo:issuer``: the issuer of service hours of demos seeded before they came from check-ins
  (`DEMO_ISSUER`; kept for those databases).

No rule looks inside a key: features open and find their accounts by them, and reports join
accounts to stations and communities with the `*_sql` spellings, which build the same string
from an id column in SQL (issuers and pools have no owner column to join on).
"""

from sqlalchemy import String, cast, literal
from sqlalchemy.sql.elements import ColumnElement

DISTRICT_ADJUSTMENTS = "district:adjustments"
DISTRICT_LEGACY_HOURS = "district:legacy-hours"
DISTRICT_SPONSORSHIPS = "district:sponsorships"
DISTRICT_POOL = "pool:district"
DEMO_DISTRICT_POOL = DISTRICT_POOL
DEMO_ISSUER = "demo:issuer"

_COMMUNITY_POOL_PREFIX = "pool:community:"


def member(user_id: int) -> str:
    return f"member:{user_id}"


def merchant(user_id: int) -> str:
    return f"merchant:{user_id}"


def station_issuer(station_id: int) -> str:
    return f"station:{station_id}:issuer"


def community_pool(community_id: int) -> str:
    return f"{_COMMUNITY_POOL_PREFIX}{community_id}"


def group(group_id: int) -> str:
    return f"group:{group_id}"


def community_of_pool(key: str) -> int | None:
    """The community id in a ``pool:community:<id>`` key; None for any other key."""
    number = key.removeprefix(_COMMUNITY_POOL_PREFIX)
    if number == key or not (number.isascii() and number.isdigit()):
        return None
    return int(number)


# --- the same formats in SQL, from an id column -----------------------------------------------

def station_issuer_sql(station_id) -> ColumnElement[str]:
    """`station_issuer` of the station id `station_id` (a column), as a SQL expression."""
    return literal("station:") + cast(station_id, String) + literal(":issuer")


def community_pool_sql(community_id) -> ColumnElement[str]:
    """`community_pool` of the community id `community_id` (a column), as a SQL expression."""
    return literal(_COMMUNITY_POOL_PREFIX) + cast(community_id, String)
