"""Mutual aid (互助): residents ask each other for help and pay in hours.

A resident posts a request (what, where, when, estimated minutes, category); others offer to
help; the requester chooses one; after the service both confirm, and then the agreed minutes
move from the requester to the helper through the ledger (key ``help:<id>``), once. Residents
can also post standing offers of what they can do.

Rules the services below guarantee:

* A requester must be able to pay: their balance above its floor, less the minutes already
  promised to helpers of their other matched or disputed requests, must cover the minutes. It is
  checked when posting and again when choosing a helper; the ledger checks once more, under its
  lock, when the minutes move. Hours granted from a community pool count like any other.
* One offer per helper and request; offering again returns the first offer.
* Hours move only when both the requester and the helper have confirmed, or when a social worker
  settles a dispute, always under the one key ``help:<id>``: they can never move twice.
* Cancel: the requester, while open or matched and before the helper has confirmed. No-show: the
  requester, after the agreed time, when the helper did not come and has not confirmed; the
  request opens again for the other offers (the absent helper's offer is set aside).
* "Report a problem" (requester or helper, while matched) makes the request disputed; a social
  worker of the community's station settles it (pay in full, split, or cancel), with the reason
  in the audit log. Every change of state is audited.
"""

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError

from timebank.accounts.models import User
from timebank.accounts.services import mask_name
from timebank.audit import services as audit
from timebank.clock import now
from timebank.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from timebank.exchange.mutual_aid.models import (  # noqa: F401 (the models, for callers of this module)
    CATEGORIES,
    HelpOffer,
    HelpRequest,
    OfferStatus,
    RequestStatus,
    ServiceListing,
)
from timebank.extensions import db
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger
from timebank.ledger.models import Entry, TransferKind
from timebank.notifications.services import notify
from timebank.org import services as org
from timebank.org.models import Community, Station, Town
from timebank.org.services import get_community, require_station_staff

#: Categories of help, with their labels.
# --- services ---------------------------------------------------------------------------------
# Each function checks the rules, changes the session, writes the audit log and flushes; the
# caller commits once. Hours move only through `ledger.transfer_between` under the key
# ``help:<request id>``, so confirming twice, or settling after a retry, moves them once.

MIN_MINUTES, MAX_MINUTES = 15, 480

#: Statuses in which the requester's minutes are promised to a helper (they may still move).
PROMISING = (RequestStatus.MATCHED, RequestStatus.DISPUTED)

#: A social worker's decisions on a dispute.
SETTLE_PAY, SETTLE_SPLIT, SETTLE_CANCEL = "pay", "split", "cancel"
DECISIONS = {
    SETTLE_PAY: _l("Pay the helper in full"),
    SETTLE_SPLIT: _l("Split: pay part of the minutes"),
    SETTLE_CANCEL: _l("Cancel: no hours move"),
}


def _key(request: HelpRequest) -> str:
    return f"help:{request.id}"


def _lock(request: HelpRequest) -> HelpRequest:
    """Re-read the request under a row lock (PostgreSQL); SQLite's write transaction already
    holds the database lock, so two people acting at once are decided one after the other."""
    db.session.refresh(request, with_for_update=True)
    return request


def get_request(request_id: int) -> HelpRequest:
    request = db.session.get(HelpRequest, request_id)
    if request is None:
        raise NotFound(_("There is no such request for help."), code="help_request_not_found")
    return request


def sees_everything(viewer, request: HelpRequest) -> bool:
    """The requester and staff of the community's station see every offer and the problem."""
    return viewer.id == request.requester_id or \
        org.can_manage_station(viewer, station_id_for(request))


def visible_request(viewer, request_id: int) -> HelpRequest:
    """A request `viewer` may see: an open one every resident; later only those involved (the
    requester, the helper, whoever offered) and staff of the station. Anyone else is told there
    is no such request (404), as if it did not exist."""
    request = get_request(request_id)
    if request.status == RequestStatus.OPEN or sees_everything(viewer, request) \
            or viewer.id == request.helper_id \
            or any(offer.helper_id == viewer.id for offer in request.offers):
        return request
    raise NotFound(_("There is no such request for help."), code="help_request_not_found")


def get_offer(request: HelpRequest, offer_id: int | None) -> HelpOffer:
    offer = db.session.get(HelpOffer, offer_id) if offer_id is not None else None
    if offer is None or offer.request_id != request.id:
        raise NotFound(_("There is no such offer for this request."), code="help_offer_not_found",
                       fields={"offer_id": [_("There is no such offer for this request.")]})
    return offer


def promised_minutes(user, *, besides: HelpRequest | None = None) -> int:
    """Minutes `user` has promised to helpers of their matched (or disputed) requests."""
    statement = select(func.coalesce(func.sum(HelpRequest.minutes), 0)).where(
        HelpRequest.requester_id == user.id, HelpRequest.status.in_(list(PROMISING)))
    if besides is not None and besides.id is not None:
        statement = statement.where(HelpRequest.id != besides.id)
    return int(db.session.scalar(statement))


def available_minutes(user, *, besides: HelpRequest | None = None) -> int:
    """What `user` can still promise: balance above their floor, less what is promised."""
    account = ledger.find_member_account(user)
    free = ledger_queries.balance(account) - (account.min_balance or 0) if account is not None else 0
    return free - promised_minutes(user, besides=besides)


def check_can_pay(user, minutes: int, *, besides: HelpRequest | None = None) -> None:
    """Refuse, with a message a resident understands, a request they could not pay for."""
    available = available_minutes(user, besides=besides)
    if available >= minutes:
        return
    promised = promised_minutes(user, besides=besides)
    have = ledger_queries.format_spending(max(available, 0))
    if promised:
        message = _("Not enough hours: this needs %(need)s, and you have %(have)s free "
                    "(%(promised)s are promised to helpers of your other requests). Earn hours by "
                    "volunteering, or ask your social worker about a grant from the community pool.",
                    need=ledger_queries.format_spending(minutes), have=have,
                    promised=ledger_queries.format_spending(promised))
    else:
        message = _("Not enough hours: this needs %(need)s, and you have %(have)s. Earn hours by "
                    "volunteering, or ask your social worker about a grant from the community pool.",
                    need=ledger_queries.format_spending(minutes), have=have)
    raise ledger.InsufficientBalance(message, fields={"minutes": [message]})


def _check_minutes(minutes) -> None:
    if isinstance(minutes, bool) or not isinstance(minutes, int) \
            or not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise InvalidInput(fields={"minutes": [_("Estimate between %(low)d and %(high)d minutes.",
                                                 low=MIN_MINUTES, high=MAX_MINUTES)]})


def minutes_for_coins(coins) -> int:
    """The minutes of a price the requester gave in time coins (时间币): whole coins when the
    district redeems in whole coins (``WHOLE_UNIT_REDEMPTION``), else coins to one decimal."""
    from decimal import Decimal, InvalidOperation

    from timebank.settings.services import value
    try:
        amount = Decimal(str(coins))
    except (InvalidOperation, ValueError):
        amount = Decimal("NaN")
    whole = bool(value("WHOLE_UNIT_REDEMPTION"))
    step = Decimal(1) if whole else Decimal("0.1")
    if not amount.is_finite() or not 0 < amount <= 1000 or amount % step:
        raise InvalidInput(fields={"coins": [
            _("Give a whole number of time coins.") if whole else
            _("Give the time coins to one decimal place, such as 1.5.")]})
    return int((amount * value("MINUTES_PER_COIN")).to_integral_value())


def _check_whole_units(minutes: int) -> None:
    """A request the district would refuse to pay (whole coins only) is refused when posted."""
    from timebank.settings.services import value
    if value("WHOLE_UNIT_REDEMPTION") and minutes % value("MINUTES_PER_COIN"):
        raise InvalidInput(fields={"minutes": [_("Each payment must be a whole number of time "
                                                 "coins.")]})


def _check_category(category) -> None:
    if category not in CATEGORIES:
        raise InvalidInput(fields={"category": [_("Choose a kind of help from the list.")]})


def post_request(requester, data: dict) -> HelpRequest:
    """A resident asks for help, priced in ``minutes`` or in ``coins`` (the requester's price
    in time coins, stored as minutes). They must be able to pay it."""
    _check_category(data.get("category"))
    if data.get("coins") is not None:
        minutes = minutes_for_coins(data["coins"])
        if data.get("minutes") is not None and data["minutes"] != minutes:
            raise InvalidInput(fields={"coins": [_("Give the price in coins or in minutes, "
                                                   "not two different prices.")]})
        data = {**data, "minutes": minutes}
    _check_minutes(data.get("minutes"))
    _check_whole_units(data["minutes"])
    starts_at = data.get("starts_at")
    if starts_at is None or starts_at.tzinfo is None:
        raise InvalidInput(fields={"starts_at": [_("Give the date and time of the help.")]})
    if starts_at < now() - timedelta(minutes=5):
        raise InvalidInput(fields={"starts_at": [_("Choose a time that has not passed.")]})
    if data.get("community_id") is not None:
        community = get_community(data["community_id"])
    else:
        community = org.home_community(requester)
        if community is None:
            raise InvalidInput(fields={"community_id": [
                _("Choose the community where you need help.")]})
    check_can_pay(requester, data["minutes"])
    request = HelpRequest(
        requester_id=requester.id, title=data["title"].strip(),
        description=(data.get("description") or "").strip(), category=data["category"],
        community_id=community.id, place=(data.get("place") or "").strip(), starts_at=starts_at,
        minutes=data["minutes"], status=RequestStatus.OPEN)
    db.session.add(request)
    db.session.flush()
    audit.record("help.post", _key(request), actor=requester, minutes=request.minutes,
                 category=request.category, community_id=community.id)
    return request


def offer_help(request: HelpRequest, helper, message: str = "") -> HelpOffer:
    """`helper` offers to help; offering again returns the first offer."""
    _lock(request)
    if helper.id == request.requester_id:
        raise PermissionDenied(_("You cannot offer help with your own request."),
                               code="own_request")
    existing = db.session.scalar(select(HelpOffer).where(
        HelpOffer.request_id == request.id, HelpOffer.helper_id == helper.id))
    if existing is not None:
        return existing
    if request.status != RequestStatus.OPEN:
        raise Conflict(_("This request is no longer open for offers."), code="request_not_open")
    offer = HelpOffer(request_id=request.id, helper_id=helper.id, message=(message or "").strip(),
                      status=OfferStatus.OFFERED)
    try:
        with db.session.begin_nested():
            db.session.add(offer)
    except IntegrityError:  # the same helper, a moment ago, in another tab
        return db.session.scalar(select(HelpOffer).where(
            HelpOffer.request_id == request.id, HelpOffer.helper_id == helper.id))
    audit.record("help.offer", _key(request), actor=helper, offer_id=offer.id)
    notify(request.requester_id, f"help:{request.id}:offer:{offer.id}",
           _("%(name)s offers to help: %(title)s", name=mask_name(helper.name), title=request.title),
           _("Open the request to choose a helper."), link=f"/help/{request.id}")
    return offer


def _require_requester(request: HelpRequest, by) -> None:
    if by.id != request.requester_id:
        raise PermissionDenied(_("Only the person who asked for help can do this."))


def _require_party(request: HelpRequest, by) -> None:
    if by.id not in (request.requester_id, request.helper_id):
        raise PermissionDenied(_("Only the person who asked for help and their helper can do this."))


def choose_helper(request: HelpRequest, offer: HelpOffer, by) -> HelpRequest:
    """The requester chooses one offer; the others are not chosen; the helper is told."""
    _lock(request)
    _require_requester(request, by)
    if offer.request_id != request.id:
        raise NotFound(_("There is no such offer for this request."), code="help_offer_not_found")
    if request.status != RequestStatus.OPEN:
        raise Conflict(_("A helper can be chosen only while the request is open."),
                       code="request_not_open")
    if offer.status != OfferStatus.OFFERED:
        raise Conflict(_("This offer can no longer be chosen."), code="offer_not_available")
    check_can_pay(by, request.minutes, besides=request)
    request.status, request.helper_id = RequestStatus.MATCHED, offer.helper_id
    for other in request.offers:
        if other.id == offer.id:
            other.status = OfferStatus.CHOSEN
        elif other.status == OfferStatus.OFFERED:
            other.status = OfferStatus.NOT_CHOSEN
    db.session.flush()
    audit.record("help.choose", _key(request), actor=by, offer_id=offer.id, helper_id=offer.helper_id)
    notify(offer.helper_id, f"help:{request.id}:chosen:{offer.id}",
           _("You are chosen to help: %(title)s", title=request.title),
           _("Please go at the agreed time, and confirm on the request page afterwards."),
           link=f"/help/{request.id}")
    return request


def _move_minutes(request: HelpRequest, minutes: int, by) -> ledger.Transfer:
    requester = db.session.get(User, request.requester_id)
    helper = db.session.get(User, request.helper_id)
    return ledger.transfer_between(
        ledger.member_account(requester), ledger.member_account(helper), minutes,
        TransferKind.SPEND, idempotency_key=_key(request), memo=request.title,
        reference=_key(request), posted_by=by, category=request.category)


def has_started(request: HelpRequest) -> bool:
    """Whether the agreed time has come: only then can help be confirmed or a no-show marked."""
    return now() >= request.starts_at


def confirm_done(request: HelpRequest, by) -> HelpRequest:
    """The requester or the helper confirms the service took place (not before its agreed
    time); when both have, the minutes move requester → helper, once. Confirming again changes
    nothing."""
    _lock(request)
    _require_party(request, by)
    mine = "requester_confirmed_at" if by.id == request.requester_id else "helper_confirmed_at"
    if request.status == RequestStatus.DONE or \
            (request.status == RequestStatus.MATCHED and getattr(request, mine) is not None):
        return request
    if request.status != RequestStatus.MATCHED:
        raise Conflict(_("Only a request with a chosen helper can be confirmed."),
                       code="request_not_matched")
    if not has_started(request):
        raise Conflict(_("The help can be confirmed once its agreed time has come."),
                       code="not_started")
    setattr(request, mine, now())
    db.session.flush()
    audit.record("help.confirm", _key(request), actor=by,
                 role="requester" if mine == "requester_confirmed_at" else "helper")
    if request.requester_confirmed_at and request.helper_confirmed_at:
        try:
            transfer = _move_minutes(request, request.minutes, by)
        except ledger.InsufficientBalance as error:
            if by.id == request.requester_id:
                raise
            # Tell the helper what to do without showing them the requester's balance.
            raise Conflict(_("The person you helped does not have enough hours right now. Report "
                             "a problem and a social worker of the station will sort it out."),
                           code="insufficient_balance") from error
        request.transfer_id, request.status = transfer.id, RequestStatus.DONE
        db.session.flush()
        audit.record("help.done", _key(request), actor=by, transfer_id=transfer.id,
                     minutes=request.minutes)
        notify(request.helper_id, f"help:{request.id}:paid",
               _("You received %(amount)s for your help: %(title)s",
                 amount=ledger_queries.format_spending(request.minutes), title=request.title),
               link=f"/help/{request.id}")
    else:
        other = request.helper_id if mine == "requester_confirmed_at" else request.requester_id
        notify(other, f"help:{request.id}:confirmed:{by.id}",
               _("Please confirm the help was given: %(title)s", title=request.title),
               _("The hours move once you both confirm."), link=f"/help/{request.id}")
    return request


def cancel(request: HelpRequest, by) -> HelpRequest:
    """The requester withdraws the request while it is open, or matched before the helper has
    confirmed the service (after that, report a problem instead)."""
    _lock(request)
    _require_requester(request, by)
    if request.status not in (RequestStatus.OPEN, RequestStatus.MATCHED):
        raise Conflict(_("This request can no longer be cancelled."), code="request_not_cancellable")
    if request.helper_confirmed_at is not None:
        raise Conflict(_("Your helper has already confirmed the service. If something went wrong, "
                         "report a problem instead."), code="helper_confirmed")
    helper_id = request.helper_id
    request.status = RequestStatus.CANCELLED
    db.session.flush()
    audit.record("help.cancel", _key(request), actor=by, helper_id=helper_id)
    if helper_id is not None:
        notify(helper_id, f"help:{request.id}:cancelled",
               _("The request was cancelled: %(title)s", title=request.title),
               link=f"/help/{request.id}")
    return request


def no_show(request: HelpRequest, by) -> HelpRequest:
    """The chosen helper did not come: the request opens again for other offers (the helper's
    offer is set aside; the others may be chosen), and no hours move."""
    _lock(request)
    _require_requester(request, by)
    if request.status != RequestStatus.MATCHED:
        raise Conflict(_("Only a request with a chosen helper can be marked as a no-show."),
                       code="request_not_matched")
    if not has_started(request):
        raise Conflict(_("The agreed time has not come yet; you can cancel the request instead."),
                       code="not_started")
    if request.helper_confirmed_at is not None:
        raise Conflict(_("Your helper has confirmed the service. If they did not come, report a "
                         "problem and a social worker will look into it."), code="helper_confirmed")
    helper_id = request.helper_id
    for offer in request.offers:
        if offer.helper_id == helper_id:
            offer.status = OfferStatus.NOT_CHOSEN
        elif offer.status == OfferStatus.NOT_CHOSEN:
            offer.status = OfferStatus.OFFERED
    request.status, request.helper_id = RequestStatus.OPEN, None
    request.requester_confirmed_at = None
    db.session.flush()
    audit.record("help.no_show", _key(request), actor=by, helper_id=helper_id)
    notify(helper_id, f"help:{request.id}:no_show:{helper_id}",
           _("You were marked as not coming: %(title)s", title=request.title),
           _("If this is wrong, contact the station's social worker."), link=f"/help/{request.id}")
    return request


def report_problem(request: HelpRequest, by, text: str) -> HelpRequest:
    """The requester or the helper reports a problem: no hours move until a social worker of the
    community's station settles it."""
    _lock(request)
    _require_party(request, by)
    text = (text or "").strip()
    if not text:
        raise InvalidInput(fields={"problem": [_("Say what went wrong.")]})
    if request.status != RequestStatus.MATCHED:
        raise Conflict(_("A problem can be reported only while a chosen helper's service is "
                         "waiting to be confirmed."), code="request_not_matched")
    request.status, request.problem = RequestStatus.DISPUTED, text[:500]
    request.problem_reported_by_id = by.id
    db.session.flush()
    audit.record("help.report", _key(request), actor=by, reason=text[:500])
    other = request.helper_id if by.id == request.requester_id else request.requester_id
    notify(other, f"help:{request.id}:disputed",
           _("A problem was reported: %(title)s", title=request.title),
           _("A social worker of the station will contact you both."), link=f"/help/{request.id}")
    return request


def station_id_for(request: HelpRequest) -> int | None:
    station = request.community.station
    return station.id if station is not None else None


def settle(request: HelpRequest, by, decision: str, reason: str, minutes: int | None = None
           ) -> HelpRequest:
    """A social worker of the community's station settles a dispute: pay the helper in full, pay
    part (`minutes`), or cancel (no hours move). The reason goes into the audit log."""
    require_station_staff(by, station_id_for(request))
    _lock(request)
    reason = (reason or "").strip()
    if decision not in DECISIONS:
        raise InvalidInput(fields={"decision": [_("Choose pay, split or cancel.")]})
    if not reason:
        raise InvalidInput(fields={"reason": [_("Give the reason for the decision.")]})
    if request.status != RequestStatus.DISPUTED:
        raise Conflict(_("Only a disputed request can be settled."), code="request_not_disputed")
    paid = {SETTLE_PAY: request.minutes, SETTLE_SPLIT: minutes, SETTLE_CANCEL: 0}[decision]
    if decision == SETTLE_SPLIT and (isinstance(paid, bool) or not isinstance(paid, int)
                                     or not 0 < paid < request.minutes):
        raise InvalidInput(fields={"minutes": [
            _("For a split, pay between 1 and %(most)d minutes.", most=request.minutes - 1)]})
    if paid:
        transfer = _move_minutes(request, paid, by)
        request.transfer_id = transfer.id
    request.status, request.settled_by_id = RequestStatus.SETTLED, by.id
    request.settlement = reason[:500]
    db.session.flush()
    audit.record("help.settle", _key(request), actor=by, reason=reason[:500], decision=decision,
                 minutes=paid, transfer_id=request.transfer_id)
    for party in (request.requester_id, request.helper_id):
        notify(party, f"help:{request.id}:settled:{party}",
               _("A social worker settled: %(title)s", title=request.title), reason[:500],
               link=f"/help/{request.id}")
    return request


def paid_minutes(request: HelpRequest) -> int:
    """Minutes that moved to the helper for this request (0 if none)."""
    if request.transfer_id is None:
        return 0
    return int(db.session.scalar(select(func.max(Entry.minutes)).where(
        Entry.transfer_id == request.transfer_id)) or 0)


def settlement_decision(request: HelpRequest) -> str | None:
    if request.status != RequestStatus.SETTLED:
        return None
    paid = paid_minutes(request)
    return SETTLE_CANCEL if not paid else SETTLE_PAY if paid >= request.minutes else SETTLE_SPLIT


# --- lists --------------------------------------------------------------------------------------

def open_requests_statement(user, community_id: int | None = None):
    """Open requests of others, those in `community_id` (default: the user's home) first."""
    if community_id is None:
        home = org.home_community(user)
        community_id = home.id if home is not None else None
    statement = select(HelpRequest).where(HelpRequest.status == RequestStatus.OPEN,
                                          HelpRequest.requester_id != user.id)
    if community_id is not None:
        statement = statement.order_by(case((HelpRequest.community_id == community_id, 0), else_=1))
    return statement.order_by(HelpRequest.starts_at, HelpRequest.id)


def my_requests_statement(user):
    return select(HelpRequest).where(HelpRequest.requester_id == user.id).order_by(
        HelpRequest.id.desc())


def my_offers(user) -> list[HelpOffer]:
    return list(db.session.scalars(select(HelpOffer).where(HelpOffer.helper_id == user.id)
                                   .order_by(HelpOffer.id.desc()).limit(50)))


def disputes_at(station_id: int | None):
    """Disputed requests in the communities of a station (every station's for None)."""
    statement = select(HelpRequest).where(HelpRequest.status == RequestStatus.DISPUTED)
    if station_id is not None:
        statement = statement.join(HelpRequest.community).join(Community.town).join(
            Station, Station.town_id == Town.id).where(Station.id == station_id)
    return statement.order_by(HelpRequest.updated_at)


# --- standing offers (service listings) --------------------------------------------------------

def post_listing(user, data: dict) -> ServiceListing:
    _check_category(data.get("category"))
    community_id = data.get("community_id")
    if community_id is not None:
        get_community(community_id)
    else:
        home = org.home_community(user)
        community_id = home.id if home is not None else None
    listing = ServiceListing(user_id=user.id, title=data["title"].strip(),
                             description=(data.get("description") or "").strip(),
                             category=data["category"], community_id=community_id, active=True)
    db.session.add(listing)
    db.session.flush()
    audit.record("help.listing.post", f"listing:{listing.id}", actor=user)
    return listing


def get_listing(listing_id: int) -> ServiceListing:
    listing = db.session.get(ServiceListing, listing_id)
    if listing is None:
        raise NotFound(_("There is no such offer."), code="listing_not_found")
    return listing


def withdraw_listing(listing: ServiceListing, by) -> ServiceListing:
    if listing.user_id != by.id:
        raise PermissionDenied(_("Only the person who posted this offer can withdraw it."))
    if listing.active:
        listing.active = False
        db.session.flush()
        audit.record("help.listing.withdraw", f"listing:{listing.id}", actor=by)
    return listing


def listings_statement(community_id: int | None = None, user_id: int | None = None):
    """Active standing offers (of one community first, when given), or all of one user's."""
    if user_id is not None:
        return select(ServiceListing).where(ServiceListing.user_id == user_id).order_by(
            ServiceListing.id.desc())
    statement = select(ServiceListing).where(ServiceListing.active.is_(True))
    if community_id is not None:
        statement = statement.order_by(case((ServiceListing.community_id == community_id, 0),
                                            else_=1))
    return statement.order_by(ServiceListing.id.desc())
