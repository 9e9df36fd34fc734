"""The confirmation step before hours move: step one signs what the person is about to confirm,
step two reads it back. The order carries a fresh nonce that becomes the transfer's idempotency
key, so pressing "confirm" twice moves the hours once. An order is valid for ten minutes and only
for the person who made it.
"""

import secrets

from flask import current_app
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

CONFIRM_WITHIN = 10 * 60


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"confirm:{purpose}")


def sign(purpose: str, **order) -> str:
    """A token for the confirmation page's form, holding `order` plus the giver and a nonce."""
    return _serializer(purpose).dumps({**order, "giver": current_user.id,
                                       "nonce": secrets.token_hex(12)})


def load(purpose: str, token: str | None) -> dict | None:
    """The signed order, or None if it was forged, has expired or belongs to someone else."""
    try:
        order = _serializer(purpose).loads(token or "", max_age=CONFIRM_WITHIN)
    except BadSignature:
        return None
    return order if order.get("giver") == current_user.id else None
