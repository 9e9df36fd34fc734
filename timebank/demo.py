"""Demo logins and a little hour history, for trying the platform locally.

Idempotent: existing phones are left alone and every demo transfer has a fixed key.
"""

from datetime import timedelta

import click
from flask import current_app
from sqlalchemy import select, update

from timebank.accounts import services as users
from timebank.accounts.models import User
from timebank.accounts.permissions import Role
from timebank.clock import now
from timebank.exchange.merchants import services as merchants
from timebank.extensions import db
from timebank.ledger import keys
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, TransferKind

DEMO_PASSWORD = "demo1234"  # noqa: S105 (documented in the README, refused in production)

#: (phone, name, roles); the README lists these logins.
DEMO_USERS = (
    ("13800000001", "陈晓敏", (Role.RESIDENT,)),
    ("13800000002", "李志华", (Role.SOCIAL_WORKER,)),
    ("13800000003", "王丽娟", (Role.STATION_MANAGER,)),
    ("13800000004", "黄建国", (Role.DISTRICT_ADMIN,)),
    ("13800000005", "何记糖水", (Role.MERCHANT,)),
    ("13800000006", "梁伯", (Role.RESIDENT,)),
)

#: The demo resident's hours served before the platform, as an import would bring them: an
#: opening balance (``opening_balance``), not service on the platform. Her service on the
#: platform comes from check-ins only (the volunteers demo), so 我的时间's service hours and her
#: certificate agree.
DEMO_OPENING_MINUTES = 1290
DEMO_OPENING_MEMO = "平台上线前在社工站纸质登记的志愿服务时长（演示）"


def seed() -> int:
    """Create the demo logins that are missing and the demo hours; return logins created."""
    created = 0
    for phone, name, roles in DEMO_USERS:
        if users.get_by_phone(phone) is None:
            users.create_user(phone, DEMO_PASSWORD, name, roles=roles)
            created += 1
    merchant = users.get_by_phone("13800000005")
    merchants.ensure_profile(merchant, shop_name=merchant.name)  # approved: it trades at once
    _seed_hours()
    return created


def _seed_hours() -> None:
    pool = ledger.open_account(keys.DEMO_DISTRICT_POOL, AccountKind.POOL, name="南沙区邻里互助池")
    resident = ledger.member_account(users.get_by_phone("13800000001"))
    elder = ledger.member_account(users.get_by_phone("13800000006"))
    today = now()
    # The key an import of the roster would use, so importing her again adds nothing.
    ledger.post_transfer(TransferKind.OPENING_BALANCE,
                         [(ledger.legacy_hours_account(), -DEMO_OPENING_MINUTES),
                          (resident, DEMO_OPENING_MINUTES)],
                         idempotency_key=f"opening_balance:{resident.owner_id}", memo=DEMO_OPENING_MEMO,
                         posted_at=today - timedelta(days=400))
    ledger.post_transfer(TransferKind.DONATE, [(resident, -120), (pool, 120)],
                         idempotency_key="demo:donate:pool", memo="捐给社区互助池",
                         posted_by=resident.owner, posted_at=today - timedelta(days=30))
    ledger.post_transfer(TransferKind.DONATE, [(resident, -60), (elder, 60)],
                         idempotency_key="demo:donate:elder", memo="送给梁伯，用于陪诊",
                         posted_by=resident.owner, posted_at=today - timedelta(days=8))


def seed_all() -> None:
    """Every feature's demo seeder, then the demo people settled (`settle_demo_people`)."""
    for seeder in current_app.extensions["timebank.demo_seeders"]:
        seeder()
    settle_demo_people()


def settle_demo_people() -> int:
    """Demo logins are not stopped on their way in: every account of the demo database counts
    as having verified its phone and agreed to the current privacy notice (recorded as
    ``import``). Only ever run on demo data (the command refuses production)."""
    from timebank.consents import services as consents
    from timebank.consents.models import Consent

    moment = now()
    version = consents.current_version() or consents.NOTICES[-1].version
    db.session.execute(update(User).where(User.phone_verified_at.is_(None))
                       .values(phone_verified_at=moment))
    agreed = select(Consent.user_id).where(Consent.purpose == consents.PRIVACY,
                                           Consent.notice_version == version,
                                           Consent.withdrawn_at.is_(None))
    missing = list(db.session.scalars(select(User.id).where(User.id.not_in(agreed))))
    for user_id in missing:
        db.session.add(Consent(user_id=user_id, purpose=consents.PRIVACY, notice_version=version,
                               given_at=moment, method="import"))
    db.session.flush()
    return len(missing)


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="Allow in production (never do this with real data).")
def seed_demo_command(force):
    """Load the demo data once; running it again adds nothing."""
    if current_app.config["APP_ENV"] == "production" and not force:
        raise click.ClickException("refusing to load demo data in production (use --force)")
    seed_all()
    db.session.commit()
    click.echo("demo data is loaded")
