"""JSON API for check-in codes, scans and approvals."""

from flask import current_app, jsonify, request
from flask_login import current_user

from timebank.accounts.permissions import Role, login_required, role_required
from timebank.database import writes_late
from timebank.errors import InvalidInput
from timebank.extensions import db, limiter
from timebank.web.api import api_blueprint, json_body
from timebank.web.openapi import doc
from volunteers.activities import services as activities
from volunteers.checkins import offline
from volunteers.checkins import services as checkins
from volunteers.checkins.models import Purpose
from volunteers.checkins.schemas import (
    ApprovalPolicyChangeSchema,
    ApprovalPolicySchema,
    ApproveFormSchema,
    CheckInCodeSchema,
    CheckInSchema,
    CodeRequestSchema,
    OfflineScanBatchSchema,
    OfflineScanResultsSchema,
    RejectFormSchema,
)
from volunteers.checkins.views import scan_url

bp = api_blueprint("checkin_api", __name__)


def _limit() -> str:
    return current_app.config["CHECKIN_RATE_LIMIT"]


def _key() -> str:
    return f"scan:{current_user.id}" if current_user.is_authenticated else request.remote_addr


@bp.get("/activities/<int:activity_id>/checkin-code")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="The current rotating code for the event QR (staff of the station)",
     tags=["check-in"], response=CheckInCodeSchema, errors=(403, 404),
     parameters=({"in": "query", "name": "purpose", "schema": {"type": "string",
                  "enum": ["checkin", "checkout"]}},))
def checkin_code(activity_id: int):
    activity = activities.station_activity(current_user, activity_id)
    try:
        purpose = Purpose(request.args.get("purpose", Purpose.CHECKIN))
    except ValueError:
        raise InvalidInput(fields={"purpose": ["checkin | checkout"]}) from None
    token = checkins.make_code(activity, purpose)
    return jsonify(CheckInCodeSchema().dump({"token": token, "url": scan_url(token),
                                             "expires_at": checkins.code_expires_at(activity)}))


@bp.post("/checkins")
@writes_late
@login_required
@limiter.limit(_limit, key_func=_key)
@doc(summary="Check in with a scanned code; the same volunteer again gets the same check-in",
     tags=["check-in"], body=CodeRequestSchema, response=CheckInSchema, status=201,
     errors=(409, 429))
def create_checkin():
    data = json_body(CodeRequestSchema())
    activity, _poster = checkins.read_code(data["token"], Purpose.CHECKIN)
    checkin, created = checkins.check_in(activity, current_user)
    body = CheckInSchema().dump(checkin)  # before the commit expires it: no second transaction
    db.session.commit()
    return jsonify(body), 201 if created else 200


@bp.post("/checkins/<int:checkin_id>/checkout")
@writes_late
@login_required
@limiter.limit(_limit, key_func=_key)
@doc(summary="Check out with a scanned code; returns the closed check-in with its minutes",
     tags=["check-in"], body=CodeRequestSchema, response=CheckInSchema, errors=(403, 404, 409, 429))
def checkout(checkin_id: int):
    data = json_body(CodeRequestSchema())
    checkin = checkins.own_checkin(checkin_id, current_user)
    activity, _poster = checkins.read_code(data["token"], Purpose.CHECKOUT,
                                           activity_id=checkin.activity_id)
    checkin = checkins.check_out(checkin, activity)
    body = CheckInSchema().dump(checkin)
    db.session.commit()
    return jsonify(body)


@bp.post("/activities/<int:activity_id>/offline-scans")
@role_required(Role.SOCIAL_WORKER)
@limiter.limit(_limit, key_func=_key)
@doc(summary="Cards a staff phone scanned without network (staff of the station): each scan "
             "answered on its own (recorded, duplicate, refused with its reason); each scan_id "
             "counts once; at most 500 scans (413 too_many_scans)",
     tags=["check-in"], body=OfflineScanBatchSchema, response=OfflineScanResultsSchema,
     errors=(403, 404, 413, 422, 429))
def offline_scans(activity_id: int):
    activity = activities.station_activity(current_user, activity_id)
    data = json_body(OfflineScanBatchSchema())
    results = offline.record_offline_scans(activity, data["scans"], by=current_user)
    db.session.commit()
    return jsonify({"results": results})


@bp.post("/checkins/<int:checkin_id>/approve")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Approve: posts the minutes to the volunteer's account once. Above the approver's "
             "tier (the volunteer's scanned minutes that day; minutes added by hand) 403 "
             "approval_tier names who may approve",
     tags=["check-in"], body=ApproveFormSchema, response=CheckInSchema,
     errors=(403, 404, 409, 422))
def approve(checkin_id: int):
    data = json_body(ApproveFormSchema())
    checkin = checkins.approve(checkins.get_checkin(checkin_id), by=current_user,
                               minutes=data["minutes"], reason=data["reason"],
                               evaluation=data["evaluation"],
                               evaluation_comment=data["evaluation_comment"])
    body = CheckInSchema().dump(checkin)
    db.session.commit()
    return jsonify(body)


@bp.post("/checkins/<int:checkin_id>/reject")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Reject with a reason", tags=["check-in"], body=RejectFormSchema,
     response=CheckInSchema, errors=(403, 404, 409))
def reject(checkin_id: int):
    data = json_body(RejectFormSchema())
    checkin = checkins.reject(checkins.get_checkin(checkin_id), by=current_user,
                              reason=data["reason"])
    body = CheckInSchema().dump(checkin)
    db.session.commit()
    return jsonify(body)


def _policy_json(policy) -> dict:
    return ApprovalPolicySchema().dump(policy)


@bp.get("/stations/<int:station_id>/approval-policy")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="The station's approval tiers (its staff and district administrators)",
     tags=["check-in"], response=ApprovalPolicySchema, errors=(403, 404))
def read_approval_policy(station_id: int):
    return jsonify(_policy_json(checkins.read_policy(station_id, by=current_user)))


@bp.put("/stations/<int:station_id>/approval-policy")
@role_required(Role.STATION_MANAGER)
@doc(summary="Set the station's approval tiers (its station manager or a district "
             "administrator): whole minutes 0–1440, automatic ≤ manager's limit; audited",
     tags=["check-in"], body=ApprovalPolicyChangeSchema, response=ApprovalPolicySchema,
     errors=(403, 404, 422))
def change_approval_policy(station_id: int):
    data = json_body(ApprovalPolicyChangeSchema())
    policy = checkins.set_policy(station_id, by=current_user, **data)
    body = _policy_json(policy)
    db.session.commit()
    return jsonify(body)
