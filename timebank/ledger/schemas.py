"""marshmallow schemas for accounts, statements and transfers."""

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema

from timebank.exchange.gifts.services import MAX_GIFT_MINUTES
from timebank.ledger.queries import coins
from timebank.web.schemas import BaseSchema, Phone, page_of


class AccountSummarySchema(BaseSchema):
    account_id = fields.Integer(allow_none=True)
    balance_minutes = fields.Integer()
    balance_coins = fields.Function(lambda summary: coins(summary["balance_minutes"]), metadata={
        "type": "number", "description": "The balance in time coins (时间币), by the district's "
                                         "minutes a coin"})
    earned_minutes = fields.Integer(metadata={"description": "All minutes ever credited"})
    spent_minutes = fields.Integer(metadata={"description": "All minutes ever debited"})
    min_balance_minutes = fields.Integer(allow_none=True)
    served_minutes = fields.Integer(metadata={"description": "Minutes earned by service"})
    stars = fields.Integer(metadata={
        "description": "The star level awarded on application (0: none); not computed from hours"})
    star_awarded_at = fields.AwareDateTime(allow_none=True,
                                           metadata={"description": "When it was awarded"})
    star_level_eligible = fields.Integer(metadata={
        "description": "The level the hours of service reach above the one awarded, which "
                       "may be applied for (0: none)"})


class EntrySchema(BaseSchema):
    """One statement line. `minutes` is signed; `counterparty` names the other side."""

    transfer_id = fields.Integer()
    kind = fields.String(attribute="transfer.kind")
    minutes = fields.Integer()
    balance_after_minutes = fields.Integer(attribute="balance_after")
    memo = fields.String(attribute="transfer.memo")
    posted_at = fields.AwareDateTime(attribute="transfer.posted_at")
    counterparty = fields.String()
    category = fields.String(attribute="transfer.category", metadata={
        "description": "What it was for: volunteer_service, merchant, gift, pool_donation, "
                       "pool_grant, adjustment, opening_balance, mutual_aid or a help request's "
                       "category, other"})
    category_label = fields.String(attribute="transfer.category_label")


EntryPageSchema = page_of(EntrySchema, "EntryPageSchema")


class TransferRequestSchema(BaseSchema):
    to_user_id = fields.Integer(load_default=None, validate=validate.Range(min=1))
    to_account_id = fields.Integer(load_default=None, validate=validate.Range(min=1))
    minutes = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=MAX_GIFT_MINUTES,
        error=_l("Send between 1 minute and %(hours)d hours at a time.",
                 hours=MAX_GIFT_MINUTES // 60)))
    memo = fields.String(load_default="", validate=validate.Length(max=200))

    @validates_schema
    def _one_recipient(self, data, **kwargs):
        if (data.get("to_user_id") is None) == (data.get("to_account_id") is None):
            raise ValidationError(str(_l("Give either to_user_id or to_account_id.")), "to")


class TransferSchema(BaseSchema):
    id = fields.Integer()
    kind = fields.String()
    category = fields.String(metadata={"description": "What it was for (as on statements)"})
    minutes = fields.Integer(metadata={"description": "Minutes moved (positive)"})
    memo = fields.String()
    posted_at = fields.AwareDateTime()
    from_account_id = fields.Integer()
    to_account_id = fields.Integer()


class GiveFormSchema(BaseSchema):
    """The "give hours" page: to a member by phone, or to a pool; hours and minutes apart."""

    recipient_phone = Phone(load_default=None)
    pool_id = fields.Integer(load_default=None)
    hours = fields.Integer(load_default=0, validate=validate.Range(min=0, max=100))
    minutes = fields.Integer(load_default=0, validate=validate.Range(min=0, max=59))
    memo = fields.String(load_default="", validate=validate.Length(max=200))

    def load(self, data, *args, **kwargs):
        # Empty inputs from an HTML form mean "not given".
        data = {key: value for key, value in data.items() if value not in ("", None)}
        return super().load(data, *args, **kwargs)

    @validates_schema
    def _recipient_and_amount(self, data, **kwargs):
        if (data.get("recipient_phone") is None) == (data.get("pool_id") is None):
            raise ValidationError(str(_l("Choose a member or a pool.")), "recipient_phone")
        if data.get("hours", 0) * 60 + data.get("minutes", 0) <= 0:
            raise ValidationError(str(_l("Enter how much time to give.")), "hours")


class AdjustFormSchema(BaseSchema):
    minutes = fields.Integer(required=True, validate=validate.Range(min=-100 * 60, max=100 * 60))
    reason = fields.String(required=True, validate=validate.Length(
        min=2, max=300, error=_l("Give a reason (2 to 300 characters).")))
    nonce = fields.String(required=True, validate=validate.Length(min=8, max=64))


class ReverseFormSchema(BaseSchema):
    reason = fields.String(required=True, validate=validate.Length(
        min=2, max=300, error=_l("Give a reason (2 to 300 characters).")))
