"""JSON API of group members (团体会员): register and read groups, add people, record pledges,
sponsor community pools, the members' service and the party-branch report."""

from flask import jsonify, request
from flask_login import current_user

from timebank.accounts.permissions import Role, login_required, role_required
from timebank.extensions import db
from timebank.ledger.api import IDEMPOTENCY_HEADER, TransferSchema, transfer_json
from timebank.ledger.api import client_idempotency_key as idempotency_key
from timebank.org import services as org
from timebank.web.api import api_blueprint, json_body, paginated
from timebank.web.openapi import doc
from timebank.web.schemas import PAGE_PARAMETERS
from volunteers.groups import services as groups
from volunteers.groups.models import GroupKind, GroupMember
from volunteers.groups.schemas import (
    GroupCreateSchema,
    GroupFormSchema,
    GroupPageSchema,
    GroupQuerySchema,
    GroupSchema,
    GroupServiceSchema,
    MemberAddSchema,
    MembershipSchema,
    PartyReportSchema,
    PledgeSchema,
    SponsorshipSchema,
)

bp = api_blueprint("groups_api", __name__)

_PERIOD = (
    {"in": "query", "name": "month", "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$",
                                                "example": "2026-12"},
     "description": "a month; or from/to"},
    {"in": "query", "name": "from", "schema": {"type": "string", "format": "date"}},
    {"in": "query", "name": "to", "schema": {"type": "string", "format": "date"}},
)


def group_json(group: GroupMember) -> dict:
    return {"id": group.id, "name": group.name, "kind": group.kind,
            "kind_label": group.kind_label, "credit_code": group.credit_code,
            "station_id": group.station_id, "address": group.address,
            "phone": groups.shown_phone(current_user, group), "active": group.active,
            "created_at": group.created_at, "balance_minutes": groups.balance_of(group),
            "members": len(groups.live_members(group))}


def _period():
    return groups.parse_period(request.args.get("month"), request.args.get("from"),
                               request.args.get("to"))


@bp.get("/groups")
@login_required
@doc(summary="Group members (团体会员) the viewer may see: station staff their station's and "
             "the district-wide ones, a district administrator all, anyone else the groups "
             "they are a contact of", tags=["groups"], response=GroupPageSchema, errors=(422,),
     parameters=(*PAGE_PARAMETERS,
                 {"in": "query", "name": "station_id", "schema": {"type": "integer", "minimum": 1}},
                 {"in": "query", "name": "kind", "schema": {
                     "type": "string", "enum": [kind.value for kind in GroupKind]}}))
def list_groups():
    query = GroupQuerySchema().load(request.args.to_dict())
    statement = groups.groups_statement(current_user, station_id=query.get("station_id"),
                                        kind=query.get("kind"))
    return jsonify(paginated(statement, GroupSchema(),
                             rows=lambda found: [group_json(group) for group in found]))


@bp.post("/groups")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Register a group member (station staff; no station_id: the viewer's station; "
             "a district-wide group needs a district administrator)", tags=["groups"],
     body=GroupCreateSchema, response=GroupSchema, status=201, errors=(403, 409, 422))
def create_group():
    data = json_body(GroupCreateSchema())
    if "station_id" not in (request.get_json(silent=True) or {}):
        data["station_id"] = org.station_id_of(current_user)
    group = groups.create_group(data, by=current_user)
    body = GroupSchema().dump(group_json(group))
    db.session.commit()
    return jsonify(body), 201


@bp.get("/groups/<int:group_id>")
@login_required
@doc(summary="A group (its station's staff and its contacts)", tags=["groups"],
     response=GroupSchema, errors=(403, 404))
def read_group(group_id: int):
    return jsonify(GroupSchema().dump(group_json(groups.get_for(current_user, group_id))))


@bp.patch("/groups/<int:group_id>")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Change a group's details (its station's staff)", tags=["groups"],
     body=GroupFormSchema, response=GroupSchema, errors=(403, 404, 409, 422))
def update_group(group_id: int):
    group = groups.get_group(group_id)
    groups.require_staff(current_user, group)
    sent = request.get_json(silent=True) or {}
    data = {name: value for name, value in json_body(GroupFormSchema()).items() if name in sent}
    groups.update_group(group, data, by=current_user)
    body = GroupSchema().dump(group_json(group))
    db.session.commit()
    return jsonify(body)


@bp.post("/groups/<int:group_id>/members")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Add a person to the group as its contact or a member (its station's staff); "
             "409 if they are in it already with that role", tags=["groups"],
     body=MemberAddSchema, response=MembershipSchema, status=201, errors=(403, 404, 409, 422))
def add_member(group_id: int):
    group = groups.get_group(group_id)
    groups.require_staff(current_user, group)
    data = json_body(MemberAddSchema())
    membership = groups.add_person(group, data["user_id"], data["role"], by=current_user)
    body = MembershipSchema().dump(membership)
    db.session.commit()
    return jsonify(body), 201


@bp.post("/groups/<int:group_id>/pledges")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Record a company's pledge (认捐) into the group's account, with a reason (its "
             "station's staff); repeating an Idempotency-Key returns the first pledge (200)",
     tags=["groups"], body=PledgeSchema, response=TransferSchema, status=201,
     errors=(403, 404, 409, 422), headers=(IDEMPOTENCY_HEADER,))
def pledge(group_id: int):
    group = groups.get_group(group_id)
    groups.require_staff(current_user, group)
    data = json_body(PledgeSchema())
    transfer = groups.pledge(group, data["minutes"], data["reason"], by=current_user,
                             idempotency_key=idempotency_key())
    body = TransferSchema().dump(transfer_json(transfer))
    db.session.commit()
    return jsonify(body), 200 if transfer.replayed else 201


@bp.post("/groups/<int:group_id>/sponsorships")
@login_required
@doc(summary="Sponsor hours from the group's account into a community's pool (爱心资助; the "
             "group's contacts); 409 when the group holds less, nothing changed; repeating an "
             "Idempotency-Key returns the first sponsorship (200)", tags=["groups"],
     body=SponsorshipSchema, response=TransferSchema, status=201, errors=(403, 404, 409, 422),
     headers=(IDEMPOTENCY_HEADER,))
def sponsor(group_id: int):
    group = groups.get_group(group_id)
    groups.require_contact(current_user, group)
    data = json_body(SponsorshipSchema())
    community = org.get_community(data["community_id"])
    transfer = groups.sponsor(group, community, data["minutes"], data["memo"], by=current_user,
                              idempotency_key=idempotency_key())
    body = TransferSchema().dump(transfer_json(transfer))
    db.session.commit()
    return jsonify(body), 200 if transfer.replayed else 201


@bp.get("/groups/<int:group_id>/service")
@login_required
@doc(summary="The service of the group's members in a period (default: this month): hours of "
             "those who agreed to share them, a count of the others", tags=["groups"],
     response=GroupServiceSchema, errors=(403, 404, 422), parameters=_PERIOD)
def service(group_id: int):
    group = groups.get_for(current_user, group_id)
    first, last = _period()
    return jsonify(GroupServiceSchema().dump(groups.group_service(current_user, group, first,
                                                                  last)))


@bp.get("/groups/<int:group_id>/party-report")
@login_required
@doc(summary="A party branch's report: its members who are party members (with consent), "
             "their service hours and activities in the month or range, and the total",
     tags=["groups"], response=PartyReportSchema, errors=(403, 404, 409, 422),
     parameters=_PERIOD)
def party_report(group_id: int):
    group = groups.get_for(current_user, group_id)
    first, last = _period()
    return jsonify(PartyReportSchema().dump(groups.party_report(current_user, group, first,
                                                                last)))
