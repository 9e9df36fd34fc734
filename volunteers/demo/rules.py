"""Demo of the time bank's rules (`seed.seed` calls `seed_rules`): the district's operations
centre (时间银行运营中心, role ``grant_officer``) and its officer, who grants from the district's
pool and the community pools on /grants. Added only once."""

from sqlalchemy import select

from timebank.accounts.models import User
from timebank.accounts.permissions import Role
from timebank.extensions import db

#: The operations centre's officer logs in with this phone (and the demo password).
GRANT_OFFICER_PHONE = "13800000051"


def seed_rules(password_hash: str) -> None:
    if db.session.scalar(select(User.id).where(User.phone == GRANT_OFFICER_PHONE)):
        return
    from volunteers.demo.seed import _new_user

    _new_user(GRANT_OFFICER_PHONE, "罗运营", Role.GRANT_OFFICER, password_hash)
    db.session.flush()
