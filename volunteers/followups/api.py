"""JSON API of follow-up calls: the month's queue of a station, the queue drawn, a call's
outcome."""

from flask import jsonify, request
from flask_login import current_user

from timebank.accounts.permissions import Role, has_role, role_required
from timebank.extensions import db
from timebank.org import services as org
from timebank.web.api import api_blueprint, json_body, paginated
from timebank.web.openapi import doc
from timebank.web.schemas import PAGE_PARAMETERS
from volunteers.followups import services as followups
from volunteers.followups.schemas import (
    FollowUpGenerateSchema,
    FollowUpOutcomeSchema,
    FollowUpPageSchema,
    FollowUpQuerySchema,
    FollowUpSchema,
)

bp = api_blueprint("followups_api", __name__)


def _station(asked: int | None) -> int | None:
    """The viewer's station; a district administrator's asked one (None: every station)."""
    if has_role(current_user, Role.DISTRICT_ADMIN) and org.station_id_of(current_user) is None:
        return asked
    own = org.station_id_of(current_user)
    org.require_station_staff(current_user, own if asked is None else asked)
    return own if asked is None else asked


@bp.get("/follow-ups")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="A month's follow-up calls of the station (default: last month's), with their "
             "outcomes; another station's: 403",
     tags=["follow-ups"], response=FollowUpPageSchema, errors=(403, 422), parameters=(
         *PAGE_PARAMETERS,
         {"in": "query", "name": "station_id", "schema": {"type": "integer"}},
         {"in": "query", "name": "month", "schema": {"type": "string",
                                                     "pattern": "^[0-9]{4}-[0-9]{2}$"}}))
def list_follow_ups():
    query = FollowUpQuerySchema().load({name: request.args[name] for name in (
        "station_id", "month") if name in request.args})
    station_id = _station(query["station_id"])
    month = query["month"] or followups.last_month()
    return jsonify(paginated(followups.month_statement(station_id, month), FollowUpSchema()))


@bp.post("/follow-ups/generate")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Draw the month's sample of residents served into the station's queue (again: "
             "adds nobody twice); the rows added",
     tags=["follow-ups"], body=FollowUpGenerateSchema, response=FollowUpPageSchema,
     status=201, errors=(403,))
def generate():
    data = json_body(FollowUpGenerateSchema())
    station_id = _station(data["station_id"])
    if station_id is None:
        org.require_station_staff(current_user, None)
    added = followups.queue_month(station_id, data["month"] or followups.last_month(),
                                  by=current_user)
    body = {"items": FollowUpSchema().dump(added, many=True), "page": 1,
            "per_page": max(len(added), 1), "total": len(added)}
    db.session.commit()
    return jsonify(body), 201


@bp.post("/follow-ups/<int:follow_up_id>/outcome")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Record how a follow-up call went: reached (satisfaction 1–5), not reached or "
             "refused, with a note", tags=["follow-ups"], body=FollowUpOutcomeSchema,
     response=FollowUpSchema, errors=(403, 404))
def record_outcome(follow_up_id: int):
    row = followups.station_follow_up(current_user, follow_up_id)
    data = json_body(FollowUpOutcomeSchema())
    followups.record_outcome(row, by=current_user, **data)
    body = FollowUpSchema().dump(row)
    db.session.commit()
    return jsonify(body)
