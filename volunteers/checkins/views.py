"""Check-in pages: the scan landing page on a volunteer's phone, the volunteer's personal card,
and for staff the rotating QR display, the printable poster, the card scanner and approvals."""

import hashlib
import io
import json
import re
import time
from functools import cache
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import Role, login_required, role_required
from timebank.clock import local, now
from timebank.database import writes_late
from timebank.errors import InvalidInput, ServiceError
from timebank.extensions import db, limiter
from timebank.i18n import HTML_LANG
from timebank.web import qrcodes
from timebank.web.actions import attempt, messages_of, perform
from timebank.web.forms import load_form, safe_next
from volunteers.activities import services as activities
from volunteers.checkins import services as checkins
from volunteers.checkins.models import Purpose
from volunteers.checkins.schemas import (
    ApproveAllFormSchema,
    ApproveFormSchema,
    EvaluationFormSchema,
    RejectFormSchema,
)
from volunteers.vocabulary import EVALUATIONS

bp = Blueprint("checkin", __name__)
staff_bp = Blueprint("checkin_staff", __name__, url_prefix="/station")

#: A code seen fresh on this phone stays usable this long, so logging in first does not expire it.
LOGIN_GRACE_SECONDS = 10 * 60


def scan_url(token: str) -> str:
    """The absolute URL a QR code carries (PUBLIC_BASE_URL behind a proxy, else this host)."""
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    return base.rstrip("/") + url_for("checkin.scan", token=token)


def _scan_limit() -> str:
    return current_app.config["CHECKIN_RATE_LIMIT"]


def _scan_key() -> str:
    return f"scan:{current_user.id}" if current_user.is_authenticated else request.remote_addr


# --- the volunteer's side ---------------------------------------------------------------------

def _seen_fresh(token: str) -> bool:
    """Whether this browser saw `token` while it was still fresh, not long ago."""
    digest = hashlib.sha256(token.encode()).hexdigest()[:16]
    seen = session.get("scans", {}).get(digest)
    return seen is not None and time.time() - seen < LOGIN_GRACE_SECONDS


def _remember_seen(token: str) -> None:
    digest = hashlib.sha256(token.encode()).hexdigest()[:16]
    scans = {k: v for k, v in session.get("scans", {}).items()
             if time.time() - v < LOGIN_GRACE_SECONDS}
    scans.setdefault(digest, time.time())
    session["scans"] = scans


def _read(token: str):
    """(activity, purpose) of a scanned code, honouring codes seen fresh before logging in."""
    for purpose in Purpose:
        try:
            activity, _poster = checkins.read_code(token, purpose, allow_stale=_seen_fresh(token))
        except checkins.BadCode as error:
            if error.code == "wrong_purpose":
                continue
            raise
        return activity, purpose
    raise checkins.BadCode(_("This code is not valid. Please scan the code shown at the event."),
                           code="forged_code")


def _refusal(error: ServiceError, activity=None):
    return render_template("checkin/refused.html", error=error, activity=activity), error.status


@bp.get("/c/<token>")
def scan(token: str):
    """What the phone's camera app opens. Logging in first brings the volunteer back here."""
    try:
        activity, purpose = _read(token)
    except checkins.BadCode as error:
        return _refusal(error)
    _remember_seen(token)
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    existing = checkins.find(activity, current_user)
    return render_template("checkin/confirm.html", activity=activity, purpose=purpose,
                           token=token, existing=existing)


@bp.post("/c/<token>")
@writes_late
@login_required
@limiter.limit(_scan_limit, key_func=_scan_key)
def confirm_scan(token: str):
    """One tap: check in, or check out."""
    try:
        activity, purpose = _read(token)
    except checkins.BadCode as error:
        return _refusal(error)
    if purpose == Purpose.CHECKIN:
        scanned = attempt(lambda: checkins.check_in(activity, current_user)[0])
    else:
        scanned = attempt(lambda: checkins.check_out_of(activity, current_user))
    if scanned.error is not None:
        return _refusal(scanned.error, activity)
    return render_template("checkin/done.html", activity=activity, checkin=scanned.result,
                           purpose=purpose)


@bp.get("/card")
@login_required
def card():
    """The volunteer's personal QR card, for a social worker to scan (reverse mode)."""
    return render_template("checkin/card.html", code=checkins.card_code(current_user))


@bp.get("/card.svg")
@login_required
def card_image():
    return _svg(checkins.card_code(current_user))


# --- the station's side -----------------------------------------------------------------------

def _staff_activity(activity_id: int):
    return activities.station_activity(current_user, activity_id)


def _purpose() -> Purpose:
    try:
        return Purpose(request.args.get("purpose", Purpose.CHECKIN))
    except ValueError:
        abort(400)


def _svg(data: str) -> Response:
    response = Response(qrcodes.svg(data), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response


@staff_bp.get("/activities/<int:activity_id>/display")
@role_required(Role.SOCIAL_WORKER)
def display(activity_id: int):
    """Full screen at the event: the rotating QR, the time, and who has checked in."""
    activity = _staff_activity(activity_id)
    return render_template("checkin/display.html", activity=activity, purpose=_purpose(),
                           count=checkins.checked_in_count(activity))


@staff_bp.get("/activities/<int:activity_id>/code.svg")
@role_required(Role.SOCIAL_WORKER)
def code_svg(activity_id: int):
    activity = _staff_activity(activity_id)
    return _svg(scan_url(checkins.make_code(activity, _purpose())))


@staff_bp.get("/activities/<int:activity_id>/code.png")
@role_required(Role.SOCIAL_WORKER)
def code_png(activity_id: int):
    activity = _staff_activity(activity_id)
    response = Response(qrcodes.png(scan_url(checkins.make_code(activity, _purpose()))),
                        mimetype="image/png")
    response.headers["Cache-Control"] = "no-store"
    return response


@staff_bp.get("/activities/<int:activity_id>/count.json")
@role_required(Role.SOCIAL_WORKER)
def count(activity_id: int):
    activity = _staff_activity(activity_id)
    return jsonify(checked_in=checkins.checked_in_count(activity), time=local(now()).strftime("%H:%M"))


@staff_bp.get("/activities/<int:activity_id>/poster.pdf")
@role_required(Role.SOCIAL_WORKER)
def poster(activity_id: int):
    """A printable poster: check-in and check-out codes valid only inside the activity's window."""
    from volunteers.checkins.posters import poster_pdf

    activity = _staff_activity(activity_id)
    pages = [(purpose, scan_url(checkins.make_code(activity, purpose, poster=True)))
             for purpose in Purpose]
    pdf = poster_pdf(activity, pages)
    return Response(io.BytesIO(pdf).getvalue(), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="checkin-{activity.id}.pdf"'})


@staff_bp.route("/activities/<int:activity_id>/scan", methods=["GET", "POST"])
@role_required(Role.SOCIAL_WORKER)
@limiter.limit(_scan_limit, key_func=_scan_key, methods=["POST"])
def scan_cards(activity_id: int):
    """Reverse mode: scan volunteers' cards with this phone's camera, or type their code."""
    activity = _staff_activity(activity_id)
    if request.method == "POST":
        code = (request.form.get("code") or "").strip()
        scanned = attempt(lambda: checkins.scan_card(activity, code, by=current_user))
        if scanned.error is not None:
            if request.accept_mimetypes.best == "application/json":
                return jsonify(ok=False, message=scanned.error.message), scanned.error.status
            flash(scanned.error.message, "error")
        else:
            checkin, direction = scanned.result
            message = (_("%(name)s checked in at %(time)s.", name=checkin.user.name,
                         time=local(checkin.checked_in_at).strftime("%H:%M"))
                       if direction == "in" else
                       _("%(name)s checked out: %(minutes)d minutes.", name=checkin.user.name,
                         minutes=checkin.minutes or 0))
            if request.accept_mimetypes.best == "application/json":
                return jsonify(ok=True, message=message)
            flash(message, "success")
        return redirect(url_for("checkin_staff.scan_cards", activity_id=activity.id))
    return render_template("checkin/scanner.html", activity=activity,
                           count=checkins.checked_in_count(activity), cache_name=scanner_cache())


# --- the scanner as an installable web app that works without network ------------------------
# The service worker is served under /station/ (not /static/) so that its scope may cover the
# scanner pages, /station/activities/<id>/scan; it answers only for those pages and the assets
# below (network first, the cache when the network fails) and lets every other request pass.

#: What the scanner page needs to open without network (static files).
SCANNER_ASSETS = ("css/app.css", "vendor/jsqr/jsQR.js", "js/camera.js", "js/scanner.js",
                  "js/offline-scans.js", "favicon.svg", "icons/scanner-192.png")


@cache
def _scanner_cache(static_folder: str) -> str:
    """The cache's name: a new one whenever an asset changes, so phones fetch the new files."""
    digest = hashlib.sha256()
    for name in SCANNER_ASSETS:
        digest.update((Path(static_folder) / name).read_bytes())
    return f"scanner-{digest.hexdigest()[:12]}"


def scanner_cache() -> str:
    return _scanner_cache(current_app.static_folder)


@staff_bp.get("/scanner-sw.js")
@role_required(Role.SOCIAL_WORKER)
def scanner_worker():
    """The scanner's service worker (plain JavaScript). Browsers fetch it with the login cookie;
    logged out, its update check fails and the installed one stays."""
    page = url_for("checkin_staff.scan_cards", activity_id=0)
    start, _zero, end = page.rpartition("/0/")
    body = render_template(
        "checkin/scanner-sw.js", cache_name=scanner_cache(),
        assets=[url_for("static", filename=name) for name in SCANNER_ASSETS],
        page_pattern="^" + re.escape(start) + "/\\d+/" + re.escape(end) + "$")
    return Response(body, mimetype="text/javascript", headers={"Cache-Control": "no-cache"})


@staff_bp.get("/activities/<int:activity_id>/scan.webmanifest")
@role_required(Role.SOCIAL_WORKER)
def scanner_manifest(activity_id: int):
    """The web app manifest of an activity's scanner, for its station's staff (the page links
    it with ``crossorigin="use-credentials"`` so that the login cookie goes with it)."""
    activity = _staff_activity(activity_id)
    start = url_for("checkin_staff.scan_cards", activity_id=activity.id)
    manifest = {
        "name": _("Card scanner · Nansha Time Bank"), "short_name": _("Card scanner"),
        "start_url": start, "scope": start.rsplit("/", 2)[0] + "/", "display": "standalone",
        "background_color": "#ffffff", "theme_color": "#0f7b6c",
        "lang": HTML_LANG.get(str(get_locale()), "zh-CN"),
        "icons": [{"src": url_for("static", filename=f"icons/scanner-{size}.png"),
                   "sizes": f"{size}x{size}", "type": "image/png"} for size in (192, 512)]
        + [{"src": url_for("static", filename="favicon.svg"), "sizes": "any",
            "type": "image/svg+xml"}],
    }
    return Response(json.dumps(manifest, ensure_ascii=False),
                    mimetype="application/manifest+json")


@staff_bp.get("/activities/<int:activity_id>/approvals")
@role_required(Role.SOCIAL_WORKER)
def approvals(activity_id: int):
    activity = _staff_activity(activity_id)
    queue = checkins.queue(activity)
    return render_template("checkin/approvals.html", activity=activity, queue=queue,
                           labels=checkins.STATUS_LABELS, needs=checkins.approval_needs(queue),
                           evaluations=EVALUATIONS)


def _after_decision(checkin) -> str:
    """Back to the activity's approvals, or to the station's inbox the form came from."""
    back_to = safe_next(request.form.get("next"), "")
    if back_to.startswith("/station/approvals"):
        return back_to
    return url_for("checkin_staff.approvals", activity_id=checkin.activity_id)


@staff_bp.post("/checkins/<int:checkin_id>/approve")
@role_required(Role.SOCIAL_WORKER)
def approve(checkin_id: int):
    checkin = checkins.get_checkin_to_decide(checkin_id, current_user)
    data, errors = load_form(ApproveFormSchema())
    if data is None:
        flash(" ".join(message for messages in errors.values() for message in messages), "error")
        return redirect(_after_decision(checkin))
    return perform(
        lambda: checkins.approve(checkin, by=current_user, minutes=data["minutes"],
                                 reason=data["reason"], evaluation=data["evaluation"],
                                 evaluation_comment=data["evaluation_comment"]),
        success=lambda _approved: _("Approved: %(name)s, %(minutes)d minutes.",
                                    name=checkin.user.name, minutes=checkin.minutes),
        back_to=_after_decision(checkin), say=messages_of)


@staff_bp.post("/checkins/<int:checkin_id>/reject")
@role_required(Role.SOCIAL_WORKER)
def reject(checkin_id: int):
    checkin = checkins.get_checkin_to_decide(checkin_id, current_user)
    data, errors = load_form(RejectFormSchema())

    def reject():
        if data is None:
            raise InvalidInput(fields=errors)
        return checkins.reject(checkin, by=current_user, reason=data["reason"])

    return perform(reject, success=lambda _rejected: _("Rejected: %(name)s.", name=checkin.user.name),
                   back_to=_after_decision(checkin), say=messages_of)


@staff_bp.post("/activities/<int:activity_id>/approve-all")
@role_required(Role.SOCIAL_WORKER)
def approve_all(activity_id: int):
    activity = _staff_activity(activity_id)
    data, errors = load_form(ApproveAllFormSchema())
    if data is None:
        data = {"evaluation": None, "evaluation_comment": None}
    approved = checkins.approve_all(activity, by=current_user, **data)
    db.session.commit()
    flash(_("%(count)d check-ins approved.", count=approved), "success")
    return redirect(url_for("checkin_staff.approvals", activity_id=activity.id))


@staff_bp.post("/checkins/<int:checkin_id>/evaluation")
@role_required(Role.SOCIAL_WORKER)
def evaluate(checkin_id: int):
    """Record or change the quality evaluation of approved hours."""
    checkin = checkins.get_checkin_to_decide(checkin_id, current_user)
    data, errors = load_form(EvaluationFormSchema())

    def evaluate():
        if data is None:
            raise InvalidInput(fields=errors)
        return checkins.record_evaluation(checkin, by=current_user,
                                          evaluation=data["evaluation"],
                                          comment=data["evaluation_comment"])

    return perform(evaluate, success=lambda _done: _("Evaluation saved: %(name)s.",
                                                     name=checkin.user.name),
                   back_to=_after_decision(checkin), say=messages_of)
