"""JSON API of the evaluation: the periods a user sees, a station's frozen figures with the
reviewer's sheet, the reviewer's sheet itself, and the district's results."""

from flask import jsonify
from flask_login import current_user

from timebank.accounts.permissions import Role, role_required
from timebank.extensions import db
from timebank.web.api import api_blueprint, json_body
from timebank.web.openapi import doc
from volunteers.evaluation import services as evaluation
from volunteers.evaluation.schemas import (
    EvaluationPeriodListSchema,
    EvaluationResultsSchema,
    EvaluationStationSchema,
    ScoreSheetInputSchema,
    ScoreSheetSchema,
)

bp = api_blueprint("evaluation_api", __name__)

_VIEWERS = (Role.DISTRICT_ADMIN, Role.EVALUATOR, Role.TOWN_REVIEWER, Role.COMMITTEE_REVIEWER)


def _review(period, station_id: int) -> dict:
    frozen = evaluation.reviewable(current_user, period, station_id)
    party = evaluation.party_of(current_user)
    return {"period": period, "station_id": station_id,
            "party": party.value if party else None, "figures": frozen.figures,
            "taken_at": frozen.taken_at,
            "items": evaluation.items_of(period, party) if party else [],
            "sheet": evaluation.sheet_of(period, station_id, party)}


@bp.get("/evaluations")
@role_required(*_VIEWERS)
@doc(summary="Evaluation periods the user sees: the district every one; a reviewer the open and "
             "closed periods of the stations assigned to them", tags=["evaluation"],
     response=EvaluationPeriodListSchema, errors=(403,))
def list_periods():
    return jsonify(EvaluationPeriodListSchema().dump({"items": evaluation.visible_periods(current_user)}))


@bp.get("/evaluations/<int:period_id>/stations/<int:station_id>")
@role_required(*_VIEWERS)
@doc(summary="A station in a period: its figures frozen at opening, the reviewer's party's form "
             "and their sheet (a reviewer: assigned stations only, else 403)",
     tags=["evaluation"], response=EvaluationStationSchema, errors=(403, 404))
def read_station(period_id: int, station_id: int):
    period = evaluation.get_period(period_id)
    return jsonify(EvaluationStationSchema().dump(_review(period, station_id)))


@bp.put("/evaluations/<int:period_id>/stations/<int:station_id>/score-sheet")
@role_required(*_VIEWERS)
@doc(summary="Submit or revise the reviewer's party's sheet of a station while the period is "
             "open: a score for every item of the party (0 to max_score, one decimal place), "
             "comments and the evidence consulted. Not assigned: 403; closed: 409; out of range "
             "or another party's item: 422 (nothing changed)",
     tags=["evaluation"], body=ScoreSheetInputSchema, response=ScoreSheetSchema,
     errors=(403, 404, 409))
def put_sheet(period_id: int, station_id: int):
    period = evaluation.get_period(period_id)
    data = json_body(ScoreSheetInputSchema())
    sheet = evaluation.submit_sheet(current_user, period, station_id, scores=data["scores"],
                                    comments=data["comments"],
                                    activity_ids=data["activity_ids"],
                                    photo_ids=data["photo_ids"])
    body = ScoreSheetSchema().dump(sheet)
    db.session.commit()
    return jsonify(body)


@bp.get("/evaluations/<int:period_id>/results")
@role_required(Role.DISTRICT_ADMIN)
@doc(summary="The period's results per station (district administrator): each party's score "
             "out of 100, comments and evidence consulted, the weighted total, whether it is "
             "complete and any veto (一票否决)", tags=["evaluation"], response=EvaluationResultsSchema,
     errors=(403, 404))
def read_results(period_id: int):
    period = evaluation.get_period(period_id)
    return jsonify(EvaluationResultsSchema().dump({"period": period,
                                         "stations": evaluation.results(current_user, period)}))
