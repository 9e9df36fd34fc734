"""Service record certificates: the volunteer's page and PDF, the same PDF printed by station
staff for a volunteer, the JSON API's PDF, and the public verification page."""

from typing import TYPE_CHECKING

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from timebank.accounts import services as users
from timebank.accounts.permissions import Role, login_required, role_required
from timebank.accounts.services import mask_name
from timebank.errors import Conflict, InvalidInput, NotFound
from timebank.extensions import db, limiter
from timebank.web.actions import attempt, form_errors
from timebank.web.openapi import doc
from volunteers.certificates import services as certificates
from volunteers.certificates.models import Certificate

if TYPE_CHECKING:
    from timebank.accounts.models import User

bp = Blueprint("certificates", __name__)

PERIOD_PARAMETERS = (
    {"in": "query", "name": "from", "schema": {"type": "string", "format": "date"},
     "description": "first day covered (default: the first service)"},
    {"in": "query", "name": "to", "schema": {"type": "string", "format": "date"},
     "description": "last day covered (default: today)"},
)


def verify_url(certificate: Certificate) -> str:
    """The absolute URL of the verification page (PUBLIC_BASE_URL behind a proxy)."""
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    return base.rstrip("/") + url_for("certificates.verify", number=certificate.number)


def _issue(user: "User", by: "User") -> tuple[Certificate, bytes]:
    """Issue the certificate for the period asked (``?from=&to=``) and print it (not committed)."""
    start, end = certificates.parse_period(request.args.get("from"), request.args.get("to"))
    certificate, record = certificates.issue(user, start, end, by=by)
    return certificate, certificates.pdf(certificate, record, verify_url(certificate))


def _pdf_response(user: "User", by: "User") -> Response:
    certificate, body = _issue(user, by)
    db.session.commit()
    return _pdf(certificate, body)


def _pdf(certificate: Certificate, body: bytes) -> Response:
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="certificate-{certificate.number}.pdf"',
        "X-Certificate-Number": certificate.number,
        "Cache-Control": "private, no-store",
    })


@bp.get("/volunteer/certificate")
@login_required
def mine():
    """What a certificate would say now, a period to choose and the certificates issued."""
    errors = {}
    try:
        start, end = certificates.parse_period(request.args.get("from"), request.args.get("to"))
    except InvalidInput as error:
        errors, start, end = error.fields, None, None
    record = certificates.service_record(current_user, start, end)
    issued = list(db.session.scalars(select(Certificate).where(
        Certificate.user_id == current_user.id).order_by(Certificate.issued_at.desc()).limit(20)))
    return render_template("volunteer/certificate.html", record=record, issued=issued,
                           errors=errors, args=request.args,
                           hours_text=certificates.hours_text)


@bp.get("/volunteer/certificate.pdf")
@login_required
def mine_pdf():
    issued = attempt(lambda: _issue(current_user, current_user))
    if issued.error is not None:
        record = certificates.service_record(current_user)
        return render_template("volunteer/certificate.html", record=record, issued=[],
                               errors=form_errors(issued.error), args=request.args,
                               hours_text=certificates.hours_text), issued.error.status
    return _pdf(*issued.result)


@bp.get("/station/volunteers/<int:user_id>/certificate.pdf")
@role_required(Role.SOCIAL_WORKER)
def for_volunteer(user_id: int):
    """Staff of the volunteer's station print the certificate for them (issued by that staff);
    for a volunteer without approved hours, a page saying so instead of an error."""
    volunteer = users.get_user(user_id)
    try:
        return _pdf_response(volunteer, current_user)
    except Conflict as error:
        if error.code != "no_service_record":
            raise
        return render_template("station/certificate_none.html", volunteer=volunteer), 409


@bp.get("/api/v1/accounts/me/certificate")
@login_required
@doc(summary="My service record certificate (PDF); the number is in X-Certificate-Number",
     tags=["certificates"], content_type="application/pdf", errors=(409, 422),
     parameters=PERIOD_PARAMETERS)
def api_mine():
    return _pdf_response(current_user, current_user)


@bp.get("/verify/<number>")
@limiter.limit("30 per minute")
def verify(number: str):
    """Public: is this certificate genuine? Shows only what the paper shows, the name masked."""
    try:
        certificate = certificates.find(number)
    except NotFound:
        return render_template("verify.html", certificate=None,
                               number=certificates.normalise_number(number)[:40]), 404
    return render_template("verify.html", certificate=certificate,
                           holder=mask_name(certificate.user.name),
                           current=certificates.still_current(certificate),
                           hours_text=certificates.hours_text, number=certificate.number)
