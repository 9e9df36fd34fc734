"""The accounts' JSON API under /api/v1: registering, bearer tokens, the logged-in user, and
the OpenAPI document, on the ``api`` blueprint.

The conventions every API blueprint shares (JSON bodies, pages, the CSRF rule for
cookie-authenticated writes) live in `timebank.web.api`; errors are rendered by `timebank.errors`.
"""

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from timebank import guesses
from timebank.accounts import recovery, verification
from timebank.accounts import services as users
from timebank.accounts.permissions import Role, login_required, role_required
from timebank.accounts.schemas import (
    CodeSentSchema,
    CredentialsSchema,
    DeactivatedSchema,
    DeactivateSchema,
    ForgotPasswordSchema,
    HandOverSchema,
    IssueResetCodeSchema,
    MeSchema,
    MovedSchema,
    PhoneCodeSchema,
    PhoneSchema,
    PostChangeSchema,
    ReactivateSchema,
    RecoveryStatusSchema,
    RegisterSchema,
    ResetCodeSchema,
    ResetPasswordSchema,
    RolesChangeSchema,
    StaffCreatedSchema,
    StaffCreateSchema,
    StaffSchema,
    TokenSchema,
    UserSchema,
)
from timebank.accounts.views import register_at_edge, reset_with_code, send_register_code, verify_at_edge
from timebank.database import reads_only, start_writing
from timebank.errors import ServiceError, referenced
from timebank.extensions import db, limiter
from timebank.web.api import api_blueprint, json_body, paginated
from timebank.web.inputs import db_int
from timebank.web.openapi import build_spec, doc
from timebank.web.schemas import PAGE_PARAMETERS, page_of

bp = api_blueprint("api", __name__)


class BadCredentials(ServiceError):
    status = 401
    code = "invalid_credentials"


def user_json(user):
    return UserSchema().dump(user)


@bp.post("/auth/register")
@limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT"])
@doc(summary="Register as a resident. With sms_code (from POST /auth/register/code) the phone "
             "is verified (a wrong, used or expired code: 422), and a number held by an "
             "account that never verified it is taken over; without it the phone is not "
             "verified. With privacy_version (GET /privacy-notice) the agreement is recorded; "
             "without it, it is asked at the next visit", tags=["auth"], body=RegisterSchema,
     response=MeSchema, status=201, auth=False, errors=(409, 429))
def register():
    data = json_body(RegisterSchema())
    user = register_at_edge(data)
    return jsonify(MeSchema().dump(user)), 201


@bp.post("/auth/register/code")
@limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT"])
@doc(summary="Text a registration code to a phone number (the same answer whether or not it "
             "is registered); 429 when asked too often for the number or from the address",
     tags=["auth"], body=PhoneSchema, response=CodeSentSchema, status=202, auth=False,
     errors=(429,))
def register_code():
    data = json_body(PhoneSchema())
    send_register_code(data["phone"])
    return jsonify(CodeSentSchema().dump({"status": "sent", "message": _(
        "A code was texted to %(phone)s; it is valid for %(minutes)d minutes.",
        phone=users.mask_phone(data["phone"]),
        minutes=current_app.config["PHONE_CODE_MINUTES"])})), 202


@bp.post("/auth/token")
@reads_only  # checks a password and signs a token: no write lock while the hash is checked
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
@doc(summary="Exchange phone and password for a bearer token", tags=["auth"],
     body=CredentialsSchema, response=TokenSchema, auth=False, errors=(401, 429))
def token():
    data = json_body(CredentialsSchema())
    guesses.refuse_login_if_locked(data["phone"])
    user = users.authenticate(data["phone"], data["password"])
    if user is None:
        guesses.count_failed_login(data["phone"])
        raise BadCredentials(_("Wrong phone number or password."))
    token, expires_at = users.issue_token(user)
    if not users.seen_today(user):  # the day's first: one short write after the hash check
        start_writing()
        users.touch(user)
        db.session.commit()
    return jsonify(TokenSchema().dump({"token": token, "expires_at": expires_at}))


@bp.get("/me")
@login_required
@doc(summary="The logged-in user, with phone_verified, privacy_version and "
             "privacy_consent_needed", tags=["auth"], response=MeSchema)
def me():
    return jsonify(MeSchema().dump(current_user))


@bp.post("/me/phone-verification/code")
@login_required
@doc(summary="Text a code to my own phone number, to verify it (429 when asked too often)",
     tags=["auth"], response=CodeSentSchema, status=202, errors=(429,))
def phone_verification_code():
    try:
        verification.send_verify_code(current_user, request.remote_addr)
    except ServiceError:
        db.session.rollback()
        raise
    db.session.commit()
    return jsonify(CodeSentSchema().dump({"status": "sent", "message": _(
        "A code was texted to %(phone)s; it is valid for %(minutes)d minutes.",
        phone=users.mask_phone(current_user.phone),
        minutes=current_app.config["PHONE_CODE_MINUTES"])})), 202


@bp.post("/me/phone-verification")
@login_required
@doc(summary="Verify my phone number with the code texted to it (422 for a wrong, used or "
             "expired code)", tags=["auth"], body=PhoneCodeSchema, response=MeSchema,
     errors=(429,))
def phone_verification():
    data = json_body(PhoneCodeSchema())
    verify_at_edge(data["code"])
    return jsonify(MeSchema().dump(current_user))


@bp.post("/auth/password/forgot")
@doc(summary="Ask for a password reset code by SMS (the same answer whether or not the phone "
             "is registered)", tags=["auth"], body=ForgotPasswordSchema,
     response=RecoveryStatusSchema, status=202, auth=False, errors=(429,))
def forgot_password():
    data = json_body(ForgotPasswordSchema())
    recovery.request_sms_code(data["phone"], request.remote_addr)
    db.session.commit()
    minutes = current_app.config["PASSWORD_RESET_SMS_MINUTES"]
    return jsonify(RecoveryStatusSchema().dump({"status": "sent", "message": _(
        "If this phone number is registered, a code has been sent to it; it is valid for "
        "%(minutes)d minutes.", minutes=minutes)})), 202


@bp.post("/auth/password/reset")
@doc(summary="Set a new password with a reset code (from SMS or from staff)", tags=["auth"],
     body=ResetPasswordSchema, response=RecoveryStatusSchema, auth=False, errors=(429,))
def reset_password():
    data = json_body(ResetPasswordSchema())
    reset_with_code(data)
    return jsonify(RecoveryStatusSchema().dump({"status": "changed", "message": _(
        "Your password has been reset. Log in with the new password.")}))


@bp.post("/users/<int:user_id>/password-reset-codes")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Issue a one-time password reset code for a member (valid 24 hours, shown once)",
     tags=["auth"], body=IssueResetCodeSchema, response=ResetCodeSchema, status=201,
     errors=(403, 404, 409))
def issue_reset_code(user_id: int):
    member = users.get_user(user_id)
    data = json_body(IssueResetCodeSchema())
    issued = recovery.issue_staff_code(current_user, member, data["reason"])
    db.session.commit()
    return jsonify(ResetCodeSchema().dump(issued)), 201


@bp.get("/openapi.json")
def openapi():
    return jsonify(build_spec())


# --- staff administration: /api/v1/admin/staff ------------------------------------------------

def _colleague(user_id):
    return referenced(users.get_user, user_id) if user_id is not None else None


@bp.get("/admin/staff")
@role_required(Role.STATION_MANAGER)
@doc(summary="Staff accounts (a district administrator: every station; a station manager: "
             "their own), by name; q searches name and phone", tags=["admin"],
     response=page_of(StaffSchema, "StaffPage"), errors=(403,),
     parameters=(*PAGE_PARAMETERS,
                 {"in": "query", "name": "q", "schema": {"type": "string", "maxLength": 40}},
                 {"in": "query", "name": "station_id", "schema": {"type": "integer",
                                                                  "minimum": 1}},
                 {"in": "query", "name": "status",
                  "schema": {"type": "string", "enum": ["active", "inactive"]}}))
def list_staff():
    statement = users.staff_statement(current_user, request.args.get("q", "")[:40],
                                      station_id=request.args.get("station_id", type=db_int),
                                      status=request.args.get("status", ""))
    return jsonify(paginated(statement, StaffSchema()))


@bp.post("/admin/staff")
@role_required(Role.STATION_MANAGER)
@doc(summary="Create a staff account with a post; without a password one is generated and "
             "returned once. A station manager creates social workers of their station only",
     tags=["admin"], body=StaffCreateSchema, response=StaffCreatedSchema, status=201,
     errors=(403, 409))
def create_staff():
    user, generated = users.create_staff(json_body(StaffCreateSchema()), by=current_user)
    db.session.commit()
    return jsonify({**StaffSchema().dump(user), "password": generated}), 201


@bp.get("/admin/staff/<int:staff_id>")
@role_required(Role.STATION_MANAGER)
@doc(summary="One staff account", tags=["admin"], response=StaffSchema, errors=(403, 404))
def read_staff(staff_id: int):
    return jsonify(StaffSchema().dump(users.staff_to_manage(current_user, staff_id)))


@bp.put("/admin/staff/<int:staff_id>/roles")
@role_required(Role.STATION_MANAGER)
@doc(summary="Set the staff roles, with a reason. A station manager only makes or unmakes "
             "social workers of their station; the last active district administrator keeps "
             "the role (409)", tags=["admin"], body=RolesChangeSchema, response=StaffSchema,
     errors=(403, 404, 409))
def change_roles(staff_id: int):
    user = users.staff_to_manage(current_user, staff_id)
    data = json_body(RolesChangeSchema())
    users.change_roles(user, data["roles"], by=current_user, reason=data["reason"])
    db.session.commit()
    return jsonify(StaffSchema().dump(user))


@bp.put("/admin/staff/<int:staff_id>/post")
@role_required(Role.STATION_MANAGER)
@doc(summary="Post the staff member at a station and (optionally) one of its grid teams",
     tags=["admin"], body=PostChangeSchema, response=StaffSchema, errors=(403, 404))
def change_post(staff_id: int):
    user = users.staff_to_manage(current_user, staff_id)
    data = json_body(PostChangeSchema())
    users.change_post(user, data["station_id"], data["grid_team_id"], by=current_user,
                      reason=data["reason"])
    db.session.commit()
    return jsonify(StaffSchema().dump(user))


@bp.post("/admin/staff/<int:staff_id>/deactivate")
@role_required(Role.STATION_MANAGER)
@doc(summary="Deactivate: logins refused, API tokens revoked, history kept; with a reason, "
             "and optionally a hand-over to a colleague of the same station first. 409 for the "
             "last active district administrator", tags=["admin"], body=DeactivateSchema,
     response=DeactivatedSchema, errors=(403, 404, 409))
def deactivate_staff(staff_id: int):
    user = users.staff_to_manage(current_user, staff_id)
    data = json_body(DeactivateSchema())
    moved = users.deactivate(user, by=current_user, reason=data["reason"],
                             hand_over_to=_colleague(data["hand_over_to_id"]))
    db.session.commit()
    return jsonify(DeactivatedSchema().dump({"staff": user, "moved": moved}))


@bp.post("/admin/staff/<int:staff_id>/reactivate")
@role_required(Role.STATION_MANAGER)
@doc(summary="Let a deactivated staff member log in again", tags=["admin"],
     body=ReactivateSchema, response=StaffSchema, errors=(403, 404, 409))
def reactivate_staff(staff_id: int):
    user = users.staff_to_manage(current_user, staff_id)
    data = json_body(ReactivateSchema())
    users.reactivate(user, by=current_user, reason=data["reason"])
    db.session.commit()
    return jsonify(StaffSchema().dump(user))


@bp.post("/admin/staff/<int:staff_id>/hand-over")
@role_required(Role.STATION_MANAGER)
@doc(summary="Hand the worker's linked volunteers, open activities and check-ins waiting for "
             "approval to a colleague of the same station (422 for another station's)",
     tags=["admin"], body=HandOverSchema, response=MovedSchema, errors=(403, 404))
def hand_over(staff_id: int):
    user = users.staff_to_manage(current_user, staff_id)
    data = json_body(HandOverSchema())
    moved = users.hand_over(user, referenced(users.get_user, data["to_user_id"]),
                            by=current_user, reason=data["reason"])
    db.session.commit()
    return jsonify(MovedSchema().dump(moved))
