"""我的数据: the resident's page of what is held about them — a short summary, the JSON download,
a correction request, and erasure (a balance first offered to a community pool)."""

import json

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from timebank.accounts.permissions import login_required
from timebank.clock import local, now
from timebank.database import reads_only, start_writing
from timebank.errors import ServiceError
from timebank.extensions import db, limiter
from timebank.org import services as org
from timebank.personal_data import services as personal
from timebank.personal_data.schemas import CorrectionRequestInputSchema
from timebank.web.actions import attempt, form_errors, perform
from timebank.web.forms import load_form
from timebank.web.inputs import db_int

bp = Blueprint("personal_data", __name__, url_prefix="/me/data")


def _page(errors=None, form=None, status=200):
    user = current_user
    return render_template(
        "personal_data/mine.html", summary=personal.summary(user),
        corrections=personal.corrections_of(user), fields=personal.CORRECTABLE_FIELDS,
        labels=personal.CORRECTION_STATUS_LABELS, balance=personal.member_balance(user),
        communities=personal.pool_communities(), home=org.home_community(user),
        duties=personal.open_duties(user), errors=errors or {}, form=form or {}), status


@bp.get("/")
@login_required
def index():
    page, status = _page()
    return page, status


@bp.get("/export.json")
@login_required
@limiter.limit(lambda: current_app.config["PERSONAL_DATA_EXPORT_LIMIT"])
def download():
    body = json.dumps(personal.export(current_user), ensure_ascii=False, indent=1)
    name = f"my-data-{local(now()):%Y%m%d}.json"
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.post("/corrections")
@login_required
def request_correction():
    data, errors = load_form(CorrectionRequestInputSchema())
    if data is None:
        page, _status = _page(errors, request.form)
        return page, 422
    return perform(lambda: personal.request_correction(
        current_user, data["field"], data["problem"], data["correct_value"]),
        success=_("Your request was sent to your station. You will be told when it is answered."),
        back_to=url_for("personal_data.index") + "#corrections")


@bp.post("/erase")
@login_required
@reads_only  # the password is checked before the write transaction begins
def erase():
    password = request.form.get("password", "")
    pool = request.form.get("donate_to_pool_id", type=db_int) or None
    try:
        personal.check_password(current_user, password)
    except ServiceError as error:
        page, _status = _page(form_errors(error) if not error.fields else error.fields,
                              request.form)
        return page, error.status
    user_id = current_user.id
    start_writing()
    outcome = attempt(lambda: personal.erase(db.session.get(personal.User, user_id),
                                             by=db.session.get(personal.User, user_id),
                                             donate_to_pool_id=pool))
    if outcome.error is not None:
        page, _status = _page({"_schema": [outcome.error.message]}, request.form)
        return page, outcome.error.status
    logout_user()
    flash(_("Your personal data was erased and you are logged out. Your hours of service stay "
            "in the records under an anonymous label."), "success")
    return redirect(url_for("site.home"))
