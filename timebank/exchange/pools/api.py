"""JSON API for community pools: balances, donations and grants.

The rules live in `volunteers.pools`; these handlers read the body through the schemas, call
the services, commit once and dump the shapes below.
"""

from typing import TYPE_CHECKING

from flask import jsonify, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import fields, validate

from timebank.accounts import services as users
from timebank.accounts.permissions import Role, login_required, role_required
from timebank.accounts.services import mask_name
from timebank.errors import referenced
from timebank.exchange.gifts.services import MAX_GIFT_MINUTES
from timebank.exchange.pools import services as pools
from timebank.extensions import db
from timebank.ledger.api import IDEMPOTENCY_HEADER, TransferSchema, transfer_json
from timebank.ledger.api import client_idempotency_key as idempotency_key
from timebank.org import services as org
from timebank.web.api import api_blueprint, json_body, paginated
from timebank.web.inputs import db_int
from timebank.web.openapi import doc
from timebank.web.schemas import PAGE_PARAMETERS, BaseSchema, page_of

if TYPE_CHECKING:
    from timebank.org.models import Community

bp = api_blueprint("pools_api", __name__)


class PoolSchema(BaseSchema):
    community_id = fields.Integer()
    community_name = fields.String()
    station_id = fields.Integer(allow_none=True)
    account_id = fields.Integer(allow_none=True, metadata={"description": "Null until first used"})
    name = fields.String()
    balance_minutes = fields.Integer()


PoolPageSchema = page_of(PoolSchema, "PoolPageSchema")


class DonationSchema(BaseSchema):
    minutes = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=MAX_GIFT_MINUTES, error=_l("Send between 1 minute and %(hours)d hours at a time.",
                                              hours=MAX_GIFT_MINUTES // 60)))
    memo = fields.String(load_default="", validate=validate.Length(max=200))


class GrantRequestSchema(BaseSchema):
    user_id = fields.Integer(required=True, strict=True)
    minutes = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=MAX_GIFT_MINUTES, error=_l("Grant between 1 minute and %(hours)d hours at a time.",
                                              hours=MAX_GIFT_MINUTES // 60)))
    group = fields.String(required=True, validate=validate.OneOf(
        list(pools.GRANT_GROUPS), error=_l("Choose who the grant is for.")),
        metadata={"enum": list(pools.GRANT_GROUPS)})
    reason = fields.String(required=True, validate=validate.Length(
        min=2, max=300, error=_l("Give a reason (2 to 300 characters).")))


class GrantSchema(BaseSchema):
    id = fields.Integer()
    community_id = fields.Integer()
    station_id = fields.Integer()
    user_id = fields.Integer(attribute="recipient_id")
    recipient_name = fields.Function(lambda grant: mask_name(grant.recipient.name))
    minutes = fields.Integer()
    group = fields.String()
    reason = fields.String()
    granted_by_id = fields.Integer()
    transfer_id = fields.Integer()
    created_at = fields.AwareDateTime()
    station_remaining_minutes = fields.Function(
        lambda grant: pools.remaining_cap(grant.station),
        metadata={"description": "What the station may still grant this month"})


def pool_json(community: "Community", balances: dict[int, int]) -> dict:
    account = pools.find_pool(community)
    return {"community_id": community.id, "community_name": community.full_name,
            "station_id": community.station.id if community.station else None,
            "account_id": account.id if account else None,
            "name": account.name if account else f"{community.name}互助池",
            "balance_minutes": balances.get(community.id, 0)}


def _community(community_id: int) -> "Community":
    return org.get_community(community_id)


@bp.get("/pools")
@login_required
@doc(summary="Community pools with their balances (one community with ?community_id=)",
     tags=["pools"], response=PoolPageSchema, errors=(404,),
     parameters=({"in": "query", "name": "community_id", "schema": {"type": "integer"}},)
     + PAGE_PARAMETERS)
def list_pools():
    statement = org.communities_statement(request.args.get("community_id", type=db_int))

    def rows(communities):
        balances = pools.pool_balances(communities)
        return [pool_json(community, balances) for community in communities]

    return jsonify(paginated(statement, PoolSchema(), rows=rows))


@bp.post("/pools/<int:community_id>/donations")
@login_required
@doc(summary="Donate some of my hours to a community's pool; repeating an Idempotency-Key "
             "returns the first donation (200)", tags=["pools"], body=DonationSchema,
     response=TransferSchema, status=201, errors=(404, 409), headers=(IDEMPOTENCY_HEADER,))
def donate(community_id: int):
    community = _community(community_id)
    data = json_body(DonationSchema())
    transfer = pools.donate(current_user, community, data["minutes"], data["memo"],
                            idempotency_key=idempotency_key())
    db.session.commit()
    return jsonify(TransferSchema().dump(transfer_json(transfer))), 200 if transfer.replayed else 201


@bp.post("/pools/<int:community_id>/grants")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Grant pool hours to a person in difficulty (staff of the community's station), "
             "with a reason; 409 when the pool is short or the station's monthly cap is reached",
     tags=["pools"], body=GrantRequestSchema, response=GrantSchema, status=201,
     errors=(403, 404, 409), headers=(IDEMPOTENCY_HEADER,))
def grant(community_id: int):
    community = _community(community_id)
    org.require_station_staff(current_user, community.station.id if community.station else None)
    data = json_body(GrantRequestSchema())
    recipient = referenced(users.get_user, data["user_id"])
    entry = pools.grant(community, recipient, data["minutes"], data["group"], data["reason"],
                        by=current_user, idempotency_key=idempotency_key())
    db.session.commit()
    return jsonify(GrantSchema().dump(entry)), 200 if entry.replayed else 201
