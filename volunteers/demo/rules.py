"""Demo of the time bank's rules (`seed.seed` calls `seed_rules`): the district's operations
centre (时间银行运营中心, role ``grant_officer``) with its officer, who has granted 梁伯, an elderly
man living alone, an hour from the district's pool this month. Added only once."""

from sqlalchemy import select

from timebank.accounts.models import User
from timebank.accounts.permissions import Role
from timebank.exchange.pools import services as pools
from timebank.exchange.pools.models import PoolGrant
from timebank.extensions import db
from volunteers.demo.data import ELDER_PHONE

#: The operations centre's officer logs in with this phone (and the demo password).
GRANT_OFFICER_PHONE = "13800000051"


def seed_rules(password_hash: str) -> None:
    if db.session.scalar(select(User.id).where(User.phone == GRANT_OFFICER_PHONE)):
        return
    from volunteers.demo.seed import _new_user

    officer = _new_user(GRANT_OFFICER_PHONE, "罗运营", Role.GRANT_OFFICER, password_hash)
    db.session.flush()
    elder = db.session.scalar(select(User).where(User.phone == ELDER_PHONE))
    if elder is None or pools.district_pool().balance < 60:
        return
    if db.session.scalar(select(PoolGrant.id).where(PoolGrant.by_district.is_(True))) is None:
        pools.grant(None, elder, 60, "elderly_alone", "独居长者，运营中心年终关爱", by=officer,
                    idempotency_key="demo:district-grant:1")
