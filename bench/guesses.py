"""How far guessing a member's typed payment code gets: 1,000 wrong typed codes for one member,
through the JSON API (`POST /api/v1/redemptions`), first from one merchant, then spread over
fifty merchants; and how many were refused as rate-limited (429) rather than checked (400).

Run from the project root:

    .venv/bin/python bench/guesses.py            # 1,000 guesses, SQLite in a temporary file
    .venv/bin/python bench/guesses.py --guesses 200

It uses the default limits (`timebank.config.DEFAULTS`), counted in memory as a single worker would; with
Redis every worker shares the same counts (tests/timebank/test_workers_share_limits.py). Figures are
printed, never asserted. The last line is the expected time to a hit at the daily budgets.
"""

import argparse
import os
import sys
import tempfile
from collections import Counter

from flask_migrate import upgrade

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from app import create_app  # noqa: E402
from timebank.accounts import services as users  # noqa: E402
from timebank.accounts.permissions import Role  # noqa: E402
from timebank.config import DEFAULTS  # noqa: E402
from timebank.exchange.merchants import services as merchants
from timebank.extensions import db  # noqa: E402
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, TransferKind

PASSWORD = "bench-password-1"  # noqa: S105


def _setup(app, merchant_count: int):
    with app.app_context():
        upgrade()
        member = users.create_user("13700000001", PASSWORD, "陈阿姨")
        issuer = ledger.open_account("bench:issuer", AccountKind.ISSUER, name="社工站", min_balance=None)
        ledger.post_transfer(TransferKind.EARN, [(issuer, -600), (ledger.member_account(member), 600)],
                             idempotency_key="bench:fund", memo="服务")
        shops = []
        for number in range(merchant_count):
            merchant = users.create_user(f"1370001{number:04d}", PASSWORD, f"商户{number}",
                                         roles=(Role.MERCHANT,))
            item = merchants.create_item(merchant, {"name": "理发一次", "price_minutes": 30, "stock": 100})
            shops.append((merchant.phone, item.id))
        db.session.commit()
        _token, typed, _expires = merchants.payment_code(member)
        return typed, shops


def _wrong(code: str, step: int) -> str:
    user_id, digits = code.split("-")
    return f"{user_id}-{(int(digits) + step) % 1_000_000:06d}"


def run(guesses: int, merchant_count: int) -> Counter:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
                          "SECRET_KEY": "bench-secret-of-thirty-two-characters", "APP_ENV": "development",
                          "RATELIMIT_ENABLED": False})
        typed, shops = _setup(app, merchant_count)
        client = app.test_client()
        headers = []
        for phone, item_id in shops:
            token = client.post("/api/v1/auth/token", json={"phone": phone, "password": PASSWORD})
            headers.append(({"Authorization": f"Bearer {token.get_json()['token']}"}, item_id))
        statuses = Counter()
        for guess in range(guesses):
            auth, item_id = headers[guess % len(headers)]
            response = client.post("/api/v1/redemptions", headers=auth,
                                   json={"code": _wrong(typed, guess + 1), "item_id": item_id})
            statuses[response.status_code] += 1
        with app.app_context():
            db.engine.dispose()
        return statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guesses", type=int, default=1000)
    args = parser.parse_args()
    print(f"limits: member {DEFAULTS['PAYMENT_CODE_MEMBER_LIMIT']!r}, "
          f"merchant {DEFAULTS['PAYMENT_CODE_MERCHANT_LIMIT']!r}")
    for merchant_count in (1, 50):
        statuses = run(args.guesses, merchant_count)
        checked, refused = statuses.get(400, 0), statuses.get(429, 0)
        other = {status: n for status, n in statuses.items() if status not in (400, 429)}
        print(f"{args.guesses} wrong typed codes for one member from {merchant_count} merchant(s): "
              f"{checked} checked (400), {refused} refused as rate-limited (429), other {other or 0}; "
              f"share refused {refused / args.guesses:.1%}")
    per_year = 20 * 365  # the member's daily budget of wrong tries, all merchants together
    print(f"expected time to a hit at the member's daily budget: 1 / ({per_year} x 2e-6) = "
          f"{1 / (per_year * 2e-6):.0f} years")


if __name__ == "__main__":
    main()
