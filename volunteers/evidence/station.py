"""The station's side of evidence (活动留痕): an activity's evidence page (summary, photo grid,
upload from a phone's camera, delete), the photos served to its staff, and the sign-in list
(签到表) as PDF. Who may is decided in `volunteers.evidence.services`."""

import io

from flask import Response, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import Role, role_required
from timebank.errors import NotFound
from timebank.web.actions import attempt, form_errors, messages_of, perform
from timebank.web.forms import load_form
from volunteers.activities import services as activities
from volunteers.evidence import services as evidence
from volunteers.evidence.schemas import CaptionFormSchema, SummaryBodySchema
from volunteers.pages import hold_post
from volunteers.pages import station_bp as bp

#: The routes that take a photo: bodies up to twice the photo limit (and a little for the
#: form) are read, so that a photo just over the limit is answered by the service, in words.
UPLOAD_ENDPOINTS = {"station.evidence_upload", "evidence_api.add_photo"}


def allow_photo_uploads() -> None:
    """``before_request``, run before the hooks that read the body (CSRF)."""
    if request.endpoint in UPLOAD_ENDPOINTS and request.method == "POST":
        request.max_content_length = max(2 * evidence.max_bytes() + 1024 * 1024,
                                         current_app.config.get("MAX_CONTENT_LENGTH") or 0)


def photo_response(photo, *, thumbnail: bool = False) -> Response:
    """The photo's (or thumbnail's) bytes for a viewer already checked: private to them."""
    path = evidence.photo_path(photo, thumbnail=thumbnail)
    if not path.is_file():
        raise NotFound(_("The file of this photo is missing."), code="photo_file_missing")
    # Read whole (a few hundred KB at most): no file left open whatever happens to the response.
    response = send_file(io.BytesIO(path.read_bytes()), mimetype="image/jpeg", etag=False,
                         download_name=f"photo-{photo.id}.jpg", max_age=0)
    # Private, and not stored: a logged-in page is never kept (`timebank.web.site`), photos
    # of people on a shared phone least of all.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _page(activity, errors=None, values=None, status=200):
    return render_template("evidence/activity.html", activity=activity,
                           summary=evidence.summary_of(activity.id),
                           photos=evidence.photos_of(activity.id),
                           max_photos=evidence.max_photos(),
                           max_size=evidence.size_words(evidence.max_bytes()),
                           errors=errors or {}, values=values or {}), status


@bp.get("/activities/<int:activity_id>/evidence")
@role_required(Role.SOCIAL_WORKER)
def evidence_page(activity_id: int):
    hold_post()
    return _page(activities.station_activity(current_user, activity_id))


@bp.post("/activities/<int:activity_id>/evidence/summary")
@role_required(Role.SOCIAL_WORKER)
def evidence_summary(activity_id: int):
    activity = activities.station_activity(current_user, activity_id)
    data, errors = load_form(SummaryBodySchema())
    if data is not None:
        outcome = attempt(lambda: evidence.write_summary(activity, data["text"], current_user))
        if outcome.error is None:
            flash(_("The summary is saved."), "success")
            return redirect(url_for("station.evidence_page", activity_id=activity.id))
        errors = form_errors(outcome.error)
    return _page(activity, errors={f"summary_{key}": value for key, value in errors.items()},
                 values=request.form, status=422)


@bp.post("/activities/<int:activity_id>/evidence/photos")
@role_required(Role.SOCIAL_WORKER)
def evidence_upload(activity_id: int):
    activity = activities.station_activity(current_user, activity_id)
    upload = request.files.get("photo")
    try:
        data, errors = load_form(CaptionFormSchema())
        status = 422
        if data is not None:
            outcome = attempt(lambda: evidence.add_photo(activity, upload, data["caption"],
                                                         current_user))
            if outcome.error is None:
                flash(_("The photo is added."), "success")
                return redirect(url_for("station.evidence_page", activity_id=activity.id))
            errors = outcome.error.fields or {"photo": [outcome.error.message]}
            status = outcome.error.status
    finally:
        if upload is not None:
            upload.close()  # a large one is spooled to a temporary file
    return _page(activity, errors=errors, values=request.form, status=status)


@bp.post("/evidence/photos/<int:photo_id>/delete")
@role_required(Role.SOCIAL_WORKER)
def evidence_delete(photo_id: int):
    photo = evidence.get_photo_for(current_user, photo_id)
    back = url_for("station.evidence_page", activity_id=photo.activity_id)
    return perform(lambda: evidence.delete_photo(photo, current_user),
                   success=_("The photo is deleted."), back_to=back, say=messages_of)


@bp.get("/evidence/photos/<int:photo_id>")
@role_required(Role.SOCIAL_WORKER)
def evidence_photo(photo_id: int):
    return photo_response(evidence.get_photo_for(current_user, photo_id))


@bp.get("/evidence/photos/<int:photo_id>/thumbnail")
@role_required(Role.SOCIAL_WORKER)
def evidence_thumbnail(photo_id: int):
    return photo_response(evidence.get_photo_for(current_user, photo_id), thumbnail=True)


@bp.get("/activities/<int:activity_id>/sign-in-list.pdf")
@role_required(Role.SOCIAL_WORKER)
def sign_in_list(activity_id: int):
    """The sign-in list (签到表) to print and file; audited, so committed."""
    activity = activities.station_activity(current_user, activity_id)
    outcome = attempt(lambda: evidence.sign_in_list(activity, current_user))
    if outcome.error is not None:
        flash(messages_of(outcome.error), "error")
        return redirect(url_for("station.activity_detail", activity_id=activity.id))
    return Response(outcome.result, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="sign-in-list-{activity.id}.pdf"',
        "Cache-Control": "private, no-store"})
