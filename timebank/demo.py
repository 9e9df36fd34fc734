"""Demo logins and a little hour history, for trying the platform locally.

Idempotent: existing phones are left alone and every demo transfer has a fixed key.
"""

from datetime import timedelta

import click
from flask import current_app

from timebank.accounts import services as users
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

#: (days ago, minutes, memo) of volunteer service credited to the demo resident.
DEMO_SERVICE = (
    (330, 120, "学雷锋便民服务：义剪"), (300, 90, "清明文明祭扫宣传"), (250, 180, "助残日陪伴活动"),
    (220, 120, "禁毒宣传进社区"), (160, 150, "暑期四点半课堂"), (100, 240, "重阳敬老探访"),
    (70, 120, "长者生日会"), (40, 90, "垃圾分类督导"), (12, 180, "冬至送温暖"),
)


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
    issuer = ledger.open_account(keys.DEMO_ISSUER, AccountKind.ISSUER, name="南沙街道社工站（演示）",
                                 min_balance=None)
    pool = ledger.open_account(keys.DEMO_DISTRICT_POOL, AccountKind.POOL, name="南沙区邻里互助池")
    resident = ledger.member_account(users.get_by_phone("13800000001"))
    elder = ledger.member_account(users.get_by_phone("13800000006"))
    social_worker = users.get_by_phone("13800000002")
    today = now()
    for number, (days_ago, minutes, memo) in enumerate(DEMO_SERVICE):
        ledger.post_transfer(TransferKind.EARN, [(issuer, -minutes), (resident, minutes)],
                             idempotency_key=f"demo:earn:{number}", memo=memo,
                             posted_by=social_worker, posted_at=today - timedelta(days=days_ago))
    ledger.post_transfer(TransferKind.DONATE, [(resident, -120), (pool, 120)],
                         idempotency_key="demo:donate:pool", memo="捐给社区互助池",
                         posted_by=resident.owner, posted_at=today - timedelta(days=30))
    ledger.post_transfer(TransferKind.DONATE, [(resident, -60), (elder, 60)],
                         idempotency_key="demo:donate:elder", memo="送给梁伯，用于陪诊",
                         posted_by=resident.owner, posted_at=today - timedelta(days=8))


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="Allow in production (never do this with real data).")
def seed_demo_command(force):
    """Load the demo data once; running it again adds nothing."""
    if current_app.config["APP_ENV"] == "production" and not force:
        raise click.ClickException("refusing to load demo data in production (use --force)")
    for seeder in current_app.extensions["timebank.demo_seeders"]:
        seeder()
    db.session.commit()
    click.echo("demo data is loaded")
