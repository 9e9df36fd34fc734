"""marshmallow schemas of ratings (the API and the forms alike)."""

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema

from timebank.web.schemas import BaseSchema, OptionalInteger, page_of
from volunteers.ratings.models import COMMENT_MAX, ON_BEHALF_MAX, SCORE_MAX, SCORE_MIN, RaterPart
from volunteers.ratings.services import GROUPS

_SCORE = validate.Range(min=SCORE_MIN, max=SCORE_MAX, error=_l("Choose from 1 to 5 stars."))
_COMMENT = validate.Length(max=COMMENT_MAX, error=_l("At most 500 characters."))


def _blank_is_none(data: dict) -> dict:
    return {key: None if value == "" else value for key, value in dict(data).items()}


class RatingFormSchema(BaseSchema):
    """What a resident or volunteer sends: the score and a comment (the subject is in the URL)."""

    score = fields.Integer(required=True, validate=_SCORE,
                           metadata={"minimum": SCORE_MIN, "maximum": SCORE_MAX})
    comment = fields.String(load_default=None, allow_none=True, validate=_COMMENT)
    volunteer_id = fields.Integer(load_default=None, allow_none=True, metadata={
        "description": "a volunteer who served, named by a resident (activities only)"})

    def load(self, data, *args, **kwargs):
        return super().load(_blank_is_none(data), *args, **kwargs)


class OnBehalfFormSchema(RatingFormSchema):
    on_behalf_of = fields.String(required=True, validate=validate.Length(
        min=1, max=ON_BEHALF_MAX, error=_l("Name the resident (at most 60 characters).")))


class RatingCreateSchema(RatingFormSchema):
    """``{"activity_id"}`` or ``{"help_request_id"}``, with the ``score``."""

    activity_id = fields.Integer(load_default=None, allow_none=True)
    help_request_id = fields.Integer(load_default=None, allow_none=True)
    token = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200),
                          metadata={"description": "the activity's resident rating link token: "
                                                   "rate as a resident served"})
    on_behalf_of = fields.String(load_default=None, allow_none=True, validate=validate.Length(
        max=ON_BEHALF_MAX), metadata={"description": "staff: the resident whose rating (given "
                                                     "by phone) is entered, marked 代录"})

    @validates_schema
    def _one_subject(self, data, **kwargs):
        if (data.get("activity_id") is None) == (data.get("help_request_id") is None):
            raise ValidationError(str(_l("Name one activity or one help request.")), "activity_id")


class RatingQuerySchema(BaseSchema):
    station_id = OptionalInteger()
    activity_id = OptionalInteger()
    theme_id = OptionalInteger()
    volunteer_id = OptionalInteger()


class AveragesQuerySchema(BaseSchema):
    station_id = OptionalInteger()
    by = fields.String(load_default="station", validate=validate.OneOf(
        GROUPS, error=_l("Choose activity, theme, station or volunteer.")))


class RatingSchema(BaseSchema):
    id = fields.Integer()
    activity_id = fields.Integer(allow_none=True)
    help_request_id = fields.Integer(allow_none=True)
    subject = fields.Function(lambda rating: rating.subject_title)
    rater_id = fields.Integer(allow_none=True)
    rater_part = fields.String(metadata={"enum": [part.value for part in RaterPart]})
    on_behalf = fields.Boolean(metadata={"description": "entered by a social worker (代录)"})
    entered_by_id = fields.Integer(allow_none=True)
    on_behalf_of = fields.String(allow_none=True)
    volunteer_id = fields.Integer(allow_none=True)
    score = fields.Integer()
    comment = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    station_id = fields.Integer()


class AverageSchema(BaseSchema):
    key = fields.Integer(allow_none=True, metadata={
        "description": "the id of the activity, theme, station or volunteer"})
    label = fields.String()
    count = fields.Integer()
    total = fields.Integer(metadata={"description": "the sum of the scores"})
    average = fields.Function(lambda row: float(row.average), metadata={
        "type": "number", "description": "total / count, not rounded"})
    rounded = fields.Function(lambda row: str(row.rounded), metadata={
        "type": "string", "description": "the average to one decimal, as shown", "example": "4.3"})


class AveragesSchema(BaseSchema):
    by = fields.String()
    station_id = fields.Integer(allow_none=True)
    items = fields.List(fields.Nested(AverageSchema))


RatingPageSchema = page_of(RatingSchema, "RatingPageSchema")
