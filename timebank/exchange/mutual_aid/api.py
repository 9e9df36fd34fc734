"""JSON API for mutual aid (互助): requests for help, offers, confirmations, disputes, and
residents' standing offers (``/service-offers``).

Hours move on ``confirm`` (when the second of the two confirms) and ``settle``, always under the
key ``help:<id>``: repeating either call returns the request as it is and moves nothing more, so
these writes are idempotent without an ``Idempotency-Key`` header. Insufficient hours and
state conflicts answer 409; a social worker of another station 403.
"""

from flask import jsonify, request
from flask_login import current_user
from sqlalchemy import select

from timebank.accounts.permissions import login_required
from timebank.exchange.mutual_aid import services as mutual_aid
from timebank.exchange.mutual_aid.models import HelpOffer, HelpRequest
from timebank.exchange.mutual_aid.schemas import (
    ChooseSchema,
    HelpOfferSchema,
    HelpRequestCreateSchema,
    HelpRequestSchema,
    ListingCreateSchema,
    ListingSchema,
    OfferCreateSchema,
    ReportSchema,
    SettleSchema,
)
from timebank.extensions import db
from timebank.org import services as org
from timebank.web.api import api_blueprint, json_body, paginated
from timebank.web.inputs import db_int
from timebank.web.openapi import doc
from timebank.web.schemas import PAGE_PARAMETERS, page_of

bp = api_blueprint("help_api", __name__)

#: The lists answer the contract's page object (`timebank.web.api.paginated`), not a bare array.
HelpRequestPageSchema = page_of(HelpRequestSchema, "HelpRequestPageSchema")
ListingPageSchema = page_of(ListingSchema, "ListingPageSchema")

_LIST_PARAMETERS = (
    {"in": "query", "name": "mine", "required": False,
     "schema": {"type": "string", "enum": ["requests", "offers"]},
     "description": "My own requests, or requests I offered to help with; default: open requests "
                    "of others, my community first"},
    {"in": "query", "name": "community_id", "required": False, "schema": {"type": "integer"}},
    *PAGE_PARAMETERS,
)


def request_json(item: HelpRequest) -> dict:
    body = HelpRequestSchema().dump(item)
    if not mutual_aid.sees_everything(current_user, item):
        body["offers"] = [offer for offer in body["offers"] if offer["helper_id"] == current_user.id]
        if current_user.id != item.helper_id:
            body["problem"] = None
    return body


def _requests_for_list(items: list[dict]) -> list[dict]:
    for body in items:
        body.pop("offers", None)
        body.pop("problem", None)
    return items


@bp.get("/help-requests")
@login_required
@doc(summary="Requests for help: open ones of others (my community first), or mine",
     tags=["mutual aid"], response=HelpRequestPageSchema, parameters=_LIST_PARAMETERS)
def list_requests():
    mine = request.args.get("mine")
    if mine == "requests":
        statement = mutual_aid.my_requests_statement(current_user)
    elif mine == "offers":
        statement = (select(HelpRequest).join(HelpOffer, HelpOffer.request_id == HelpRequest.id)
                     .where(HelpOffer.helper_id == current_user.id).order_by(HelpRequest.id.desc()))
    else:
        statement = mutual_aid.open_requests_statement(
            current_user, request.args.get("community_id", type=db_int))
    body = paginated(statement, HelpRequestSchema())
    _requests_for_list(body["items"])
    return jsonify(body)


@bp.post("/help-requests")
@login_required
@doc(summary="Ask for help; refused with 409 if I could not pay the minutes", tags=["mutual aid"],
     body=HelpRequestCreateSchema, response=HelpRequestSchema, status=201, errors=(404, 409))
def create_request():
    data = json_body(HelpRequestCreateSchema())
    item = mutual_aid.post_request(current_user, data)
    body = request_json(item)
    db.session.commit()
    return jsonify(body), 201


@bp.get("/help-requests/<int:request_id>")
@login_required
@doc(summary="A request for help", tags=["mutual aid"], response=HelpRequestSchema, errors=(404,))
def read_request(request_id: int):
    return jsonify(request_json(mutual_aid.visible_request(current_user, request_id)))


@bp.post("/help-requests/<int:request_id>/offers")
@login_required
@doc(summary="Offer to help (again: 200 with the first offer)", tags=["mutual aid"],
     body=OfferCreateSchema, response=HelpOfferSchema, status=201, errors=(403, 404, 409))
def create_offer(request_id: int):
    data = json_body(OfferCreateSchema())
    item = mutual_aid.get_request(request_id)
    known = {offer.id for offer in item.offers}
    offer = mutual_aid.offer_help(item, current_user, data["message"])
    body = HelpOfferSchema().dump(offer)
    db.session.commit()
    return jsonify(body), 200 if offer.id in known else 201


def _act(request_id: int, change, schema=None):
    """Load the body (if any), apply `change(item, data)`, commit, return the request."""
    data = json_body(schema()) if schema is not None else {}
    item = mutual_aid.get_request(request_id)
    change(item, data)
    body = request_json(item)
    db.session.commit()
    return jsonify(body)


@bp.post("/help-requests/<int:request_id>/choose")
@login_required
@doc(summary="The requester chooses a helper (the balance is checked again)", tags=["mutual aid"],
     body=ChooseSchema, response=HelpRequestSchema, errors=(403, 404, 409))
def choose(request_id: int):
    return _act(request_id, lambda item, data: mutual_aid.choose_helper(
        item, mutual_aid.get_offer(item, data["offer_id"]), current_user), ChooseSchema)


@bp.post("/help-requests/<int:request_id>/confirm")
@login_required
@doc(summary="Requester or helper confirms the service; when both have, the minutes move once",
     tags=["mutual aid"], response=HelpRequestSchema, errors=(403, 404, 409))
def confirm(request_id: int):
    return _act(request_id, lambda item, data: mutual_aid.confirm_done(item, current_user))


@bp.post("/help-requests/<int:request_id>/cancel")
@login_required
@doc(summary="The requester cancels (open, or matched before the helper confirmed)",
     tags=["mutual aid"], response=HelpRequestSchema, errors=(403, 404, 409))
def cancel(request_id: int):
    return _act(request_id, lambda item, data: mutual_aid.cancel(item, current_user))


@bp.post("/help-requests/<int:request_id>/no-show")
@login_required
@doc(summary="The chosen helper did not come: the request opens again for other offers",
     tags=["mutual aid"], response=HelpRequestSchema, errors=(403, 404, 409))
def no_show(request_id: int):
    return _act(request_id, lambda item, data: mutual_aid.no_show(item, current_user))


@bp.post("/help-requests/<int:request_id>/report")
@login_required
@doc(summary="Requester or helper reports a problem: disputed, no hours move",
     tags=["mutual aid"], body=ReportSchema, response=HelpRequestSchema, errors=(403, 404, 409))
def report(request_id: int):
    return _act(request_id, lambda item, data: mutual_aid.report_problem(
        item, current_user, data["problem"]), ReportSchema)


@bp.post("/help-requests/<int:request_id>/settle")
@login_required
@doc(summary="A social worker of the community's station settles a dispute (pay, split, cancel)",
     tags=["mutual aid"], body=SettleSchema, response=HelpRequestSchema, errors=(403, 404, 409))
def settle(request_id: int):
    return _act(request_id, lambda item, data: mutual_aid.settle(
        item, current_user, data["decision"], data["reason"], data["minutes"]), SettleSchema)


@bp.get("/service-offers")
@login_required
@doc(summary="Residents' standing offers of help (my community first), or ?mine=1 my own",
     tags=["mutual aid"], response=ListingPageSchema, parameters=(
         {"in": "query", "name": "mine", "required": False, "schema": {"type": "boolean"}},
         {"in": "query", "name": "community_id", "required": False, "schema": {"type": "integer"}},
     ) + PAGE_PARAMETERS)
def list_listings():
    if request.args.get("mine") in {"1", "true"}:
        statement = mutual_aid.listings_statement(user_id=current_user.id)
    else:
        community_id = request.args.get("community_id", type=db_int)
        if community_id is None:
            home = org.home_community(current_user)
            community_id = home.id if home is not None else None
        statement = mutual_aid.listings_statement(community_id)
    return jsonify(paginated(statement, ListingSchema()))


@bp.post("/service-offers")
@login_required
@doc(summary="Post a standing offer of what I can do for neighbours", tags=["mutual aid"],
     body=ListingCreateSchema, response=ListingSchema, status=201, errors=(404,))
def create_listing():
    listing = mutual_aid.post_listing(current_user, json_body(ListingCreateSchema()))
    body = ListingSchema().dump(listing)
    db.session.commit()
    return jsonify(body), 201


@bp.delete("/service-offers/<int:listing_id>")
@login_required
@doc(summary="Withdraw my standing offer", tags=["mutual aid"], response=ListingSchema,
     errors=(403, 404))
def withdraw_listing(listing_id: int):
    listing = mutual_aid.withdraw_listing(mutual_aid.get_listing(listing_id), current_user)
    body = ListingSchema().dump(listing)
    db.session.commit()
    return jsonify(body)
