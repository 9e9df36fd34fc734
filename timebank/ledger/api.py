"""JSON API for accounts, statements and transfers."""

import uuid

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import login_required
from timebank.errors import InvalidInput
from timebank.exchange.gifts import services as exchange
from timebank.extensions import db
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger
from timebank.ledger.schemas import (
    AccountSummarySchema,
    EntryPageSchema,
    EntrySchema,
    TransferRequestSchema,
    TransferSchema,
)
from timebank.stars import services as stars
from timebank.web.api import api_blueprint, json_body, paginated
from timebank.web.openapi import doc
from timebank.web.schemas import PAGE_PARAMETERS

bp = api_blueprint("ledger_api", __name__)

IDEMPOTENCY_HEADER = "Idempotency-Key"


def account_summary(account: ledger.Account | None) -> dict:
    """Balance, minutes in and out, service and the star level awarded; zeros for an account
    not yet opened."""
    if account is None:
        return {"account_id": None, "balance_minutes": 0, "earned_minutes": 0,
                "spent_minutes": 0, "min_balance_minutes": 0, "served_minutes": 0, "stars": 0,
                "star_awarded_at": None, "star_level_eligible": 0}
    sums = ledger_queries.totals(account)
    served = ledger_queries.minutes_served(account)
    award = stars.award_of(account.owner) if account.owner is not None else None
    held = award.level if award is not None else 0
    reached = stars.level_reached(served)
    return {
        "account_id": account.id,
        "balance_minutes": sums["balance"],
        "earned_minutes": sums["earned"],
        "spent_minutes": sums["spent"],
        "min_balance_minutes": account.min_balance,
        "served_minutes": served,
        "stars": held,
        "star_awarded_at": award.awarded_at if award is not None else None,
        "star_level_eligible": reached if reached > held else 0,
    }


@bp.get("/accounts/me")
@login_required
@doc(summary="My balance with minutes in and out", tags=["ledger"],
     response=AccountSummarySchema)
def my_account():
    account = ledger.find_member_account(current_user)
    return jsonify(AccountSummarySchema().dump(account_summary(account)))


@bp.get("/accounts/me/entries")
@login_required
@doc(summary="My statement, newest first, with running balance", tags=["ledger"],
     response=EntryPageSchema, parameters=PAGE_PARAMETERS)
def my_entries():
    account = ledger.find_member_account(current_user)
    return jsonify(paginated(ledger_queries.statement(account), EntrySchema()))


def client_idempotency_key() -> str:
    """The client's key, scoped to the client, or a fresh one when none was sent."""
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if len(key) > 64:
        raise InvalidInput(fields={IDEMPOTENCY_HEADER: [_("Use at most 64 characters.")]})
    return f"api:{current_user.id}:{key or uuid.uuid4().hex}"


@bp.post("/transfers")
@login_required
@doc(summary="Give hours to a member or a pool, or pay a merchant", tags=["ledger"],
     body=TransferRequestSchema, response=TransferSchema, status=201, errors=(404, 409),
     headers=(IDEMPOTENCY_HEADER,))
def create_transfer():
    data = json_body(TransferRequestSchema())
    key = client_idempotency_key()
    target = exchange.recipient_account(user_id=data["to_user_id"], account_id=data["to_account_id"])
    transfer = exchange.give(current_user, target, data["minutes"], data["memo"],
                             idempotency_key=key)
    db.session.commit()
    return jsonify(TransferSchema().dump(transfer_json(transfer))), 200 if transfer.replayed else 201


def transfer_json(transfer: ledger.Transfer) -> dict:
    debit = next(entry for entry in transfer.entries if entry.minutes < 0)
    credit = next(entry for entry in transfer.entries if entry.minutes > 0)
    return {"id": transfer.id, "kind": transfer.kind, "category": transfer.category,
            "minutes": credit.minutes,
            "memo": transfer.memo, "posted_at": transfer.posted_at,
            "from_account_id": debit.account_id, "to_account_id": credit.account_id}
