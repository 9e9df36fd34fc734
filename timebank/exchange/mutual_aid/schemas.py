"""marshmallow schemas for mutual aid (互助), shared by the JSON API and the HTML forms.

The API takes ``starts_at`` with its offset; the phone form posts a local date and time, which
become an aware ``starts_at`` in the platform's zone. Minutes are whole numbers from 15 to 480.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from timebank.accounts.services import mask_name
from timebank.clock import zone
from timebank.exchange.mutual_aid import services as mutual_aid
from timebank.exchange.mutual_aid.models import CATEGORIES, OfferStatus, RequestStatus
from timebank.exchange.mutual_aid.services import DECISIONS, MAX_MINUTES, MIN_MINUTES
from timebank.ledger import queries as ledger_queries
from timebank.web.schemas import BaseSchema, LocalDateTime, OptionalInteger, in_supported_years

_MINUTES = validate.Range(min=MIN_MINUTES, max=MAX_MINUTES, error=_l(
    "Estimate between %(low)d and %(high)d minutes.", low=MIN_MINUTES, high=MAX_MINUTES))
_CATEGORY = validate.OneOf(list(CATEGORIES), error=_l("Choose a kind of help from the list."))


class _RequestFields(BaseSchema):
    title = fields.String(required=True, validate=validate.Length(
        min=2, max=80, error=_l("Say in a few words what you need (2 to 80 characters).")),
        metadata={"example": "陪我去区医院复诊"})
    description = fields.String(load_default="", validate=validate.Length(max=1000))
    category = fields.String(required=True, validate=_CATEGORY,
                             metadata={"enum": list(CATEGORIES)})
    community_id = OptionalInteger(metadata={"description": "Default: the requester's home community"})
    place = fields.String(load_default="", validate=validate.Length(max=120))
    minutes = fields.Integer(load_default=None, allow_none=True, validate=_MINUTES, metadata={
        "description": "The price in minutes; they move once both confirm. Give this or coins"})
    coins = fields.Decimal(load_default=None, allow_none=True, as_string=True, metadata={
        "description": "The price in time coins (时间币), stored as minutes by the district's "
                       "minutes a coin: whole coins when it redeems in whole coins, else to one "
                       "decimal. Give this or minutes", "example": "1.5"})

    @validates_schema
    def _a_price(self, data, **kwargs):
        if data.get("minutes") is None and data.get("coins") is None:
            raise ValidationError(str(_l("Give the price in time coins.")), "coins")


class HelpRequestCreateSchema(_RequestFields):
    starts_at = LocalDateTime(required=True, metadata={"example": "2026-03-14T09:00:00+08:00"})


class HelpRequestFormSchema(_RequestFields):
    """The phone form: a local date and time instead of ``starts_at``."""

    start_date = fields.Date(required=True, load_only=True, validate=in_supported_years)
    start_time = fields.Time(required=True, load_only=True)

    @post_load
    def _aware_time(self, data, **kwargs):
        data["starts_at"] = datetime.combine(data.pop("start_date"), data.pop("start_time"),
                                             tzinfo=zone())
        return data


class OfferCreateSchema(BaseSchema):
    message = fields.String(load_default="", validate=validate.Length(max=300))


class ChooseSchema(BaseSchema):
    offer_id = fields.Integer(required=True)


class ReportSchema(BaseSchema):
    problem = fields.String(required=True, validate=validate.Length(
        min=2, max=500, error=_l("Say what went wrong (2 to 500 characters).")))


class SettleSchema(BaseSchema):
    decision = fields.String(required=True, validate=validate.OneOf(
        list(DECISIONS), error=_l("Choose pay, split or cancel.")), metadata={"enum": list(DECISIONS)})
    reason = fields.String(required=True, validate=validate.Length(
        min=2, max=500, error=_l("Give the reason for the decision (2 to 500 characters).")))
    minutes = OptionalInteger(validate=validate.Range(min=1, max=MAX_MINUTES),
                              metadata={"description": "For a split: the minutes paid to the helper"})

    @validates_schema
    def _split_needs_minutes(self, data, **kwargs):
        if data.get("decision") == mutual_aid.SETTLE_SPLIT and not data.get("minutes"):
            raise ValidationError(str(_l("For a split, say how many minutes the helper gets.")),
                                  "minutes")


class ListingCreateSchema(BaseSchema):
    title = fields.String(required=True, validate=validate.Length(
        min=2, max=80, error=_l("Say in a few words what you can do (2 to 80 characters).")))
    description = fields.String(load_default="", validate=validate.Length(max=1000))
    category = fields.String(required=True, validate=_CATEGORY, metadata={"enum": list(CATEGORIES)})
    community_id = OptionalInteger()


# --- output -----------------------------------------------------------------------------------

def _masked(user) -> str | None:
    return mask_name(user.name) if user is not None else None


class HelpOfferSchema(BaseSchema):
    id = fields.Integer()
    request_id = fields.Integer()
    helper_id = fields.Integer()
    helper_name = fields.Function(lambda offer: _masked(offer.helper))
    message = fields.String()
    status = fields.String(metadata={"enum": list(OfferStatus)})
    created_at = LocalDateTime()


class HelpRequestSchema(BaseSchema):
    id = fields.Integer()
    title = fields.String()
    description = fields.String()
    category = fields.String(metadata={"enum": list(CATEGORIES)})
    category_label = fields.Function(lambda item: str(CATEGORIES.get(item.category, item.category)))
    community_id = fields.Integer()
    station_id = fields.Function(lambda item: mutual_aid.station_id_for(item), allow_none=True)
    place = fields.String()
    starts_at = LocalDateTime()
    minutes = fields.Integer()
    coins = fields.Function(lambda item: ledger_queries.coins(item.minutes), metadata={
        "type": "number", "description": "The price in time coins (时间币), from minutes"})
    status = fields.String(metadata={"enum": list(RequestStatus)})
    requester_id = fields.Integer()
    requester_name = fields.Function(lambda item: _masked(item.requester))
    helper_id = fields.Integer(allow_none=True)
    helper_name = fields.Function(lambda item: _masked(item.helper), allow_none=True)
    requester_confirmed_at = LocalDateTime(allow_none=True)
    helper_confirmed_at = LocalDateTime(allow_none=True)
    offer_count = fields.Function(lambda item: len(item.offers))
    problem = fields.String(allow_none=True, metadata={"description": "Shown to the two people and staff"})
    settlement = fields.String(allow_none=True)
    settlement_decision = fields.Function(lambda item: mutual_aid.settlement_decision(item),
                                          allow_none=True, metadata={"enum": list(DECISIONS)})
    paid_minutes = fields.Function(lambda item: mutual_aid.paid_minutes(item))
    transfer_id = fields.Integer(allow_none=True)
    created_at = LocalDateTime()
    offers = fields.List(fields.Nested(HelpOfferSchema), metadata={
        "description": "All offers for the requester and staff; otherwise only the caller's own"})


class ListingSchema(BaseSchema):
    id = fields.Integer()
    user_id = fields.Integer()
    user_name = fields.Function(lambda listing: _masked(listing.user))
    title = fields.String()
    description = fields.String()
    category = fields.String(metadata={"enum": list(CATEGORIES)})
    category_label = fields.Function(lambda item: str(CATEGORIES.get(item.category, item.category)))
    community_id = fields.Integer(allow_none=True)
    active = fields.Boolean()
    created_at = LocalDateTime()
