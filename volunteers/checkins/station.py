"""The station's approval inbox (`/station/approvals`): every check-in waiting for a decision,
across activities and days, oldest first, with filters and approval of many at once.

Single decisions (with changed minutes, or a rejection) post to the per-check-in routes of
`volunteers.checkins.views`, which come back here when the form says so."""

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from timebank.accounts.permissions import Role, role_required
from timebank.clock import day_start
from timebank.errors import NotFound, PermissionDenied
from timebank.org import services as org
from timebank.web.actions import attempt, form_errors, messages_of, perform
from timebank.web.forms import load_form, safe_next
from volunteers.activities import services as activities
from volunteers.checkins import services as checkins
from volunteers.checkins.schemas import (
    ApprovalPolicyFormSchema,
    ApproveChosenFormSchema,
    InboxQuerySchema,
)
from volunteers.pages import my_station
from volunteers.pages import station_bp as bp
from volunteers.vocabulary import EVALUATIONS

#: Where the inbox's forms may send the browser back to (its own filtered views).
INBOX_PATH = "/station/approvals"


def _filters(query: dict) -> dict:
    """The service's filters from the page's query (dates include their whole day)."""
    return {"status": query["status"], "activity_id": query["activity_id"],
            "organiser_id": query["worker_id"],
            "since": day_start(query["since"]) if query["since"] else None,
            "until": day_start(query["until"]) + timedelta(days=1) if query["until"] else None}


@bp.get("/approvals")
@role_required(Role.SOCIAL_WORKER)
def approvals():
    station = my_station()
    query, errors = load_form(InboxQuerySchema(), request.args)
    if query is None:
        query = InboxQuerySchema().load({})
    rows, total = checkins.approval_inbox(station.id, by=current_user, **_filters(query))
    offered = checkins.activities_with_waiting(station.id)
    if query["activity_id"] and query["activity_id"] not in {a.id for a in offered}:
        offered[:0] = activities.of_station(station.id, [query["activity_id"]])
    return render_template(
        "station/approvals.html", station=station, rows=rows, total=total, query=query,
        errors=errors, activities=offered, workers=org.social_workers_at(station.id),
        statuses=checkins.INBOX_STATUS_LABELS, labels=checkins.STATUS_LABELS,
        needs=checkins.approval_needs(rows), evaluations=EVALUATIONS,
        here=request.full_path.rstrip("?")), 422 if errors else 200


@bp.post("/approvals/approve")
@role_required(Role.SOCIAL_WORKER)
def approve_chosen():
    back_to = safe_next(request.form.get("next"), url_for(".approvals"))
    if not back_to.startswith(INBOX_PATH):
        back_to = url_for(".approvals")
    data, errors = load_form(ApproveChosenFormSchema())
    if data is None:
        flash(" ".join(str(message) for field in ("evaluation", "evaluation_comment")
                       for message in errors.get(field, []))
              or _("Choose the check-ins to approve."), "error")
        return redirect(back_to)

    def said(outcome: dict) -> str:
        message = ngettext("%(num)d check-in approved.", "%(num)d check-ins approved.",
                           outcome["approved"])
        for checkin, refusal in outcome["skipped"]:
            message += " " + _("Not approved: %(name)s (%(activity)s): %(why)s",
                               name=checkin.user.name, activity=checkin.activity.title,
                               why=messages_of(refusal))
        return message

    return perform(lambda: checkins.approve_many(
                       data["checkin_ids"], by=current_user, evaluation=data["evaluation"],
                       evaluation_comment=data["evaluation_comment"]),
                   success=said, back_to=back_to, say=messages_of,
                   let_through=(PermissionDenied, NotFound))


# --- the station's approval rules (审核规则) ----------------------------------------------------

def _policy_page(station, *, errors=None, form=None, status=200):
    return render_template(
        "station/approval_policy.html", station=station,
        policy=checkins.policy_of(station.id), errors=errors or {}, form=form or {},
        editable=checkins.may_change_policy(current_user, station.id)), status


@bp.get("/approval-policy")
@role_required(Role.SOCIAL_WORKER)
def approval_policy():
    station = my_station()
    checkins.read_policy(station.id, by=current_user)
    return _policy_page(station)


@bp.post("/approval-policy")
@role_required(Role.STATION_MANAGER)
def change_approval_policy():
    station = my_station()
    data, errors = load_form(ApprovalPolicyFormSchema())
    if data is None:
        return _policy_page(station, errors=errors, form=request.form, status=422)
    outcome = attempt(lambda: checkins.set_policy(station.id, by=current_user, **data),
                      let_through=(PermissionDenied,))
    if outcome.error is not None:
        return _policy_page(station, errors=form_errors(outcome.error), form=request.form,
                            status=outcome.error.status)
    flash(_("Approval rules saved."), "success")
    return redirect(url_for(".approval_policy"))
