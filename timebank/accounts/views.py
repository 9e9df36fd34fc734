"""Pages for registering, logging in and out, and one's own profile; the login manager's hooks."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from timebank import guesses
from timebank.accounts import services as users
from timebank.accounts.permissions import ROLE_LABELS, login_required
from timebank.accounts.schemas import ChangePasswordSchema, CredentialsSchema, RegisterSchema
from timebank.audit import services as audit
from timebank.database import reads_only, start_writing
from timebank.errors import Conflict, InvalidInput, json_error, wants_json
from timebank.extensions import db, limiter, login_manager
from timebank.web.actions import attempt, form_errors
from timebank.web.forms import load_form, safe_next

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"


@login_manager.user_loader
def _load_user(session_id: str):
    return users.user_from_session(session_id)


def bearer_user(req):
    """The user a valid ``Authorization: Bearer`` token names, or None."""
    header = req.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return users.user_from_token(header.removeprefix("Bearer ").strip())
    return None


@login_manager.request_loader
def _load_user_from_bearer(req):
    return bearer_user(req)


@login_manager.unauthorized_handler
def _unauthorized():
    if wants_json():
        return json_error(401, "unauthorized", _("Please log in first."))
    flash(_("Please log in to continue."), "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT"], methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("site.home"))
    errors = {}
    if request.method == "POST":
        data, errors = load_form(RegisterSchema())
        if data is not None:
            registered = attempt(lambda: users.register_resident(**data),
                                 refused=(Conflict, InvalidInput))
            if registered.error is not None:
                errors = form_errors(registered.error)
            else:
                user = registered.result
                login_user(user)
                session.permanent = True
                flash(_("Welcome, %(name)s! Your account is ready.", name=user.name), "success")
                return redirect(url_for("site.home"))
    return render_template("auth/register.html", errors=errors, form=request.form)


@bp.route("/login", methods=["GET", "POST"])
@reads_only  # the password is checked in a read; the audit row is written after, quickly
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    target = safe_next(request.values.get("next"), url_for("site.home"))
    if current_user.is_authenticated:
        return redirect(target)
    errors = {}
    if request.method == "POST":
        data, errors = load_form(CredentialsSchema())
        if data is not None:
            guesses.refuse_login_if_locked(data["phone"])
            user = users.authenticate(data["phone"], data["password"])
            start_writing()
            if user is None:
                guesses.count_failed_login(data["phone"])
                audit.record("auth.login_failed", phone_tail=data["phone"][-4:])
                db.session.commit()
                errors = {"password": [_("Wrong phone number or password.")]}
            else:
                login_user(user, remember=bool(request.form.get("remember")))
                audit.record("auth.login", f"user:{user.id}", actor=user)
                db.session.commit()
                return redirect(target)
    return render_template("auth/login.html", errors=errors, form=request.form, next=target)


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("site.home"))


@bp.route("/profile", methods=["GET", "POST"])
@reads_only  # the passwords are checked and hashed in a read; the change is written after
@login_required
def profile():
    errors = {}
    if request.method == "POST":
        data, errors = load_form(ChangePasswordSchema())
        if data is not None:

            def change_password():
                change = users.prepare_password_change(
                    current_user, data["current_password"], data["new_password"])
                start_writing()
                users.apply_password_change(current_user, change)

            changed = attempt(change_password, refused=InvalidInput)
            if changed.error is not None:
                errors = form_errors(changed.error)
            else:
                # Other browsers and remember-me cookies carry the old stamp and are logged out
                # (tokens too); this browser logs in again with the new one.
                login_user(current_user._get_current_object())
                flash(_("Your password has been changed."), "success")
                return redirect(url_for("auth.profile"))
    roles = [ROLE_LABELS[role] for role in current_user.role_names if role in ROLE_LABELS]
    return render_template("auth/profile.html", errors=errors, roles=roles)

