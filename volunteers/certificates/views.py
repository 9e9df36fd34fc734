"""Service record certificates: the volunteer's page with one certificate per organiser and the
combined statement, the same certificate printed by station staff for a volunteer, the JSON
API's PDFs, the register of issued certificates (证明出具登记) and the public verification page."""

from typing import TYPE_CHECKING

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from timebank.accounts import services as users
from timebank.accounts.permissions import Role, has_role, login_required, role_required
from timebank.accounts.services import mask_name, mask_phone
from timebank.errors import Conflict, InvalidInput, NotFound
from timebank.extensions import db, limiter
from timebank.web.actions import attempt, form_errors
from timebank.web.inputs import db_int
from timebank.web.openapi import doc
from timebank.web.pagination import paginate
from volunteers import pages
from volunteers.certificates import services as certificates
from volunteers.certificates.models import Certificate

if TYPE_CHECKING:
    from timebank.accounts.models import User

bp = Blueprint("certificates", __name__)

REGISTER_PER_PAGE = 30

PERIOD_PARAMETERS = (
    {"in": "query", "name": "from", "schema": {"type": "string", "format": "date"},
     "description": "first day covered (default: the first service)"},
    {"in": "query", "name": "to", "schema": {"type": "string", "format": "date"},
     "description": "last day covered (default: today)"},
)
CERTIFICATE_PARAMETERS = PERIOD_PARAMETERS + (
    {"in": "query", "name": "station_id", "schema": {"type": "integer"},
     "description": "the organising station whose certificate this is (default: the home "
                    "station if it organised some of the service, else the one with the most "
                    "hours)"},
    {"in": "query", "name": "show_full_id", "schema": {"type": "boolean"},
     "description": "print the ID number in full on this certificate (default: masked)"},
)


def verify_url(certificate: Certificate) -> str:
    """The absolute URL of the verification page (PUBLIC_BASE_URL behind a proxy)."""
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    return base.rstrip("/") + url_for("certificates.verify", number=certificate.number)


def _asked_station() -> int | None:
    value = request.args.get("station_id") or request.args.get("station")
    if not value:
        return None
    try:
        return db_int(value)
    except ValueError:
        raise InvalidInput(fields={"station_id": [_("There is no such station.")]}) from None


def _full_id() -> bool:
    return (request.args.get("show_full_id") or request.args.get("full_id") or "").lower() in (
        "1", "true", "yes", "on")


def _issue(user: "User", by: "User") -> tuple[Certificate, bytes]:
    """Issue the certificate for the period and organiser asked (``?from=&to=&station_id=``)
    and print it (not committed)."""
    start, end = certificates.parse_period(request.args.get("from"), request.args.get("to"))
    certificate, record = certificates.issue(user, start, end, by=by, station_id=_asked_station(),
                                             full_id=_full_id())
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


def _statement(user: "User") -> Response:
    start, end = certificates.parse_period(request.args.get("from"), request.args.get("to"))
    body = certificates.statement_pdf(certificates.statement(user, start, end))
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": 'attachment; filename="service-summary.pdf"',
        "Cache-Control": "private, no-store"})


def _page(errors=None, status=200):
    errors = dict(errors or {})
    try:
        start, end = certificates.parse_period(request.args.get("from"), request.args.get("to"))
    except InvalidInput as error:
        errors.update(error.fields)
        start, end = None, None
    record = certificates.service_record(current_user, start, end)
    issued = list(db.session.scalars(select(Certificate).where(
        Certificate.user_id == current_user.id).order_by(Certificate.issued_at.desc()).limit(20)))
    period = {name: request.args[name] for name in ("from", "to") if request.args.get(name)}
    return render_template("volunteer/certificate.html", record=record, issued=issued,
                           organisers=certificates.organisers(record), period=period,
                           full_id=_full_id(), errors=errors, args=request.args,
                           issuer_name=certificates.issuer_name,
                           hours_text=certificates.hours_text), status


@bp.get("/volunteer/certificate")
@login_required
def mine():
    """The organisers of the service in the period, each with its hours and its certificate,
    the combined statement, and the certificates issued."""
    return _page()


@bp.get("/volunteer/certificate.pdf")
@login_required
def mine_pdf():
    issued = attempt(lambda: _issue(current_user, current_user))
    if issued.error is not None:
        return _page(form_errors(issued.error), issued.error.status)
    return _pdf(*issued.result)


@bp.get("/volunteer/certificate/summary.pdf")
@login_required
def mine_statement():
    """All service with every organiser: not a certificate (no number, no seal)."""
    made = attempt(lambda: _statement(current_user))
    if made.error is not None:
        return _page(form_errors(made.error), made.error.status)
    return made.result


@bp.get("/station/volunteers/<int:user_id>/certificate.pdf")
@role_required(Role.SOCIAL_WORKER)
def for_volunteer(user_id: int):
    """Staff print the certificate of their station's service for a volunteer (issued by that
    staff); for a volunteer without approved hours there, a page saying so instead of an
    error."""
    volunteer = users.get_user(user_id)
    try:
        return _pdf_response(volunteer, current_user)
    except Conflict as error:
        if error.code != "no_service_record":
            raise
        return render_template("station/certificate_none.html", volunteer=volunteer), 409


@bp.get("/station/certificates")
@role_required(Role.SOCIAL_WORKER)
def register():
    """证明出具登记: the certificates the viewer's agency issued (the district: all)."""
    query = request.args.get("q", "").strip()[:40]
    page = paginate(certificates.register_statement(current_user, query), REGISTER_PER_PAGE)
    current = {certificate.id: certificates.still_current(certificate)
               for certificate in page.items}
    post = pages.hold_post()
    station = post.station if post is not None else (
        pages.chosen_station() if has_role(current_user, Role.DISTRICT_ADMIN) else None)
    return render_template("station/certificates.html", page=page, query=query, current=current,
                           station=station, mask_phone=mask_phone,
                           issuer_name=certificates.issuer_name,
                           hours_text=certificates.hours_text)


@bp.get("/api/v1/accounts/me/certificate")
@login_required
@doc(summary="My service record certificate from one organiser (PDF); the number is in "
             "X-Certificate-Number", tags=["certificates"], content_type="application/pdf",
     errors=(404, 409, 422), parameters=CERTIFICATE_PARAMETERS)
def api_mine():
    return _pdf_response(current_user, current_user)


@bp.get("/api/v1/accounts/me/service-summary")
@login_required
@doc(summary="A summary of all my service with every organiser (PDF): not a certificate, no "
             "number", tags=["certificates"], content_type="application/pdf", errors=(409, 422),
     parameters=PERIOD_PARAMETERS)
def api_statement():
    return _statement(current_user)


def _holder(certificate: Certificate) -> str:
    """The name as the public page shows it: masked, or removed when the holder had their
    personal data erased (the certificate stays genuine; `timebank.personal_data`)."""
    if certificate.user.erased_at is not None:
        return _("(name removed at the holder's request)")
    return mask_name(certificate.user.name)


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
                           holder=_holder(certificate),
                           issuer=certificates.issuer_name(certificate),
                           current=certificates.still_current(certificate),
                           hours_text=certificates.hours_text, number=certificate.number)
