"""Pages for registering, logging in and out, one's own profile, and recovering a forgotten
password (an SMS code, or a code from staff); the login manager's hooks."""

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
from timebank.accounts import recovery, verification
from timebank.accounts import services as users
from timebank.accounts.permissions import ROLE_LABELS, Role, login_required, role_required
from timebank.accounts.schemas import (
    ChangePasswordSchema,
    CredentialsSchema,
    ForgotPasswordSchema,
    IssueResetCodeSchema,
    PhoneCodeSchema,
    PhoneSchema,
    RegisterFormSchema,
    ResetPasswordSchema,
)
from timebank.audit import services as audit
from timebank.database import reads_only, start_writing
from timebank.errors import Conflict, InvalidInput, PermissionDenied, ServiceError, json_error, wants_json
from timebank.extensions import db, limiter, login_manager
from timebank.notifications import sms
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


def keeping_wrong_tries(call, wrong):
    """Run `call` at the edge: commit on success, and also when it raised `wrong` (a wrong
    code: the try is counted in the code's row and must outlive the refusal); roll back on any
    other refusal. The refusal is raised again."""
    try:
        result = call()
    except wrong:
        db.session.commit()
        raise
    except ServiceError:
        db.session.rollback()
        raise
    db.session.commit()
    return result


def register_at_edge(data: dict):
    """`users.register_resident` at the edge (a wrong texted code is counted)."""
    return keeping_wrong_tries(
        lambda: users.register_resident(**data, address=request.remote_addr),
        verification.WrongPhoneCode)


def send_register_code(phone: str):
    """`verification.send_register_code` at the edge (commit; 429 refusals raised)."""
    try:
        verification.send_register_code(phone, request.remote_addr)
    except ServiceError:
        db.session.rollback()
        raise
    db.session.commit()


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT"], methods=["POST"])
def register():
    """One form: name, phone, 获取验证码 (a submit button of its own: it posts the form, the
    code is texted and the form comes back filled in, with or without JavaScript), the code,
    a password, and the unticked agreement to the privacy notice."""
    from timebank.consents import services as consents

    if current_user.is_authenticated:
        return redirect(url_for("site.home"))
    errors, status, code_sent = {}, 200, False
    if request.method == "POST" and request.form.get("send_code"):
        data, errors = load_form(PhoneSchema())
        status = 422 if errors else 200
        if data is not None:
            try:
                send_register_code(data["phone"])
            except recovery.TooManyRequests as error:
                errors, status = {"phone": [error.message]}, 429
            else:
                code_sent = True
                flash(_("A code was texted to %(phone)s; it is valid for %(minutes)d minutes.",
                        phone=users.mask_phone(data["phone"]),
                        minutes=current_app.config["PHONE_CODE_MINUTES"]), "success")
    elif request.method == "POST":
        data, errors = load_form(RegisterFormSchema() if sms.can_send()
                                 else RegisterFormSchema(exclude=("sms_code",)))
        status = 422 if errors else 200
        if data is not None:
            data.pop("agree")
            try:
                user = register_at_edge(data)
            except (Conflict, InvalidInput, guesses.TooManyWrongTries) as error:
                # A taken number is the page's answer, not a broken form: 200 as before.
                errors = form_errors(error)
                status = 200 if isinstance(error, Conflict) else error.status
            else:
                login_user(user)
                session.permanent = True
                flash(_("Welcome, %(name)s! Your account is ready.", name=user.name), "success")
                return redirect(url_for("site.home"))
    return render_template("auth/register.html", errors=errors, form=request.form,
                           code_sent=code_sent, asks_code=sms.can_send(),
                           notice_version=consents.current_version()), status


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
                users.touch(user)
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


@bp.post("/profile/text-size")
@login_required
def text_size():
    """The larger-text setting of the profile page, remembered for the user on every page."""
    changed = attempt(lambda: users.set_text_size(current_user, request.form.get("text_size", "")),
                      refused=InvalidInput)
    if changed.error is not None:
        flash(_("Choose one of the text sizes."), "error")
    else:
        flash(_("The text size is saved for every page."), "success")
    return redirect(url_for("auth.profile") + "#text-size")



# --- verifying the phone of an account someone else made -----------------------------------------

@bp.route("/auth/verify-phone", methods=["GET", "POST"])
@login_required
def verify_phone():
    """The first visit of an account whose phone nobody proved (made by staff, imported, or
    registered through the API without a code): a code is texted on request and typed here."""
    target = safe_next(request.values.get("next"), url_for("site.home"))
    if current_user.phone_verified_at is not None:
        return redirect(target)
    errors, status = {}, 200
    if request.method == "POST" and request.form.get("send_code"):
        try:
            verification.send_verify_code(current_user, request.remote_addr)
        except recovery.TooManyRequests as error:
            db.session.rollback()
            errors, status = {"_schema": [error.message]}, 429
        else:
            db.session.commit()
            flash(_("A code was texted to %(phone)s; it is valid for %(minutes)d minutes.",
                    phone=users.mask_phone(current_user.phone),
                    minutes=current_app.config["PHONE_CODE_MINUTES"]), "success")
    elif request.method == "POST":
        data, errors = load_form(PhoneCodeSchema())
        status = 422 if errors else 200
        if data is not None:
            try:
                verify_at_edge(data["code"])
            except (InvalidInput, guesses.TooManyWrongTries) as error:
                errors, status = form_errors(error), error.status
            else:
                flash(_("Thank you: your phone number is verified."), "success")
                return redirect(target)
    return render_template("auth/verify_phone.html", errors=errors, next=target,
                           phone=users.mask_phone(current_user.phone)), status


def verify_at_edge(code: str):
    """`verification.verify_phone` for the current user at the edge (a wrong try is kept)."""
    keeping_wrong_tries(
        lambda: verification.verify_phone(current_user, code, request.remote_addr),
        verification.WrongPhoneCode)


# --- a forgotten password -------------------------------------------------------------------------

#: The phone number a code was asked for, kept for the next page (not in its URL).
RESET_PHONE = "reset_phone"


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    errors, status = {}, 200
    if request.method == "POST":
        data, errors = load_form(ForgotPasswordSchema())
        status = 422 if errors else 200
        if data is not None:
            asked = attempt(lambda: recovery.request_sms_code(data["phone"], request.remote_addr),
                            refused=recovery.TooManyRequests)
            if asked.error is not None:
                errors, status = form_errors(asked.error), 429
            else:
                session[RESET_PHONE] = data["phone"]
                flash(_("Code sent. If %(phone)s is registered, a text message with a code is on "
                        "its way; it is valid for %(minutes)d minutes.",
                        phone=users.mask_phone(data["phone"]),
                        minutes=current_app.config["PASSWORD_RESET_SMS_MINUTES"]), "success")
                return redirect(url_for("auth.reset_password"))
    return render_template("auth/forgot.html", errors=errors, form=request.form), status


def reset_with_code(data: dict):
    """`recovery.reset_password` at the edge (a wrong code is counted)."""
    return keeping_wrong_tries(
        lambda: recovery.reset_password(data["phone"], data["code"], data["new_password"],
                                        request.remote_addr),
        recovery.WrongResetCode)


@bp.route("/password/reset", methods=["GET", "POST"])
def reset_password():
    errors, status = {}, 200
    form = request.form if request.method == "POST" else {"phone": session.get(RESET_PHONE, "")}
    if request.method == "POST":
        data, errors = load_form(ResetPasswordSchema())
        status = 422 if errors else 200
        if data is not None:
            try:
                reset_with_code(data)
            except (InvalidInput, guesses.TooManyWrongTries) as error:
                errors, status = form_errors(error), error.status
            else:
                session.pop(RESET_PHONE, None)
                if current_user.is_authenticated:
                    logout_user()
                flash(_("Your password has been reset. Log in with the new password."), "success")
                return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", errors=errors, form=form), status


@bp.post("/staff/members/<int:user_id>/password-reset")
@role_required(Role.SOCIAL_WORKER)
def issue_reset_code(user_id: int):
    """Staff give a member a one-time code: shown on this page once, never again."""
    member = users.get_user(user_id)
    data, errors = load_form(IssueResetCodeSchema())
    back_to = url_for("staff.member_hours", user_id=member.id)
    if data is None:
        flash(" ".join(errors.get("reason", [])), "error")
        return redirect(back_to)
    issued = attempt(lambda: recovery.issue_staff_code(current_user, member, data["reason"]),
                     let_through=PermissionDenied)
    if issued.error is not None:
        flash(issued.error.message, "error")
        return redirect(back_to)
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    return render_template("staff/reset_code.html", member=member, back_to=back_to,
                           code=recovery.format_code(issued.result.code),
                           expires_at=issued.result.expires_at,
                           reset_page=base.rstrip("/") + url_for("auth.reset_password"))
