"""Pages for community pools: my community's pool with a donate form (confirmed in a second
step, as when giving hours), and for staff their station's pools with the grant form."""

import secrets
from typing import TYPE_CHECKING

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import ValidationError, fields, validate, validates_schema

from timebank.accounts.permissions import Role, login_required, role_required
from timebank.accounts.services import get_by_phone
from timebank.errors import InvalidInput, ServiceError
from timebank.exchange.gifts import services as exchange
from timebank.exchange.pools import services as pools
from timebank.ledger import queries as ledger_queries
from timebank.org import services as org
from timebank.web import confirmations
from timebank.web.actions import attempt, perform
from timebank.web.forms import load_form
from timebank.web.inputs import db_int
from timebank.web.schemas import BaseSchema, Phone

if TYPE_CHECKING:
    from timebank.org.models import Community, Station

bp = Blueprint("pools", __name__, url_prefix="/pools")
#: The time bank's operations centre (运营中心): grants from any pool under the district's budget.
district_bp = Blueprint("district_grants", __name__, url_prefix="/grants")


class _FormSchema(BaseSchema):
    def load(self, data, *args, **kwargs):
        # Empty inputs from an HTML form mean "not given".
        data = {key: value for key, value in data.items() if value not in ("", None)}
        return super().load(data, *args, **kwargs)


class DonateFormSchema(_FormSchema):
    hours = fields.Integer(load_default=0, validate=validate.Range(min=0, max=100))
    minutes = fields.Integer(load_default=0, validate=validate.Range(min=0, max=59))
    memo = fields.String(load_default="", validate=validate.Length(max=200))

    @validates_schema
    def _amount(self, data, **kwargs):
        if data.get("hours", 0) * 60 + data.get("minutes", 0) <= 0:
            raise ValidationError(str(_l("Enter how much time to give.")), "hours")


class GrantFormSchema(_FormSchema):
    community_id = fields.Integer(required=True)
    recipient_phone = Phone(required=True)
    minutes = fields.Integer(required=True, validate=validate.Range(
        min=1, max=exchange.MAX_GIFT_MINUTES, error=_l("Enter a number of minutes above zero.")))
    group = fields.String(required=True, validate=validate.OneOf(
        list(pools.GRANT_GROUPS), error=_l("Choose who the grant is for.")))
    reason = fields.String(required=True, validate=validate.Length(
        min=2, max=300, error=_l("Give a reason (2 to 300 characters).")))
    nonce = fields.String(required=True, validate=validate.Length(min=8, max=64))


def _errors(error: ServiceError) -> dict:
    """Field messages, plus the error's own sentence unless it is only about fields."""
    found = dict(error.fields)
    if not isinstance(error, InvalidInput) or not found:
        found["_schema"] = [error.message]
    return found


def _my_community() -> "Community | None":
    return org.home_community(current_user)


def _index(errors=None, form=None, status=200):
    community = _my_community()
    account = pools.find_pool(community) if community else None
    return render_template(
        "pools/index.html", community=community, balance=account.balance if account else 0,
        grants=pools.recent_grants(community) if community else [], groups=pools.GRANT_GROUPS,
        errors=errors or {}, form=form or {}), status


@bp.get("/")
@login_required
def index():
    """My community's pool: its balance, recent grants (names masked) and a donate form."""
    return _index()


@bp.post("/donate")
@login_required
def donate():
    """Step one: how much. Shows the confirmation page when it is valid."""
    community = _my_community()
    if community is None:
        flash(_("Set your home community in your profile first."), "error")
        return redirect(url_for("pools.index"))
    data, errors = load_form(DonateFormSchema())
    if data is None:
        return _index(errors, request.form, 422)
    minutes = data["hours"] * 60 + data["minutes"]

    def check():
        target = pools.pool_account(community)
        source = exchange.check_gift(current_user, target, minutes)
        exchange.check_balance(source, minutes)
        return target, source

    checked = attempt(check)  # committed: the pool or the giver's account may just have been opened
    if checked.error is not None:
        return _index(_errors(checked.error), request.form, checked.error.status)
    target, source = checked.result
    token = confirmations.sign("pool-donation", community=community.id, minutes=minutes,
                               memo=data["memo"])
    return render_template("hours/confirm.html", target=target, minutes=minutes,
                           memo=data["memo"], token=token, balance=source.balance,
                           action=url_for("pools.confirm_donation"),
                           button=_("Confirm and donate"), cancel_url=url_for("pools.index"))


@bp.post("/donate/confirm")
@login_required
def confirm_donation():
    """Step two: the signed confirmation. Pressing twice donates once (the nonce is the key)."""
    order = confirmations.load("pool-donation", request.form.get("token"))
    if order is None:
        flash(_("That confirmation has expired. Please start again."), "error")
        return redirect(url_for("pools.index"))
    community = org.get_community(order["community"])
    return perform(
        lambda: pools.donate(current_user, community, order["minutes"], order["memo"],
                             idempotency_key=f"pool-donate:{order['nonce']}"),
        success=lambda _transfer: _("Thank you! You donated %(amount)s to %(pool)s.",
                                    amount=ledger_queries.format_spending(order["minutes"]),
                                    pool=pools.pool_account(community).label),
        back_to=url_for("pools.index"))


@bp.get("/<int:community_id>")
def public_pool(community_id: int):
    """A community's pool for anyone, without logging in: its balance and the thanks to the
    groups that sponsored it (感谢爱心单位). No person's name is shown."""
    community = org.get_community(community_id)
    account = pools.find_pool(community)
    return render_template("pools/public.html", community=community,
                           balance=account.balance if account else 0,
                           sponsors=pools.sponsors(community))


# --- staff ------------------------------------------------------------------------------------

def _station() -> "Station":
    station_id = request.args.get("station_id", type=db_int) or org.station_id_of(current_user)
    if station_id is None or not org.can_manage_station(current_user, station_id):
        abort(403)
    return org.get_station(station_id)


def _grants_page(station: "Station", errors=None, form=None, status=200):
    communities = station.town.communities
    return render_template(
        "pools/grants.html", station=station, communities=communities,
        balances=pools.pool_balances(communities), grants=pools.grants_this_month(station),
        cap=pools.monthly_cap(), remaining=pools.remaining_cap(station),
        groups=pools.GRANT_GROUPS, errors=errors or {}, form=form or {},
        nonce=secrets.token_hex(12)), status


@bp.get("/grants")
@role_required(Role.SOCIAL_WORKER)
def grants():
    """The station's pools, this month's grants and what remains of the cap, and the form."""
    return _grants_page(_station())


@bp.post("/grants")
@role_required(Role.SOCIAL_WORKER)
def make_grant():
    station = _station()
    data, errors = load_form(GrantFormSchema())
    if data is None:
        return _grants_page(station, errors, request.form, 422)

    def grant():
        community = org.get_community(data["community_id"])
        recipient = get_by_phone(data["recipient_phone"])
        if recipient is None:
            raise InvalidInput(fields={"recipient_phone": [_("No member has that phone number.")]})
        return pools.grant(community, recipient, data["minutes"], data["group"], data["reason"],
                           by=current_user, idempotency_key=f"pool-grant:{data['nonce']}")

    granted = attempt(grant)
    if granted.error is not None:
        return _grants_page(station, _errors(granted.error), request.form, granted.error.status)
    entry = granted.result
    flash(_("Granted %(amount)s to %(name)s.", amount=ledger_queries.format_spending(entry.minutes),
            name=entry.recipient.name), "success")
    return redirect(url_for("pools.grants", station_id=station.id))


# --- the operations centre's grants ------------------------------------------------------------

class DistrictGrantFormSchema(GrantFormSchema):
    """As a station's grant form; the pool is a community's or, left blank, the district's."""

    community_id = fields.Integer(load_default=None)


def _district_page(errors=None, form=None, status=200):
    towns = org.towns_with_communities()
    communities = [community for _town, members in towns for community in members]
    budget, used = pools.monthly_budget(), pools.district_granted_this_month()
    return render_template(
        "pools/district.html", communities=communities, district_pool=pools.district_pool(),
        balances=pools.pool_balances(communities), grants=pools.district_grants_this_month(),
        budget=budget, used=used, remaining=max(budget - used, 0), groups=pools.GRANT_GROUPS,
        errors=errors or {}, form=form or {}, nonce=secrets.token_hex(12)), status


@district_bp.get("/", endpoint="index")
@role_required(Role.GRANT_OFFICER)
def district_index():
    """Every pool with its balance, the month's budget used, the grant form and the month's
    grants, for the operations centre."""
    return _district_page()


@district_bp.post("/", endpoint="make_grant")
@role_required(Role.GRANT_OFFICER)
def district_make_grant():
    data, errors = load_form(DistrictGrantFormSchema())
    if data is None:
        return _district_page(errors, request.form, 422)

    def grant():
        community = org.get_community(data["community_id"]) if data["community_id"] else None
        recipient = get_by_phone(data["recipient_phone"])
        if recipient is None:
            raise InvalidInput(fields={"recipient_phone": [_("No member has that phone number.")]})
        return pools.grant(community, recipient, data["minutes"], data["group"], data["reason"],
                           by=current_user, idempotency_key=f"pool-grant:{data['nonce']}")

    granted = attempt(grant)
    if granted.error is not None:
        return _district_page(_errors(granted.error), request.form, granted.error.status)
    entry = granted.result
    flash(_("Granted %(amount)s to %(name)s.", amount=ledger_queries.format_spending(entry.minutes),
            name=entry.recipient.name), "success")
    return redirect(url_for("district_grants.index"))
