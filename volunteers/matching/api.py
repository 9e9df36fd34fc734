"""JSON API for matching: run it for a month, read a run, and act on its proposals.

``POST /matching/runs`` with ``{"month": "YYYY-MM", "station_id"?}``: social workers match their
own station's month (the default), district administrators any station or, without
``station_id``, every station at once. Reasons come in the reader's language.
"""

from flask import jsonify
from flask_login import current_user
from marshmallow import fields

from timebank.accounts.permissions import Role, has_role, role_required
from timebank.extensions import db
from timebank.org.services import get_station, station_id_of
from timebank.web.api import api_blueprint, json_body
from timebank.web.openapi import doc
from timebank.web.schemas import BaseSchema, LocalDateTime, valid_month
from volunteers.activities import services as activities
from volunteers.activities.schemas import SignUpSchema
from volunteers.matching import services as match_runs
from volunteers.matching.models import ProposalStatus
from volunteers.themes import services as themes

bp = api_blueprint("matching_api", __name__)

class MatchRunRequestSchema(BaseSchema):
    month = fields.String(required=True, validate=valid_month, metadata={"example": "2026-03"})
    station_id = fields.Integer(load_default=None, allow_none=True, metadata={
        "description": "Default: the caller's station; district administrators may leave it "
                       "out to match every station"})


class ReasonSchema(BaseSchema):
    code = fields.String(metadata={"enum": ["skill", "group", "theme", "same_community", "same_town",
                                            "linked", "reliable", "first_this_month",
                                            "little_recently"]})
    detail = fields.String(allow_none=True, metadata={"description": "the skill, group or tag"})


class ProposalSchema(BaseSchema):
    """The contract's proposal (activity_id, user_id, score, reasons) and what acting on it needs."""

    id = fields.Integer()
    activity_id = fields.Integer()
    user_id = fields.Integer()
    user_name = fields.Function(lambda proposal: proposal.user.name)
    score = fields.Integer()
    reasons = fields.List(fields.String(), attribute="reason_texts",
                          metadata={"example": ["擅长急救", "同社区"]})
    reason_codes = fields.List(fields.Nested(ReasonSchema), attribute="reasons")
    rank = fields.Integer()
    status = fields.String(metadata={"enum": [ProposalStatus.PROPOSED, ProposalStatus.INVITED,
                                              ProposalStatus.DECLINED, ProposalStatus.REPLACED,
                                              ProposalStatus.ACCEPTED]})
    sign_up_id = fields.Integer(allow_none=True)


class MatchRunSchema(BaseSchema):
    id = fields.Integer()
    month = fields.String(attribute="month_key", metadata={"example": "2026-03"})
    station_id = fields.Integer(allow_none=True)
    created_at = LocalDateTime()
    activity_count = fields.Integer()
    place_count = fields.Integer()
    proposal_count = fields.Integer()
    total_score = fields.Integer()
    proposals = fields.List(fields.Nested(ProposalSchema))


class AcceptResultSchema(BaseSchema):
    proposal = fields.Nested(ProposalSchema)
    sign_up = fields.Nested(SignUpSchema)


class SwapRequestSchema(BaseSchema):
    user_id = fields.Integer(required=True)


def _station_for(requested: int | None) -> int | None:
    if requested is not None:
        get_station(requested)  # 404 for an unknown station
        return requested
    if has_role(current_user, Role.DISTRICT_ADMIN) and station_id_of(current_user) is None:
        return None
    return station_id_of(current_user)


@bp.post("/matching/runs")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Match volunteers to a month's activities (a station's, or all for district admins)",
     tags=["matching"], body=MatchRunRequestSchema, response=MatchRunSchema, status=201,
     errors=(403, 404))
def create_run():
    data = json_body(MatchRunRequestSchema())
    year, month = themes.parse_month(data["month"])
    run = match_runs.run_matching(year, month, _station_for(data["station_id"]), by=current_user)
    body = MatchRunSchema().dump(run)
    db.session.commit()
    return jsonify(body), 201


@bp.get("/matching/runs/<int:run_id>")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="A matching run with its proposals", tags=["matching"], response=MatchRunSchema,
     errors=(403, 404))
def read_run(run_id: int):
    run = match_runs.get_run(run_id)
    match_runs.require_run_viewer(current_user, run)
    return jsonify(MatchRunSchema().dump(run))


@bp.post("/matching/proposals/<int:proposal_id>/accept")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Accept a proposal: the volunteer is invited and a place is held",
     tags=["matching"], response=AcceptResultSchema, errors=(403, 404, 409))
def accept_proposal(proposal_id: int):
    proposal = match_runs.accept(match_runs.get_proposal(proposal_id), current_user)
    body = AcceptResultSchema().dump({"proposal": proposal,
                                      "sign_up": activities.get_sign_up(proposal.sign_up_id)})
    db.session.commit()
    return jsonify(body)


@bp.post("/matching/proposals/<int:proposal_id>/swap")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Replace a proposal by another candidate for the same activity",
     tags=["matching"], body=SwapRequestSchema, response=ProposalSchema, status=201,
     errors=(403, 404, 409))
def swap_proposal(proposal_id: int):
    data = json_body(SwapRequestSchema())
    proposal = match_runs.swap(match_runs.get_proposal(proposal_id), data["user_id"], current_user)
    body = ProposalSchema().dump(proposal)
    db.session.commit()
    return jsonify(body), 201
