"""JSON API for partner merchants (爱心商家): items, payment codes, redemptions, statements.

The rules live in `timebank.merchants`; these handlers read, call, commit once and dump.
"""

from flask import jsonify, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import fields, validate

from timebank.accounts.permissions import Role, login_required, role_required
from timebank.accounts.services import mask_name
from timebank.exchange.merchants import services as merchants
from timebank.exchange.merchants.schemas import (
    MerchantDecisionSchema,
    MerchantProfileSchema,
    MerchantRegisteredSchema,
    MerchantRegisterSchema,
)
from timebank.extensions import db
from timebank.ledger import services as ledger
from timebank.web.api import api_blueprint, json_body, paginated
from timebank.web.openapi import doc
from timebank.web.schemas import PAGE_PARAMETERS, BaseSchema, page_of

bp = api_blueprint("merchant_api", __name__)


def _name(**kwargs):
    return fields.String(validate=validate.Length(min=1, max=80, error=_l(
        "Enter a name (up to 80 characters).")), **kwargs)


def _price(**kwargs):
    return fields.Integer(strict=True, validate=validate.Range(
        min=1, max=100 * 60, error=_l("The price must be between 1 minute and 100 hours.")), **kwargs)


def _stock(**kwargs):
    return fields.Integer(strict=True, validate=validate.Range(
        min=0, max=100_000, error=_l("Stock cannot be negative.")), **kwargs)


class ItemSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    name = _name()
    description = fields.String(validate=validate.Length(max=500))
    price_minutes = _price()
    stock = _stock()
    active = fields.Boolean()


class ItemCreateSchema(BaseSchema):
    name = _name(required=True)
    description = fields.String(load_default="", validate=validate.Length(max=500))
    price_minutes = _price(required=True)
    stock = _stock(required=True)
    active = fields.Boolean(load_default=True)


class ItemChangesSchema(BaseSchema):
    name = _name()
    description = fields.String(validate=validate.Length(max=500))
    price_minutes = _price()
    stock = _stock()
    active = fields.Boolean()


class ItemListSchema(BaseSchema):
    items = fields.List(fields.Nested(ItemSchema))


class PaymentCodeSchema(BaseSchema):
    token = fields.String(metadata={"description": "What the QR code shows (valid 2 minutes)"})
    code = fields.String(metadata={"description": "The short code to type: <user id>-<6 digits>",
                                   "example": "12-345678"})
    expires_at = fields.AwareDateTime()
    balance_minutes = fields.Integer()


class RedemptionRequestSchema(BaseSchema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=400),
                         metadata={"description": "The scanned token or the typed code"})
    item_id = fields.Integer(required=True, strict=True)


class RedemptionSchema(BaseSchema):
    id = fields.Integer()
    item_id = fields.Integer()
    item_name = fields.String(attribute="item.name")
    member_id = fields.Integer()
    member_name = fields.Function(lambda redemption: mask_name(redemption.member.name))
    minutes = fields.Integer()
    transfer_id = fields.Integer()
    stock_left = fields.Integer(attribute="item.stock")
    created_at = fields.AwareDateTime()


class MonthSchema(BaseSchema):
    year = fields.Integer()
    month = fields.Integer()
    received_minutes = fields.Integer(attribute="in")


class StatementSchema(BaseSchema):
    month = fields.String(metadata={"example": "2026-03"})
    received_minutes = fields.Integer()
    count = fields.Integer()
    redemptions = fields.List(fields.Nested(RedemptionSchema))
    months = fields.List(fields.Nested(MonthSchema), metadata={
        "description": "Minutes received in each of the last 12 months"})


@bp.get("/merchant/items")
@role_required(Role.MERCHANT)
@doc(summary="My goods and services, priced in minutes, with stock", tags=["merchants"],
     response=ItemListSchema, errors=(403,))
def list_items():
    return jsonify({"items": ItemSchema(many=True).dump(merchants.items_of(current_user))})


@bp.post("/merchant/items")
@role_required(Role.MERCHANT)
@doc(summary="Add an item", tags=["merchants"], body=ItemCreateSchema, response=ItemSchema,
     status=201, errors=(403,))
def create_item():
    item = merchants.create_item(current_user, json_body(ItemCreateSchema()))
    db.session.commit()
    return jsonify(ItemSchema().dump(item)), 201


@bp.patch("/merchant/items/<int:item_id>")
@role_required(Role.MERCHANT)
@doc(summary="Change an item: name, description, price, stock, or take it off offer",
     tags=["merchants"], body=ItemChangesSchema, response=ItemSchema, errors=(403, 404))
def update_item(item_id: int):
    item = merchants.get_item(current_user, item_id)
    item = merchants.update_item(item, current_user, json_body(ItemChangesSchema()))
    db.session.commit()
    return jsonify(ItemSchema().dump(item))


@bp.get("/me/payment-code")
@login_required
@doc(summary="My payment code: a QR token and a short code to type, each paying once, "
             "within 2 minutes", tags=["merchants"], response=PaymentCodeSchema)
def my_payment_code():
    token, code, expires_at = merchants.payment_code(current_user)
    account = ledger.find_member_account(current_user)
    response = jsonify(PaymentCodeSchema().dump({
        "token": token, "code": code, "expires_at": expires_at,
        "balance_minutes": account.balance if account else 0}))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/redemptions")
@role_required(Role.MERCHANT)
@doc(summary="Take a payment: the member's code pays for one item. 400 for a forged or expired "
             "code; 409 when the code was used, the item is sold out or the member's hours "
             "are short; 429 when typed codes are locked after too many wrong ones (for the "
             "member, or typed by this merchant)", tags=["merchants"],
     body=RedemptionRequestSchema, response=RedemptionSchema, status=201,
     errors=(403, 404, 409, 429))
def redeem():
    data = json_body(RedemptionRequestSchema())
    item = merchants.get_item(current_user, data["item_id"])
    redemption = merchants.redeem(current_user, data["code"], item)
    db.session.commit()
    return jsonify(RedemptionSchema().dump(redemption)), 201


@bp.get("/merchant/statement")
@role_required(Role.MERCHANT)
@doc(summary="My monthly statement: minutes received and the month's redemptions",
     tags=["merchants"], response=StatementSchema, errors=(403, 422),
     parameters=({"in": "query", "name": "month",
                  "schema": {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
                  "description": "YYYY-MM; this month in Asia/Shanghai when left out"},))
def statement():
    year, month = merchants.parse_month(request.args.get("month"))
    return jsonify(StatementSchema().dump(merchants.monthly_statement(current_user, year, month)))


# --- the administration: /api/v1/admin/merchants ----------------------------------------------

@bp.get("/admin/merchants")
@role_required(Role.STATION_MANAGER)
@doc(summary="Partner merchants (a station manager: their station's), newest first; q searches "
             "shop, contact, phones and credit code", tags=["admin"],
     response=page_of(MerchantProfileSchema, "MerchantPage"), errors=(403, 422),
     parameters=(*PAGE_PARAMETERS,
                 {"in": "query", "name": "q", "schema": {"type": "string", "maxLength": 40}},
                 {"in": "query", "name": "status", "schema": {
                     "type": "string", "enum": ["pending", "approved", "suspended"]}}))
def list_merchants():
    statement = merchants.merchants_statement(current_user, request.args.get("q", "")[:40],
                                              request.args.get("status", ""))
    return jsonify(paginated(statement, MerchantProfileSchema()))


@bp.post("/admin/merchants")
@role_required(Role.STATION_MANAGER)
@doc(summary="Register a partner merchant (pending until a district administrator approves); "
             "without a password one is generated and returned once", tags=["admin"],
     body=MerchantRegisterSchema, response=MerchantRegisteredSchema, status=201,
     errors=(403, 409))
def register_merchant():
    data = json_body(MerchantRegisterSchema())
    user, generated = merchants.register_merchant(data, by=current_user)
    db.session.commit()
    return jsonify({**MerchantProfileSchema().dump(merchants.profile_of(user)),
                    "password": generated}), 201


@bp.get("/admin/merchants/<int:merchant_id>")
@role_required(Role.STATION_MANAGER)
@doc(summary="One partner merchant", tags=["admin"], response=MerchantProfileSchema,
     errors=(403, 404))
def read_merchant(merchant_id: int):
    return jsonify(MerchantProfileSchema().dump(merchants.visible_profile(current_user,
                                                                          merchant_id)))


def _decide(merchant_id: int, decision):
    profile = merchants.visible_profile(current_user, merchant_id)
    data = json_body(MerchantDecisionSchema())
    decision(profile, by=current_user, reason=data["reason"])
    db.session.commit()
    return jsonify(MerchantProfileSchema().dump(profile))


@bp.post("/admin/merchants/<int:merchant_id>/approve")
@role_required(Role.STATION_MANAGER)
@doc(summary="Approve a pending merchant (district administrators)", tags=["admin"],
     body=MerchantDecisionSchema, response=MerchantProfileSchema, errors=(403, 404, 409))
def approve_merchant(merchant_id: int):
    return _decide(merchant_id, merchants.approve_merchant)


@bp.post("/admin/merchants/<int:merchant_id>/suspend")
@role_required(Role.STATION_MANAGER)
@doc(summary="Suspend a merchant, with a reason: it cannot take payments and its items are "
             "not offered (district administrators)", tags=["admin"],
     body=MerchantDecisionSchema, response=MerchantProfileSchema, errors=(403, 404, 409))
def suspend_merchant(merchant_id: int):
    return _decide(merchant_id, merchants.suspend_merchant)


@bp.post("/admin/merchants/<int:merchant_id>/reinstate")
@role_required(Role.STATION_MANAGER)
@doc(summary="Reinstate a suspended merchant (district administrators)", tags=["admin"],
     body=MerchantDecisionSchema, response=MerchantProfileSchema, errors=(403, 404, 409))
def reinstate_merchant(merchant_id: int):
    return _decide(merchant_id, merchants.reinstate_merchant)
