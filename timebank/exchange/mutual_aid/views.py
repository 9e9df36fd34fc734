"""Mutual-aid pages (邻里互助), phone first: open requests nearby, asking for help, a request's
page with every step (offer, choose, confirm, cancel, no-show, report a problem), standing
offers, and for social workers the disputes at their station with the settle form.

The rules live in `volunteers.mutual_aid`; these views read the form, call it, commit once and
say what happened. A refused step rolls back and shows the service's message.
"""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import Role, has_role, login_required, role_required
from timebank.errors import InvalidInput, PermissionDenied, ServiceError
from timebank.exchange.mutual_aid import services as mutual_aid
from timebank.exchange.mutual_aid.models import CATEGORIES, HelpRequest, OfferStatus, RequestStatus
from timebank.exchange.mutual_aid.schemas import (
    HelpRequestFormSchema,
    ListingCreateSchema,
    ReportSchema,
    SettleSchema,
)
from timebank.exchange.mutual_aid.services import DECISIONS
from timebank.extensions import db
from timebank.ledger import queries as ledger_queries
from timebank.org import services as org
from timebank.org.services import can_manage_station, station_id_of
from timebank.settings import services as settings
from timebank.web.actions import attempt, form_errors, messages_of, perform
from timebank.web.forms import load_form
from timebank.web.inputs import db_int

bp = Blueprint("help", __name__, url_prefix="/help")

#: Links other packages add to a request's page (the coordination layer's 评价): callables in
#: ``app.extensions[HELP_REQUEST_LINKS]``, each ``(request) -> [(label, url), ...]``. The core
#: does not know them; without any, the page shows none.
HELP_REQUEST_LINKS = "timebank.help_request_links"

def status_labels() -> dict:
    """A request's status in plain words, in the reader's language."""
    return {
        RequestStatus.OPEN: _("Waiting for offers"),
        RequestStatus.MATCHED: _("Helper chosen"),
        RequestStatus.DONE: _("Done"),
        RequestStatus.DISPUTED: _("Problem reported"),
        RequestStatus.SETTLED: _("Settled by a social worker"),
        RequestStatus.CANCELLED: _("Cancelled"),
    }


@bp.context_processor
def _labels() -> dict:
    return {"CATEGORIES": CATEGORIES, "HELP_STATUS": status_labels(), "DECISIONS": DECISIONS}


#: Durations offered on the form: 15 minutes to 8 hours.


@bp.get("/")
@login_required
def index():
    home = org.home_community(current_user)
    open_requests = list(db.session.scalars(
        mutual_aid.open_requests_statement(current_user).limit(30)))
    mine = list(db.session.scalars(mutual_aid.my_requests_statement(current_user).limit(30)))
    return render_template(
        "help/index.html", home=home, open_requests=open_requests, mine=mine,
        offers=mutual_aid.my_offers(current_user),
        listings=list(db.session.scalars(mutual_aid.listings_statement(user_id=current_user.id)
                                         .limit(20))),
        available=mutual_aid.available_minutes(current_user))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    errors = {}
    if request.method == "POST":
        data, errors = load_form(HelpRequestFormSchema())
        if data is not None:
            posted = attempt(lambda: mutual_aid.post_request(current_user, data))
            if posted.error is not None:
                errors = form_errors(posted.error)
            else:
                flash(_("Your request is posted. Neighbours who can help will offer; you choose one."),
                      "success")
                return redirect(url_for(".detail", request_id=posted.result.id))
    home = org.home_community(current_user)
    per_coin = ledger_queries.minutes_per_coin()
    form = request.form if request.method == "POST" else {
        "community_id": str(home.id) if home else "", "coins": str(ledger_queries.coins(60))}
    return render_template(
        "help/new.html", errors=errors, form=form, towns=org.towns_with_communities(),
        minutes_per_coin=per_coin, max_coins=mutual_aid.MAX_MINUTES // per_coin or 1,
        coin_step=1 if settings.value("WHOLE_UNIT_REDEMPTION") else 0.1,
        available=mutual_aid.available_minutes(current_user)
    ), 422 if errors else 200


def _explanation(item: HelpRequest, role: str) -> str:
    """What the status means for the reader, in plain words."""
    amount = ledger_queries.format_spending(item.minutes)
    if item.status == RequestStatus.OPEN:
        return _("Neighbours can offer to help. The person asking chooses one helper.")
    if item.status == RequestStatus.MATCHED:
        if role == "requester" and item.requester_confirmed_at:
            return _("You confirmed. When your helper confirms too, %(amount)s move to them.",
                     amount=amount)
        if role == "helper" and item.helper_confirmed_at:
            return _("You confirmed. When the person you helped confirms too, you receive "
                     "%(amount)s.", amount=amount)
        return _("A helper is chosen. After the help is given, both confirm, and then %(amount)s "
                 "move from the person asking to the helper.", amount=amount)
    if item.status == RequestStatus.DONE:
        return _("Both confirmed: %(amount)s moved to the helper.", amount=amount)
    if item.status == RequestStatus.DISPUTED:
        return _("A problem was reported, so no hours move for now. A social worker of the station "
                 "will talk to you both and decide.")
    if item.status == RequestStatus.SETTLED:
        paid = mutual_aid.paid_minutes(item)
        if paid:
            return _("A social worker decided: %(amount)s moved to the helper.",
                     amount=ledger_queries.format_spending(paid))
        return _("A social worker decided: no hours move.")
    return _("This request was cancelled; no hours moved.")


@bp.get("/<int:request_id>")
@login_required
def detail(request_id: int):
    item = mutual_aid.visible_request(current_user, request_id)
    staff = can_manage_station(current_user, mutual_aid.station_id_for(item))
    role = "requester" if current_user.id == item.requester_id else \
        "helper" if current_user.id == item.helper_id else "staff" if staff else "other"
    my_offer = next((offer for offer in item.offers if offer.helper_id == current_user.id), None)
    return render_template(
        "help/detail.html", item=item, role=role, my_offer=my_offer, staff=staff,
        explanation=_explanation(item, role), started=mutual_aid.has_started(item),
        paid=mutual_aid.paid_minutes(item), OfferStatus=OfferStatus,
        links=[link for provider in current_app.extensions.get(HELP_REQUEST_LINKS, ())
               for link in provider(item)])


def _message(error: ServiceError) -> str:
    """The service's message, or its field messages when it only says "some fields need attention"."""
    return messages_of(error, "；") if error.status == 422 else error.message


def _step(request_id: int, change, message: str):
    item = mutual_aid.get_request(request_id)
    return perform(lambda: change(item), success=message, say=_message,
                   back_to=url_for(".detail", request_id=request_id))


@bp.post("/<int:request_id>/offer")
@login_required
def offer(request_id: int):
    return _step(request_id, lambda item: mutual_aid.offer_help(
        item, current_user, request.form.get("message", "")[:300]),
        _("Thank you! The person asking will be told, and you will hear if you are chosen."))


@bp.post("/<int:request_id>/choose")
@login_required
def choose(request_id: int):
    return _step(request_id, lambda item: mutual_aid.choose_helper(
        item, mutual_aid.get_offer(item, request.form.get("offer_id", type=db_int)), current_user),
        _("Helper chosen. They have been told."))


@bp.post("/<int:request_id>/confirm")
@login_required
def confirm(request_id: int):
    return _step(request_id, lambda item: mutual_aid.confirm_done(item, current_user),
                 _("Thank you for confirming."))


@bp.post("/<int:request_id>/cancel")
@login_required
def cancel(request_id: int):
    return _step(request_id, lambda item: mutual_aid.cancel(item, current_user),
                 _("Your request is cancelled."))


@bp.post("/<int:request_id>/no-show")
@login_required
def no_show(request_id: int):
    return _step(request_id, lambda item: mutual_aid.no_show(item, current_user),
                 _("Noted. Your request is open again, and you can choose another helper."))


@bp.post("/<int:request_id>/report")
@login_required
def report(request_id: int):
    def change(item):
        data, errors = load_form(ReportSchema())
        if data is None:
            raise InvalidInput(fields=errors)
        mutual_aid.report_problem(item, current_user, data["problem"])

    return _step(request_id, change,
                 _("The problem is reported. A social worker of the station will contact you."))


# --- standing offers --------------------------------------------------------------------------

@bp.get("/listings")
@login_required
def listings():
    home = org.home_community(current_user)
    shown = list(db.session.scalars(
        mutual_aid.listings_statement(home.id if home else None).limit(100)))
    return render_template("help/listings.html", listings=shown, home=home)


@bp.route("/listings/new", methods=["GET", "POST"])
@login_required
def new_listing():
    errors = {}
    if request.method == "POST":
        data, errors = load_form(ListingCreateSchema())
        if data is not None:
            posted = attempt(lambda: mutual_aid.post_listing(current_user, data))
            if posted.error is not None:
                errors = form_errors(posted.error)
            else:
                flash(_("Your offer is posted. Thank you!"), "success")
                return redirect(url_for(".listings"))
    home = org.home_community(current_user)
    form = request.form if request.method == "POST" else {"community_id": str(home.id) if home else ""}
    return render_template("help/new_listing.html", errors=errors, form=form,
                           towns=org.towns_with_communities()), 422 if errors else 200


@bp.post("/listings/<int:listing_id>/withdraw")
@login_required
def withdraw_listing(listing_id: int):
    return perform(
        lambda: mutual_aid.withdraw_listing(mutual_aid.get_listing(listing_id), current_user),
        success=_("Your offer is withdrawn."), back_to=url_for(".index"))


# --- disputes, for social workers -------------------------------------------------------------

@bp.get("/disputes")
@role_required(Role.SOCIAL_WORKER)
def disputes():
    station_id = station_id_of(current_user)
    if station_id is None and not has_role(current_user, Role.DISTRICT_ADMIN):
        abort(403)
    shown = list(db.session.scalars(mutual_aid.disputes_at(station_id)))
    return render_template("help/disputes.html", disputes=shown, errors={})


@bp.post("/<int:request_id>/settle")
@role_required(Role.SOCIAL_WORKER)
def settle(request_id: int):
    item = mutual_aid.get_request(request_id)
    data, errors = load_form(SettleSchema())
    if data is None:
        flash("；".join(str(m) for messages in errors.values() for m in messages), "error")
        return redirect(url_for(".disputes"))
    return perform(
        lambda: mutual_aid.settle(item, current_user, data["decision"], data["reason"],
                                  data["minutes"]),
        success=lambda _settled: _("Settled: %(title)s", title=item.title),
        back_to=url_for(".disputes"), let_through=PermissionDenied)

