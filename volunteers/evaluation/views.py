"""The reviewers' pages (``/review``): the stations assigned to them in open periods, and per
station the frozen figures, the period's evidence (summaries and photo thumbnails, served here
after the assignment is checked) and their party's scoring form. No resident's or volunteer's
name, phone or ID number is shown."""

import mimetypes

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import Role, role_required
from timebank.web.actions import attempt, form_errors
from volunteers.evaluation import services as evaluation
from volunteers.evaluation.models import PeriodStatus
from volunteers.evidence.services import photo_path

bp = Blueprint("review", __name__, url_prefix="/review")

_REVIEWERS = (Role.DISTRICT_ADMIN, Role.EVALUATOR, Role.TOWN_REVIEWER, Role.COMMITTEE_REVIEWER)


@bp.context_processor
def _labels() -> dict:
    return {"PARTY_LABELS": evaluation.PARTY_LABELS, "KIND_LABELS": evaluation.KIND_LABELS,
            "PERIOD_STATUS_LABELS": evaluation.STATUS_LABELS,
            "score_text": evaluation.score_text}


@bp.get("/", endpoint="index")
@role_required(*_REVIEWERS)
def index():
    return render_template("evaluation/review_index.html",
                           assignments=_assignments(), party=evaluation.party_of(current_user))


def _assignments():
    if evaluation.is_reviewer(current_user):
        return evaluation.my_assignments(current_user)
    party = evaluation.party_of(current_user)
    return [(period, frozen, evaluation.sheet_of(period, frozen.station_id, party))
            for period in evaluation.periods() if period.status == PeriodStatus.OPEN
            for frozen in evaluation.snapshots(period)]


def _page(period, station_id: int, errors=None, form=None, status=200):
    frozen = evaluation.reviewable(current_user, period, station_id)
    party = evaluation.party_of(current_user)
    sheet = evaluation.sheet_of(period, station_id, party)
    if form is not None:
        values = {key: form.get(key, "") for key in form}
        consulted = {"activities": {int(value) for value in form.getlist("activity_ids")
                                    if value.isdigit()},
                     "photos": {int(value) for value in form.getlist("photo_ids")
                                if value.isdigit()}}
    else:
        values = {f"score-{line.item_id}": evaluation.score_text(line.score_tenths)
                  for line in (sheet.lines if sheet else [])}
        values["comments"] = sheet.comments if sheet else ""
        consulted = {key: set(ids) for key, ids in (sheet.evidence if sheet else {}).items()}
    return render_template(
        "evaluation/review_station.html", period=period, snapshot=frozen,
        report=frozen.figures, party=party, items=evaluation.items_of(period, party),
        sheet=sheet, evidence=evaluation.evidence_of(period, station_id), values=values,
        consulted=consulted, errors=errors or {},
        may_score=period.status == PeriodStatus.OPEN), status


@bp.get("/<int:period_id>/<int:station_id>", endpoint="station")
@role_required(*_REVIEWERS)
def station(period_id: int, station_id: int):
    return _page(evaluation.get_period(period_id), station_id)


@bp.post("/<int:period_id>/<int:station_id>", endpoint="submit")
@role_required(*_REVIEWERS)
def submit(period_id: int, station_id: int):
    period = evaluation.get_period(period_id)
    scores = {key.removeprefix("score-"): value.strip() for key, value in request.form.items()
              if key.startswith("score-")}
    outcome = attempt(lambda: evaluation.submit_sheet(
        current_user, period, station_id, scores=scores,
        comments=request.form.get("comments", ""),
        activity_ids=request.form.getlist("activity_ids"),
        photo_ids=request.form.getlist("photo_ids")))
    if outcome.error is not None:
        errors = {key.replace("scores.", "score-"): value
                  for key, value in form_errors(outcome.error).items()}
        return _page(period, station_id, errors, request.form, outcome.error.status)
    flash(_("Your scores are submitted. You can revise them while the period is open."),
          "success")
    return redirect(url_for("review.station", period_id=period_id, station_id=station_id))


@bp.get("/<int:period_id>/<int:station_id>/photos/<int:photo_id>", endpoint="thumbnail")
@role_required(*_REVIEWERS)
def thumbnail(period_id: int, station_id: int, photo_id: int):
    """A photo's thumbnail, for a reviewer of the station in this period only."""
    period = evaluation.get_period(period_id)
    evaluation.reviewable(current_user, period, station_id)
    photo = evaluation.evidence_photo(period, station_id, photo_id)
    if photo is None:
        abort(404)
    path = photo_path(photo, thumbnail=True)
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=mimetypes.guess_type(path.name)[0] or "image/jpeg",
                     max_age=0)
