"""The theme calendar's form and the theme's API shape."""

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from timebank.clock import MAX_YEAR, MIN_YEAR
from timebank.web.schemas import BaseSchema, TagList


class ThemeFormSchema(BaseSchema):
    """One month of a theme calendar: the station's, or with ``scope`` "district" the district's."""

    year = fields.Integer(required=True, validate=validate.Range(min=MIN_YEAR, max=MAX_YEAR))
    month = fields.Integer(required=True, validate=validate.Range(min=1, max=12))
    scope = fields.String(load_default="station", validate=validate.OneOf(["station", "district"]))
    title = fields.String(required=True, validate=validate.Length(
        min=1, max=60, error=_l("Enter a title (up to 60 characters).")))
    description = fields.String(load_default="", validate=validate.Length(max=1000))
    tags = TagList(load_default=list)


class ThemeSchema(BaseSchema):
    id = fields.Integer()
    station_id = fields.Integer(allow_none=True, metadata={"description": "Null for the district"})
    month = fields.String(attribute="month_key", metadata={"example": "2026-03"})
    title = fields.String()
    description = fields.String()
    tags = fields.List(fields.String())
