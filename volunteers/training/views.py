"""The volunteer's side, on the phone: 培训与资质 (upcoming sessions, training minutes, the
qualifications held with their expiry) and the landing page of a session's check-in code."""

from flask import current_app, render_template, request, url_for
from flask_login import current_user

from timebank.accounts.permissions import login_required
from timebank.errors import ServiceError
from timebank.web.actions import attempt
from volunteers.pages import volunteer_bp as bp
from volunteers.training import services as training


def scan_url(token: str) -> str:
    """The absolute URL a session's QR code carries (PUBLIC_BASE_URL behind a proxy)."""
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    return base.rstrip("/") + url_for("volunteer.training_scan", token=token)


@bp.get("/training")
@login_required
def my_training():
    return render_template("training/mine.html", found=training.summary(current_user.id),
                           upcoming=training.upcoming_sessions())


def _refused(error: ServiceError, session=None):
    return render_template("training/scan.html", session=session, error=error,
                           token=None, existing=None), error.status


@bp.get("/training/t/<token>")
@login_required
def training_scan(token: str):
    """What the phone's camera opens: the session, and one button to record attendance."""
    try:
        session = training.session_of_code(token)
    except ServiceError as error:
        return _refused(error)
    existing = training.attendance_for(session, current_user)
    return render_template("training/scan.html", session=session, token=token,
                           existing=existing, error=None, open=training.in_scan_window(session))


@bp.post("/training/t/<token>")
@login_required
def confirm_training_scan(token: str):
    scanned = attempt(lambda: training.scan(token, current_user)[0])
    if scanned.error is not None:
        session = None
        try:
            session = training.session_of_code(token)
        except ServiceError:
            pass
        return _refused(scanned.error, session)
    return render_template("training/scan_done.html", attendance=scanned.result,
                           found=training.summary(current_user.id))
