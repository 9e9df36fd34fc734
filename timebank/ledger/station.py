"""Pages for station staff: the member directory (full phone numbers are shown only to staff),
a member's statement, and corrections: adjustments and reversals (station manager or above).
"""

import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts import recovery
from timebank.accounts import services as users
from timebank.accounts.permissions import Role, has_role, role_required
from timebank.errors import PermissionDenied
from timebank.extensions import db
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger
from timebank.ledger.models import TRANSFER_CATEGORIES
from timebank.ledger.schemas import AdjustFormSchema, ReverseFormSchema
from timebank.org.services import member_to_act_on, staff_may_act_on
from timebank.web.actions import attempt, form_errors, perform
from timebank.web.forms import load_form, safe_next
from timebank.web.pagination import paginate

bp = Blueprint("staff", __name__, url_prefix="/staff")

PER_PAGE = 50


@bp.get("/members")
@role_required(Role.SOCIAL_WORKER)
def members():
    query = request.args.get("q", "").strip()
    page = paginate(users.directory(query), PER_PAGE)
    total = users.count_members()
    return render_template("staff/members.html", page=page, query=query, total=total)


@bp.get("/members/<int:user_id>/hours")
@role_required(Role.SOCIAL_WORKER)
def member_hours(user_id: int, errors=None, form=None):
    member = member_to_act_on(current_user, user_id)
    account = ledger.find_member_account(member)
    category = request.args.get("category", "")
    category = category if category in TRANSFER_CATEGORIES else ""
    page = paginate(ledger_queries.statement(account, category), 20)
    return render_template(
        "staff/member_hours.html", member=member, account=account, page=page,
        category=category, categories=TRANSFER_CATEGORIES,
        totals=ledger_queries.totals(account) if account else {"balance": 0, "earned": 0, "spent": 0},
        months=ledger_queries.monthly_totals(account) if account else [],
        errors=errors or {}, form=form or {}, nonce=secrets.token_hex(12),
        can_correct=has_role(current_user, Role.STATION_MANAGER) and staff_may_act_on(current_user, member),
        can_reset=recovery.may_issue(current_user, member),
    )


@bp.post("/members/<int:user_id>/adjust")
@role_required(Role.STATION_MANAGER)
def adjust_member_hours(user_id: int):
    member = member_to_act_on(current_user, user_id)
    data, errors = load_form(AdjustFormSchema())
    if data is not None:
        adjusted = attempt(
            lambda: ledger.adjust(ledger.member_account(member), data["minutes"], data["reason"],
                                  posted_by=current_user, idempotency_key=f"adjust:{data['nonce']}"),
            let_through=PermissionDenied)
        if adjusted.error is not None:
            errors = form_errors(adjusted.error)
        else:
            flash(_("Adjustment posted."), "success")
            return redirect(url_for("staff.member_hours", user_id=member.id))
    return member_hours(user_id, errors=errors, form=request.form), 422


@bp.post("/transfers/<int:transfer_id>/reverse")
@role_required(Role.STATION_MANAGER)
def reverse_transfer(transfer_id: int):
    transfer = db.session.get(ledger.Transfer, transfer_id)
    if transfer is None:
        abort(404)
    back_to = safe_next(request.form.get("next"), url_for("staff.members"))
    data, errors = load_form(ReverseFormSchema())
    if data is None:
        flash(" ".join(errors.get("reason", [])), "error")
        return redirect(back_to)
    return perform(lambda: ledger.reverse(transfer, data["reason"], posted_by=current_user),
                   success=_("The transfer has been reversed."), back_to=back_to,
                   let_through=PermissionDenied)
