"""JSON API of ratings: anyone who may rate rates; the station's staff read ratings and
averages (district administrators every station; other staff 403 for another station)."""

from flask import jsonify, request
from flask_login import current_user

from timebank.accounts.permissions import Role, login_required, role_required
from timebank.extensions import db
from timebank.org import services as org
from timebank.web.api import api_blueprint, json_body, paginated
from timebank.web.openapi import doc
from timebank.web.schemas import PAGE_PARAMETERS
from volunteers.ratings import services as ratings
from volunteers.ratings.schemas import (
    AveragesQuerySchema,
    AveragesSchema,
    RatingCreateSchema,
    RatingPageSchema,
    RatingQuerySchema,
    RatingSchema,
)

bp = api_blueprint("ratings_api", __name__)

_STATION = {"in": "query", "name": "station_id", "schema": {"type": "integer"},
            "description": "default: the viewer's station; a district administrator without "
                           "one: every station"}
_LIST_PARAMETERS = (
    *PAGE_PARAMETERS, _STATION,
    *({"in": "query", "name": name, "schema": {"type": "integer"}}
      for name in ("activity_id", "theme_id", "volunteer_id")),
)


def _query(schema) -> dict:
    data = schema.load({key: value for key, value in request.args.items()
                        if key in schema.fields})
    return data


def _station(asked: int | None) -> int | None:
    """The station asked for, else the viewer's (None: every station, for the district);
    refused (403) unless the viewer is staff of it."""
    station_id = asked if asked is not None else org.station_id_of(current_user)
    ratings.require_viewer(current_user, station_id)
    return station_id


@bp.post("/ratings")
@login_required
@doc(summary="Rate an activity (a volunteer who checked in; a resident with the activity's "
             "rating link `token`) or a done mutual-aid help (its requester or helper), 1–5; "
             "staff of the station enter a resident's rating given by phone with "
             "`on_behalf_of` (代录). 403 for anyone else, 409 before it ended or once rated",
     tags=["ratings"], body=RatingCreateSchema, response=RatingSchema, status=201,
     errors=(403, 404, 409))
def create():
    data = json_body(RatingCreateSchema())
    rating = ratings.rate(current_user, data)
    body = RatingSchema().dump(rating)
    db.session.commit()
    return jsonify(body), 201


@bp.get("/ratings")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Ratings with their comments, newest first: the station's staff (district "
             "administrators every station)", tags=["ratings"], response=RatingPageSchema,
     parameters=_LIST_PARAMETERS, errors=(403,))
def list_ratings():
    query = _query(RatingQuerySchema())
    station_id = _station(query.pop("station_id"))
    return jsonify(paginated(ratings.ratings_statement(station_id, **query), RatingSchema()))


@bp.get("/ratings/averages")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Average ratings with their counts, per activity, theme, station or volunteer "
             "(staff of the station; district administrators every station)",
     tags=["ratings"], response=AveragesSchema, errors=(403,), parameters=(
         _STATION, {"in": "query", "name": "by", "schema": {
             "type": "string", "enum": list(ratings.GROUPS), "default": "station"}}))
def read_averages():
    query = _query(AveragesQuerySchema())
    station_id = _station(query["station_id"])
    rows = ratings.averages(query["by"], station_id=station_id)
    return jsonify(AveragesSchema().dump({"by": query["by"], "station_id": station_id,
                                          "items": rows}))
