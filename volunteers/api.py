"""JSON API for the coordination layer: communities, themes, activities and sign-ups."""

from flask import jsonify
from marshmallow import fields

from timebank.api import api_blueprint
from timebank.openapi import doc
from timebank.schemas import BaseSchema
from volunteers import geography

bp = api_blueprint("volunteers_api", __name__)


class CommunitySchema(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    station_id = fields.Function(lambda community: community.station.id
                                 if community.station else None, allow_none=True)
    service_point = fields.Function(lambda community: community.service_point.name
                                    if community.service_point else None, allow_none=True)


class TownSchema(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    station_id = fields.Function(lambda town: town.station.id if town.station else None,
                                 allow_none=True)
    station_name = fields.Function(lambda town: town.station.name if town.station else None,
                                   allow_none=True)
    communities = fields.List(fields.Nested(CommunitySchema))


class TownListSchema(BaseSchema):
    items = fields.List(fields.Nested(TownSchema))


@bp.get("/communities")
@doc(summary="Towns and streets with their villages and communities, and station ids",
     tags=["geography"], response=TownListSchema, auth=False)
def communities():
    return jsonify({"items": TownSchema(many=True).dump(geography.towns())})
