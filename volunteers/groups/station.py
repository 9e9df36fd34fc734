"""The station's side of group members: the list with the form to register one, a group's
page (details, contacts and members, its hours), adding a person by phone as contact or member,
and recording a company's pledge (认捐). Every action is audited in the services."""

import secrets

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import fields, validate

from timebank.accounts.permissions import Role, role_required
from timebank.accounts.services import get_by_phone
from timebank.errors import InvalidInput
from timebank.web.actions import attempt, messages_of, perform
from timebank.web.forms import load_form, load_form_or_flash
from timebank.web.pagination import paginate
from timebank.web.schemas import BaseSchema
from volunteers.groups import services as groups
from volunteers.groups.models import KIND_LABELS, ROLE_LABELS, GroupRole
from volunteers.groups.schemas import GroupCreateSchema
from volunteers.pages import my_station
from volunteers.pages import station_bp as bp

PER_PAGE = 30


class PersonFormSchema(BaseSchema):
    phone = fields.String(required=True, validate=validate.Length(min=5, max=20))
    role = fields.String(load_default=GroupRole.MEMBER.value, validate=validate.OneOf(
        [role.value for role in GroupRole], error=_l("Choose contact or member.")))


class PledgeFormSchema(BaseSchema):
    hours = fields.Integer(required=True, validate=validate.Range(
        min=1, max=10_000, error=_l("Enter whole hours from 1 to 10000.")))
    reason = fields.String(required=True, validate=validate.Length(
        min=2, max=300, error=_l("Give a reason (2 to 300 characters).")))
    nonce = fields.String(required=True, validate=validate.Length(min=8, max=64))


def _list_page(station, errors=None, form=None, status=200):
    page = paginate(groups.groups_statement(current_user, station_id=station.id), PER_PAGE)
    return render_template("station/groups.html", station=station, page=page,
                           KIND_LABELS=KIND_LABELS, errors=errors or {}, form=form or {},
                           balances={group.id: groups.balance_of(group) for group in page.items}
                           ), status


@bp.get("/groups")
@role_required(Role.SOCIAL_WORKER)
def groups_list():
    return _list_page(my_station())


@bp.post("/groups")
@role_required(Role.SOCIAL_WORKER)
def create_group():
    station = my_station()
    form = {key: value for key, value in request.form.items() if value.strip()}
    data, errors = load_form(GroupCreateSchema(), form)
    if data is None:
        return _list_page(station, errors, request.form, 422)
    data["station_id"] = None if request.form.get("district_wide") else station.id
    data["active"] = True  # a checkbox the form does not have
    outcome = attempt(lambda: groups.create_group(data, by=current_user))
    if outcome.error is not None:
        found = dict(outcome.error.fields) or {"_schema": [outcome.error.message]}
        return _list_page(station, found, request.form, outcome.error.status)
    flash(_("%(group)s is registered.", group=outcome.result.name), "success")
    return redirect(url_for("station.group_detail", group_id=outcome.result.id))


@bp.get("/groups/<int:group_id>")
@role_required(Role.SOCIAL_WORKER)
def group_detail(group_id: int):
    group = groups.get_group(group_id)
    groups.require_staff(current_user, group)
    station = group.station or my_station()
    return render_template(
        "station/group.html", station=station, group=group, members=groups.live_members(group),
        invitations=groups.invitations(group), balance=groups.balance_of(group),
        movements=groups.movements(group, 30), KIND_LABELS=KIND_LABELS, ROLE_LABELS=ROLE_LABELS,
        nonce=secrets.token_hex(12))


@bp.post("/groups/<int:group_id>/people")
@role_required(Role.SOCIAL_WORKER)
def add_group_person(group_id: int):
    group = groups.get_group(group_id)
    groups.require_staff(current_user, group)
    back = url_for("station.group_detail", group_id=group.id)
    data = load_form_or_flash(PersonFormSchema())
    if data is None:
        return redirect(back)

    def add():
        person = get_by_phone(data["phone"].strip())
        if person is None:
            raise InvalidInput(fields={"phone": [_("No member has that phone number.")]})
        return groups.add_person(group, person.id, data["role"], by=current_user)

    return perform(add, success=lambda membership: _("%(name)s added as %(role)s.",
                                                     name=membership.user.name,
                                                     role=ROLE_LABELS[membership.role]),
                   back_to=back, say=messages_of)


@bp.post("/groups/<int:group_id>/pledges")
@role_required(Role.SOCIAL_WORKER)
def record_pledge(group_id: int):
    group = groups.get_group(group_id)
    groups.require_staff(current_user, group)
    back = url_for("station.group_detail", group_id=group.id)
    data = load_form_or_flash(PledgeFormSchema())
    if data is None:
        return redirect(back)
    return perform(
        lambda: groups.pledge(group, data["hours"] * 60, data["reason"], by=current_user,
                              idempotency_key=f"group-pledge:{group.id}:{data['nonce']}"),
        success=_("Pledge recorded: %(hours)d hours into %(group)s's account.",
                  hours=data["hours"], group=group.name),
        back_to=back, say=messages_of)
