"""JSON API of the privacy notice and one's own consents."""

from flask import jsonify, url_for
from flask_login import current_user

from timebank.accounts.permissions import login_required
from timebank.consents import services as consents
from timebank.consents.schemas import (
    ConsentListSchema,
    ConsentSchema,
    GiveConsentSchema,
    NoticeSchema,
    WithdrawConsentSchema,
)
from timebank.errors import NotFound
from timebank.extensions import db
from timebank.web.api import api_blueprint, json_body
from timebank.web.openapi import doc

bp = api_blueprint("consents_api", __name__)


@bp.get("/privacy-notice")
@doc(summary="The current privacy notice's version (send it as privacy_version when "
             "registering, or as version to POST /me/consents)", tags=["consents"],
     response=NoticeSchema, auth=False, errors=(404,))
def current_notice():
    notice = consents.current_notice()
    if notice is None:
        raise NotFound()
    return jsonify(NoticeSchema().dump({"version": notice.version, "effective": notice.effective,
                                        "url": url_for("consents.notice")}))


@bp.get("/me/consents")
@login_required
@doc(summary="My consents, newest first (withdrawn ones too)", tags=["consents"],
     response=ConsentListSchema)
def mine():
    return jsonify(ConsentListSchema().dump({"items": consents.consents_of(current_user)}))


@bp.post("/me/consents")
@login_required
@doc(summary="Give a consent: privacy_notice with the current version (422 for another), or "
             "an optional purpose (skills_availability, party_membership, photos); giving one "
             "already given returns it", tags=["consents"], body=GiveConsentSchema,
     response=ConsentSchema, status=201)
def give():
    data = json_body(GiveConsentSchema())
    if data["purpose"] == consents.PRIVACY:
        row = consents.agree_to_notice(current_user, data["version"])
    else:
        row = consents.give(current_user, data["purpose"])
    body = ConsentSchema().dump(row)
    db.session.commit()
    return jsonify(body), 201


@bp.post("/me/consents/withdraw")
@login_required
@doc(summary="Withdraw an optional consent; its data is cleared (skills_availability: the "
             "profile's skills, interests and availability). privacy_notice: 409 (erasure is "
             "at /me/erasure)", tags=["consents"], body=WithdrawConsentSchema,
     response=ConsentListSchema, errors=(409,))
def withdraw():
    data = json_body(WithdrawConsentSchema())
    consents.withdraw(current_user, data["purpose"])
    db.session.commit()
    return jsonify(ConsentListSchema().dump({"items": consents.consents_of(current_user)}))
