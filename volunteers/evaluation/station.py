"""The district's pages of the evaluation (``/district/evaluations``): periods, their forms,
weights and veto list, opening and closing, the veto answers, the results and their export; and
the reviewers with the stations they review."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import REVIEWER_ROLES, ROLE_LABELS, Role, role_required
from timebank.org import services as org
from timebank.web.actions import attempt, perform
from timebank.web.forms import load_form_or_flash
from volunteers.evaluation import services as evaluation
from volunteers.evaluation.models import Party, PeriodKind, PeriodStatus
from volunteers.evaluation.schemas import (
    AssignFormSchema,
    OpenFormSchema,
    PeriodFormSchema,
    ReviewerFormSchema,
    ScoringItemFormSchema,
    VetoAnswerFormSchema,
    VetoItemFormSchema,
)
from volunteers.themes import services as themes

bp = Blueprint("evaluation", __name__, url_prefix="/district/evaluations")


@bp.context_processor
def _labels() -> dict:
    return {"PARTY_LABELS": evaluation.PARTY_LABELS, "KIND_LABELS": evaluation.KIND_LABELS,
            "PERIOD_STATUS_LABELS": evaluation.STATUS_LABELS, "PARTIES": evaluation.PARTIES,
            "score_text": evaluation.score_text, "outcome_text": evaluation.outcome_text}


def _period_values(data: dict) -> dict:
    return {"name": data["name"], "kind": data["kind"],
            "first": themes.parse_month(data["first"]), "last": themes.parse_month(data["last"]),
            "weights": {party.value: data[f"weight_{party.value}"] for party in Party}}


@bp.get("/", endpoint="index")
@role_required(Role.DISTRICT_ADMIN)
def index():
    reviewers = evaluation.reviewers()
    return render_template(
        "evaluation/district.html", periods=evaluation.periods(), reviewers=reviewers,
        assigned={user.id: evaluation.assigned_station_ids(user) for user in reviewers},
        stations=org.all_stations(), reviewer_roles=REVIEWER_ROLES, role_labels=ROLE_LABELS,
        kinds=list(PeriodKind), password=request.args.get("shown"))


@bp.post("/", endpoint="create")
@role_required(Role.DISTRICT_ADMIN)
def create():
    data = load_form_or_flash(PeriodFormSchema())
    if data is None:
        return redirect(url_for("evaluation.index"))
    outcome = attempt(lambda: evaluation.create_period(current_user, **_period_values(data)))
    if outcome.error is not None:
        flash(_message(outcome.error), "error")
        return redirect(url_for("evaluation.index"))
    flash(_("The period is created. Add the scoring items, then open it."), "success")
    return redirect(url_for("evaluation.period", period_id=outcome.result.id))


def _message(error) -> str:
    said = " ".join(str(message) for messages in error.fields.values() for message in messages)
    return said or error.message


@bp.get("/<int:period_id>", endpoint="period")
@role_required(Role.DISTRICT_ADMIN)
def period_page(period_id: int):
    period = evaluation.get_period(period_id)
    rows = evaluation.results(current_user, period) \
        if period.status != PeriodStatus.DRAFT else []
    answers = {row.station.id: evaluation.veto_answers(period, row.station.id) for row in rows}
    return render_template("evaluation/period.html", period=period, rows=rows, answers=answers,
                           consulted={row.station.id: evaluation.consulted(period, row)
                                      for row in rows},
                           stations=org.all_stations(), kinds=list(PeriodKind),
                           items={party: evaluation.items_of(period, party)
                                  for party in Party})


def _act(action, success: str, period_id: int):
    back = url_for("evaluation.period", period_id=period_id)
    return perform(action, success=success, back_to=back, say=_message)


@bp.post("/<int:period_id>", endpoint="update")
@role_required(Role.DISTRICT_ADMIN)
def update(period_id: int):
    period = evaluation.get_period(period_id)
    data = load_form_or_flash(PeriodFormSchema())
    if data is None:
        return redirect(url_for("evaluation.period", period_id=period_id))
    return _act(lambda: evaluation.update_period(current_user, period, **_period_values(data)),
                _("The period is saved."), period_id)


@bp.post("/<int:period_id>/items", endpoint="add_item")
@role_required(Role.DISTRICT_ADMIN)
def add_item(period_id: int):
    period = evaluation.get_period(period_id)
    data = load_form_or_flash(ScoringItemFormSchema())
    if data is None:
        return redirect(url_for("evaluation.period", period_id=period_id))
    return _act(lambda: evaluation.add_item(current_user, period, **data),
                _("The item is added."), period_id)


@bp.post("/<int:period_id>/items/<int:item_id>/remove", endpoint="remove_item")
@role_required(Role.DISTRICT_ADMIN)
def remove_item(period_id: int, item_id: int):
    period = evaluation.get_period(period_id)
    return _act(lambda: evaluation.remove_item(current_user, period, item_id),
                _("The item is removed."), period_id)


@bp.post("/<int:period_id>/veto-items", endpoint="add_veto_item")
@role_required(Role.DISTRICT_ADMIN)
def add_veto_item(period_id: int):
    period = evaluation.get_period(period_id)
    data = load_form_or_flash(VetoItemFormSchema())
    if data is None:
        return redirect(url_for("evaluation.period", period_id=period_id))
    return _act(lambda: evaluation.add_veto_item(current_user, period, **data),
                _("The veto item is added."), period_id)


@bp.post("/<int:period_id>/open", endpoint="open")
@role_required(Role.DISTRICT_ADMIN)
def open_period(period_id: int):
    period = evaluation.get_period(period_id)
    data = load_form_or_flash(OpenFormSchema())
    if data is None:
        return redirect(url_for("evaluation.period", period_id=period_id))
    return _act(lambda: evaluation.open_period(current_user, period, data["station_ids"]),
                _("The period is open: the stations' figures are frozen and the reviewers can "
                  "score."), period_id)


@bp.post("/<int:period_id>/close", endpoint="close")
@role_required(Role.DISTRICT_ADMIN)
def close_period(period_id: int):
    period = evaluation.get_period(period_id)
    return _act(lambda: evaluation.close_period(current_user, period),
                _("The period is closed."), period_id)


@bp.post("/<int:period_id>/veto", endpoint="answer_veto")
@role_required(Role.DISTRICT_ADMIN)
def answer_veto(period_id: int):
    period = evaluation.get_period(period_id)
    data = load_form_or_flash(VetoAnswerFormSchema())
    if data is None:
        return redirect(url_for("evaluation.period", period_id=period_id))
    return _act(lambda: evaluation.answer_veto(
        current_user, period, data["station_id"], data["item_id"],
        vetoed=data["vetoed"] == "yes", note=data["note"]), _("The answer is saved."), period_id)


@bp.get("/<int:period_id>/results.xlsx", endpoint="export")
@role_required(Role.DISTRICT_ADMIN)
def export(period_id: int):
    period = evaluation.get_period(period_id)
    if period.status == PeriodStatus.DRAFT:
        abort(404)
    return Response(
        evaluation.results_xlsx(current_user, period),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition":
                 f'attachment; filename="evaluation-{period.id}-results.xlsx"'})


@bp.post("/reviewers", endpoint="add_reviewer")
@role_required(Role.DISTRICT_ADMIN)
def add_reviewer():
    data = load_form_or_flash(ReviewerFormSchema())
    back = url_for("evaluation.index")
    if data is None:
        return redirect(back)
    outcome = attempt(lambda: evaluation.add_reviewer(current_user, **data))
    if outcome.error is not None:
        flash(_message(outcome.error), "error")
        return redirect(back)
    user, generated = outcome.result
    if generated:
        flash(_("%(name)s can log in with %(phone)s and the password %(password)s (shown once).",
                name=user.name, phone=user.phone, password=generated), "success")
    else:
        flash(_("%(name)s is a reviewer now. Assign the stations they review.", name=user.name),
              "success")
    return redirect(back + f"#reviewer-{user.id}")


@bp.post("/reviewers/<int:user_id>/stations", endpoint="assign")
@role_required(Role.DISTRICT_ADMIN)
def assign(user_id: int):
    data = load_form_or_flash(AssignFormSchema())
    back = url_for("evaluation.index")
    if data is None:
        return redirect(back)

    def act():
        return evaluation.assign_stations(current_user, evaluation.get_reviewer(user_id),
                                          data["station_ids"])

    return perform(act, success=_("The stations are assigned."), back_to=back, say=_message)


