"""The accounts' JSON API under /api/v1: registering, bearer tokens, the logged-in user, and
the OpenAPI document, on the ``api`` blueprint.

The conventions every API blueprint shares (JSON bodies, pages, the CSRF rule for
cookie-authenticated writes) live in `timebank.web.api`; errors are rendered by `timebank.errors`.
"""

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from timebank import guesses
from timebank.accounts import recovery
from timebank.accounts import services as users
from timebank.accounts.permissions import Role, is_staff, login_required, role_required
from timebank.accounts.schemas import (
    CredentialsSchema,
    ForgotPasswordSchema,
    IssueResetCodeSchema,
    RecoveryStatusSchema,
    RegisterSchema,
    ResetCodeSchema,
    ResetPasswordSchema,
    TokenSchema,
    UserSchema,
)
from timebank.accounts.views import reset_with_code
from timebank.database import reads_only
from timebank.errors import ServiceError
from timebank.extensions import db, limiter
from timebank.web.api import api_blueprint, json_body
from timebank.web.openapi import build_spec, doc

bp = api_blueprint("api", __name__)


class BadCredentials(ServiceError):
    status = 401
    code = "invalid_credentials"


def user_json(user):
    return UserSchema(show_phone=is_staff(current_user) or user == current_user).dump(user)


@bp.post("/auth/register")
@limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT"])
@doc(summary="Register as a resident", tags=["auth"], body=RegisterSchema, response=UserSchema,
     status=201, auth=False, errors=(409, 429))
def register():
    data = json_body(RegisterSchema())
    user = users.register_resident(**data)
    db.session.commit()
    return jsonify(UserSchema(show_phone=True).dump(user)), 201


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
    return jsonify(TokenSchema().dump({"token": token, "expires_at": expires_at}))


@bp.get("/me")
@login_required
@doc(summary="The logged-in user", tags=["auth"], response=UserSchema)
def me():
    return jsonify(user_json(current_user))


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
