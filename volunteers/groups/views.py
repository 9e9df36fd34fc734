"""The pages of people in groups: a contact's 我的团体 (``/groups/<id>``: the group, its
members, the service of those who share it, its hours and sponsorships, the sponsor and
invite forms, and a party branch's report), and the volunteer's own groups
(``/volunteer/groups``: invitations, the share consent, leaving, and the 党员 flag)."""

import secrets

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import ValidationError, fields, validate, validates_schema

from timebank.accounts.permissions import login_required
from timebank.consents import services as consents
from timebank.errors import InvalidInput
from timebank.extensions import db
from timebank.ledger import queries as ledger_queries
from timebank.org import services as org
from timebank.web.actions import attempt, messages_of, perform
from timebank.web.forms import load_form, load_form_or_flash
from timebank.web.schemas import BaseSchema
from volunteers.groups import services as groups
from volunteers.groups.models import ROLE_LABELS, GroupKind
from volunteers.groups.schemas import GroupFlagFormSchema, PartyFlagSchema
from volunteers.pages import volunteer_bp

bp = Blueprint("groups", __name__, url_prefix="/groups")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SponsorFormSchema(BaseSchema):
    community_id = fields.Integer(required=True, error_messages={
        "required": _l("Choose the community."), "invalid": _l("Choose the community.")})
    hours = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1000))
    minutes = fields.Integer(load_default=0, validate=validate.Range(min=0, max=59))
    memo = fields.String(load_default="", validate=validate.Length(max=200))
    nonce = fields.String(required=True, validate=validate.Length(min=8, max=64))

    def load(self, data, *args, **kwargs):
        data = {key: value for key, value in data.items() if value not in ("", None)}
        return super().load(data, *args, **kwargs)

    @validates_schema
    def _amount(self, data, **kwargs):
        if data.get("hours", 0) * 60 + data.get("minutes", 0) <= 0:
            raise ValidationError(str(_l("Enter how much time to sponsor.")), "hours")


class InviteFormSchema(BaseSchema):
    phone = fields.String(required=True, validate=validate.Length(min=5, max=20))


def _communities() -> list:
    return list(db.session.scalars(org.communities_statement()))


def _period_args() -> dict:
    return {key: request.args[key] for key in ("month", "from", "to") if request.args.get(key)}


def _group_page(group, errors=None, form=None, status=200):
    errors = errors or {}
    try:
        first, last = groups.parse_period(**{"month": request.args.get("month"),
                                             "start": request.args.get("from"),
                                             "end": request.args.get("to")})
    except InvalidInput as error:
        errors = {**errors, **error.fields}
        first, last = groups.parse_period()
        status = 422
    return render_template(
        "groups/group.html", group=group, service=groups.group_service(current_user, group,
                                                                       first, last),
        members=groups.live_members(group), invitations=groups.invitations(group),
        balance=groups.balance_of(group), sponsored=groups.sponsored_minutes(group),
        movements=groups.movements(group, 20), communities=_communities(),
        is_contact=groups.is_contact(current_user, group), ROLE_LABELS=ROLE_LABELS,
        phone=groups.shown_phone(current_user, group), errors=errors, form=form or {},
        month=request.args.get("month") or first.strftime("%Y-%m"),
        nonce=secrets.token_hex(12), is_party_branch=group.kind == GroupKind.PARTY_BRANCH), status


@bp.get("/<int:group_id>")
@login_required
def group_page(group_id: int):
    """我的团体: the group as its contact (or its station's staff) sees it."""
    return _group_page(groups.get_for(current_user, group_id))


@bp.post("/<int:group_id>/sponsor")
@login_required
def sponsor(group_id: int):
    group = groups.get_group(group_id)
    groups.require_contact(current_user, group)
    data, errors = load_form(SponsorFormSchema())
    if data is None:
        return _group_page(group, errors, request.form, 422)
    minutes = data["hours"] * 60 + data["minutes"]

    def act():
        community = org.get_community(data["community_id"])
        return groups.sponsor(group, community, minutes, data["memo"], by=current_user,
                              idempotency_key=f"group-sponsor:{group.id}:{data['nonce']}"), community

    outcome = attempt(act)
    if outcome.error is not None:
        found = dict(outcome.error.fields)
        found["_schema"] = [outcome.error.message]
        return _group_page(group, found, request.form, outcome.error.status)
    _transfer, community = outcome.result
    flash(_("Thank you! %(group)s sponsored %(amount)s to the pool of %(community)s.",
            group=group.name, amount=ledger_queries.format_minutes(minutes),
            community=community.name), "success")
    return redirect(url_for("groups.group_page", group_id=group.id))


@bp.post("/<int:group_id>/invite")
@login_required
def invite(group_id: int):
    group = groups.get_group(group_id)
    groups.require_contact(current_user, group)
    back = url_for("groups.group_page", group_id=group.id)
    data = load_form_or_flash(InviteFormSchema())
    if data is None:
        return redirect(back)
    return perform(lambda: groups.invite(group, data["phone"], by=current_user),
                   success=_("Invitation sent."), back_to=back, say=messages_of)


def _report(group_id: int):
    group = groups.get_for(current_user, group_id)
    first, last = groups.parse_period(request.args.get("month"), request.args.get("from"),
                                      request.args.get("to"))
    return group, groups.party_report(current_user, group, first, last)


@bp.get("/<int:group_id>/party-report")
@login_required
def party_report(group_id: int):
    """A party branch's members who are party members (with consent) and their service."""
    try:
        group, report = _report(group_id)
    except InvalidInput as error:
        group = groups.get_for(current_user, group_id)
        return render_template("groups/party_report.html", group=group, report=None,
                               errors=error.fields, args=_period_args()), 422
    return render_template("groups/party_report.html", group=group, report=report, errors={},
                           args=_period_args())


@bp.get("/<int:group_id>/party-report.xlsx")
@login_required
def party_report_xlsx(group_id: int):
    _group, report = _report(group_id)
    data = groups.party_report_xlsx(current_user, report)
    db.session.commit()
    name = f"party-report-{report.group.id}-{report.first.isoformat()}-{report.last.isoformat()}"
    return Response(data, content_type=XLSX, headers={
        "Content-Disposition": f'attachment; filename="{name}.xlsx"',
        "Cache-Control": "no-store"})


# --- the volunteer's own groups -------------------------------------------------------------

@volunteer_bp.get("/groups")
@login_required
def my_groups():
    return render_template(
        "volunteer/groups.html", memberships=groups.my_memberships(current_user),
        ROLE_LABELS=ROLE_LABELS, is_party_member=groups.is_party_member(current_user),
        party_consent=consents.has_consent(current_user, consents.PARTY),
        has_profile=groups.has_profile(current_user))


def _back() -> str:
    return url_for("volunteer.my_groups")


@volunteer_bp.post("/groups/<int:membership_id>/share")
@login_required
def share_service(membership_id: int):
    membership = groups.own_membership(current_user, membership_id)
    data = load_form_or_flash(GroupFlagFormSchema())
    if data is None:
        return redirect(_back())
    return perform(lambda: groups.set_share(membership, current_user, data["share"]),
                   success=_("Saved: %(group)s sees your service hours.", group=membership.group.name)
                   if data["share"] else
                   _("Saved: %(group)s no longer sees your service hours.",
                     group=membership.group.name),
                   back_to=_back(), say=messages_of)


@volunteer_bp.post("/groups/<int:membership_id>/accept")
@login_required
def accept_invitation(membership_id: int):
    membership = groups.own_membership(current_user, membership_id)
    return perform(lambda: groups.accept(membership, current_user),
                   success=_("You joined %(group)s.", group=membership.group.name),
                   back_to=_back(), say=messages_of)


@volunteer_bp.post("/groups/<int:membership_id>/leave")
@login_required
def leave_group(membership_id: int):
    membership = groups.own_membership(current_user, membership_id)
    return perform(lambda: groups.leave(membership, current_user),
                   success=_("You left %(group)s.", group=membership.group.name),
                   back_to=_back(), say=messages_of)


@volunteer_bp.post("/party-member")
@login_required
def party_member():
    data = load_form_or_flash(PartyFlagSchema())
    if data is None:
        return redirect(_back())
    return perform(lambda: groups.set_party_member(current_user, data["is_party_member"]),
                   success=_("Saved."), back_to=_back(), say=messages_of)

