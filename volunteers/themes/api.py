"""JSON API of the month's themes."""

from flask import jsonify
from marshmallow import fields

from timebank.clock import this_month
from timebank.web.openapi import doc
from timebank.web.schemas import BaseSchema
from volunteers.pages import MONTH_PARAMETERS, month_query
from volunteers.pages import api_bp as bp
from volunteers.themes import services as themes
from volunteers.themes.schemas import ThemeSchema


class ThemeListSchema(BaseSchema):
    month = fields.String(metadata={"example": "2026-03"})
    items = fields.List(fields.Nested(ThemeSchema))


@bp.get("/themes")
@doc(summary="A month's themes: the district's and the stations' (only one station's if asked)",
     tags=["themes"], response=ThemeListSchema, auth=False, errors=(422,),
     parameters=MONTH_PARAMETERS)
def list_themes():
    query = month_query()
    year, month = (query["year"], query["month"]) if query["month"] else this_month()
    found = themes.themes_for_month(year, month, query["station_id"])
    return jsonify({"month": f"{year:04d}-{month:02d}", "items": ThemeSchema(many=True).dump(found)})
