"""JSON API of the register of households, pairings, due visits and coverage (station staff;
a paired volunteer reads the limited view of their own household)."""

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import Role, has_role, login_required, role_required
from timebank.errors import InvalidInput, PermissionDenied
from timebank.extensions import db
from timebank.org import services as org
from timebank.web.api import api_blueprint, json_body, page_of_list, paginated
from timebank.web.inputs import db_int
from timebank.web.openapi import doc
from timebank.web.schemas import PAGE_PARAMETERS
from volunteers.households import services as households
from volunteers.households.models import Household
from volunteers.households.schemas import (
    HouseholdCoverageSchema,
    HouseholdCreateSchema,
    HouseholdFormSchema,
    HouseholdPageSchema,
    HouseholdPairingFormSchema,
    HouseholdPairingListSchema,
    HouseholdPairingSchema,
    HouseholdReasonSchema,
    HouseholdSchema,
    HouseholdsDueSchema,
    PairedHouseholdSchema,
    RegisterQuerySchema,
)

bp = api_blueprint("households_api", __name__)

_STATION = {"in": "query", "name": "station_id", "schema": {"type": "integer", "minimum": 1},
            "description": "district administrators: one station (default: every station)"}
_LIST_PARAMETERS = (
    *PAGE_PARAMETERS, _STATION,
    {"in": "query", "name": "community_id", "schema": {"type": "integer", "minimum": 1}},
    {"in": "query", "name": "category", "schema": {"type": "string"}},
    {"in": "query", "name": "risk", "schema": {"type": "string",
                                               "enum": ["low", "medium", "high"]}},
    {"in": "query", "name": "overdue", "schema": {"type": "boolean"}},
    {"in": "query", "name": "closed", "schema": {"type": "boolean"}},
)


def _station_asked(station_id: int | None) -> int | None:
    """The station whose register is read: the one asked for (its staff or a district
    administrator), else the viewer's own; None (every station) for a district administrator
    without a post; 403 for anyone else."""
    if station_id is None:
        station_id = org.station_id_of(current_user)
        if station_id is None:
            if has_role(current_user, Role.DISTRICT_ADMIN):
                return None
            raise PermissionDenied(
                _("Only the station's staff can see the register of households."))
    households.require_register(current_user, station_id)
    return station_id


@bp.get("/households")
@login_required
@doc(summary="The station's register of served households (staff only; 403 for residents "
             "and volunteers); ID numbers masked",
     tags=["households"], response=HouseholdPageSchema, parameters=_LIST_PARAMETERS,
     errors=(403, 422))
def list_households():
    query = RegisterQuerySchema().load(request.args.to_dict())
    station_id = _station_asked(query.pop("station_id"))
    statement = households.register_statement(
        station_id, community_id=query["community_id"], category=query["category"],
        risk=query["risk"], overdue=query["overdue"], closed=query["closed"])
    return jsonify(paginated(statement, HouseholdSchema()))


@bp.post("/households")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Register a household at the viewer's station (a district administrator names "
             "?station_id=)", tags=["households"], body=HouseholdCreateSchema,
     response=HouseholdSchema, status=201, errors=(403, 404, 422), parameters=(_STATION,))
def create_household():
    data = json_body(HouseholdCreateSchema())
    station_id = _station_asked(request.args.get("station_id", type=db_int))
    if station_id is None:
        raise InvalidInput(fields={"station_id": [_("Choose the station.")]})
    household = households.create_household(org.get_station(station_id), data, by=current_user)
    body = HouseholdSchema().dump(household)
    db.session.commit()
    return jsonify(body), 201


@bp.get("/households/<int:household_id>")
@login_required
@doc(summary="A household: in full for its station's staff (ID number masked; 403 for other "
             "stations' staff); a paired volunteer gets the limited view of their own "
             "household, 404 for any other",
     tags=["households"], response={"anyOf": [HouseholdSchema, PairedHouseholdSchema]},
     errors=(403, 404))
def read_household(household_id: int):
    seen = households.get_for(current_user, household_id)
    if isinstance(seen, Household):
        return jsonify(HouseholdSchema().dump(seen))
    return jsonify(PairedHouseholdSchema().dump(seen))


@bp.patch("/households/<int:household_id>")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Change a household's file (its station's staff)", tags=["households"],
     body=HouseholdFormSchema, response=HouseholdSchema, errors=(403, 404, 409, 422))
def update_household(household_id: int):
    household = households.station_household(current_user, household_id)
    data = json_body(HouseholdFormSchema())
    households.update_household(household, data, by=current_user)
    body = HouseholdSchema().dump(household)
    db.session.commit()
    return jsonify(body)


@bp.post("/households/<int:household_id>/close")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Take a household off the register with a reason; its live pairings end",
     tags=["households"], body=HouseholdReasonSchema, response=HouseholdSchema,
     errors=(403, 404, 409, 422))
def close_household(household_id: int):
    household = households.station_household(current_user, household_id)
    data = json_body(HouseholdReasonSchema())
    households.close_household(household, data["reason"], by=current_user)
    body = HouseholdSchema().dump(household)
    db.session.commit()
    return jsonify(body)


@bp.get("/households/<int:household_id>/pairings")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="A household's pairings, live ones first (its station's staff)",
     tags=["households"], response=HouseholdPairingListSchema, parameters=PAGE_PARAMETERS,
     errors=(403, 404))
def list_pairings(household_id: int):
    household = households.station_household(current_user, household_id)
    items, page = page_of_list(households.pairings_of(household))
    return jsonify({"items": HouseholdPairingSchema().dump(items, many=True), **page})


@bp.post("/households/<int:household_id>/pairings")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Pair a volunteer with the household (邻里守望结对), with a rhythm and needs; "
             "409 if they are already paired", tags=["households"], body=HouseholdPairingFormSchema,
     response=HouseholdPairingSchema, status=201, errors=(403, 404, 409, 422))
def start_pairing(household_id: int):
    household = households.station_household(current_user, household_id)
    data = json_body(HouseholdPairingFormSchema())
    pairing = households.pair(household, by=current_user, **data)
    body = HouseholdPairingSchema().dump(pairing)
    db.session.commit()
    return jsonify(body), 201


@bp.post("/pairings/<int:pairing_id>/end")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="End a pairing with a reason (once; 409 after)", tags=["households"],
     body=HouseholdReasonSchema, response=HouseholdPairingSchema, errors=(403, 404, 409, 422))
def end_pairing(pairing_id: int):
    pairing = households.station_pairing(current_user, pairing_id)
    data = json_body(HouseholdReasonSchema())
    households.end_pairing(pairing, data["reason"], by=current_user)
    body = HouseholdPairingSchema().dump(pairing)
    db.session.commit()
    return jsonify(body)


@bp.get("/households/coverage")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Coverage per community and grid team: households on the register in the "
             "quarter, the share visited (a visit recorded or approved on a local day of the "
             "quarter) and the overdue ones",
     tags=["households"], response=HouseholdCoverageSchema, errors=(403, 422), parameters=(
         _STATION, {"in": "query", "name": "quarter", "schema": {
             "type": "string", "pattern": "^[0-9]{4}Q[1-4]$", "example": "2026Q4"}}))
def coverage():
    station_id = _station_asked(request.args.get("station_id", type=db_int))
    quarter = households.parse_quarter(request.args.get("quarter"))
    return jsonify(HouseholdCoverageSchema().dump(households.coverage(station_id, quarter)))


@bp.get("/households/due")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="A grid team's households whose visit is due or overdue, and pairings whose "
             "next contact is", tags=["households"], response=HouseholdsDueSchema, errors=(403, 404, 422),
     parameters=({"in": "query", "name": "grid_team_id", "required": True,
                  "schema": {"type": "integer", "minimum": 1}},))
def due():
    team_id = request.args.get("grid_team_id", type=db_int)
    if team_id is None:
        raise InvalidInput(fields={"grid_team_id": [_("Choose a grid team.")]})
    return jsonify(HouseholdsDueSchema().dump(households.due_for_team(current_user, team_id)))
