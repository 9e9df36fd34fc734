"""marshmallow schemas for star-level applications, shared by the API and the station page."""

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from timebank.stars import services as stars
from timebank.web.schemas import BaseSchema, page_of


class StarApplicationSchema(BaseSchema):
    id = fields.Integer()
    user_id = fields.Integer()
    level = fields.Integer(metadata={"description": "1 (100 h) to 5 (1,500 h)"})
    level_name = fields.Function(lambda row: stars.level_name(row.level))
    status = fields.String(metadata={"enum": [status.value for status in stars.StarStatus]})
    station_id = fields.Integer(allow_none=True,
                                metadata={"description": "The station that decides"})
    hours_served_minutes = fields.Integer(
        attribute="served_minutes",
        metadata={"description": "Minutes of service when the member applied"})
    created_at = fields.AwareDateTime()
    decided_at = fields.AwareDateTime(allow_none=True)
    decided_served_minutes = fields.Integer(
        allow_none=True, metadata={"description": "Minutes of service when it was decided"})
    decision_reason = fields.String(allow_none=True)


class StaffStarApplicationSchema(StarApplicationSchema):
    user_name = fields.Function(lambda row: row.user.name)
    served_now_minutes = fields.Function(
        lambda row: stars.minutes_served(row.user),
        metadata={"description": "Minutes of service now, for the decision"})


StarApplicationPageSchema = page_of(StarApplicationSchema, "StarApplicationPageSchema")
StaffStarApplicationPageSchema = page_of(StaffStarApplicationSchema,
                                         "StaffStarApplicationPageSchema")


class AwardSchema(BaseSchema):
    note = fields.String(load_default="", validate=validate.Length(max=300))


class DeclineSchema(BaseSchema):
    reason = fields.String(required=True, validate=validate.Length(
        min=2, max=300, error=_l("Give a reason (2 to 300 characters).")))
