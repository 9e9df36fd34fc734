"""Demo logins for trying the platform locally. Idempotent: existing phones are left alone."""

from timebank import users
from timebank.permissions import Role

DEMO_PASSWORD = "demo1234"  # noqa: S105 (documented in the README, refused in production)

#: (phone, name, roles); the README lists these logins.
DEMO_USERS = (
    ("13800000001", "陈晓敏", (Role.RESIDENT,)),
    ("13800000002", "李志华", (Role.SOCIAL_WORKER,)),
    ("13800000003", "王丽娟", (Role.STATION_MANAGER,)),
    ("13800000004", "黄建国", (Role.DISTRICT_ADMIN,)),
    ("13800000005", "何记糖水", (Role.MERCHANT,)),
)


def seed() -> int:
    """Create the demo logins that are missing; return how many were created."""
    created = 0
    for phone, name, roles in DEMO_USERS:
        if users.get_by_phone(phone) is None:
            users.create_user(phone, DEMO_PASSWORD, name, roles=roles)
            created += 1
    return created
