"""JSON API of the organisation: its administration (``/api/v1/admin/...``, the same rules as
its pages) and the public station directory (``/api/v1/stations``).

Each kind of thing administered has a list (``?q=`` searches, paginated), a create (201) and a change
(PATCH, with a ``reason``)."""

from flask import jsonify, request
from flask_login import current_user

from timebank.accounts.permissions import Role, role_required
from timebank.extensions import db
from timebank.org import services as org
from timebank.org.schemas import (
    AgencyFormSchema,
    AgencySchema,
    CommunityAdminSchema,
    CommunityFormSchema,
    GridTeamFormSchema,
    GridTeamSchema,
    PublicStationSchema,
    ServicePointFormSchema,
    ServicePointSchema,
    StationAdminSchema,
    StationFormSchema,
    TownAdminSchema,
    TownFormSchema,
    changes_of,
)
from timebank.web.api import api_blueprint, json_body, paginated
from timebank.web.openapi import doc
from timebank.web.schemas import PAGE_PARAMETERS, page_of

bp = api_blueprint("org_api", __name__)

SEARCH = ({"in": "query", "name": "q", "schema": {"type": "string"}}, *PAGE_PARAMETERS)


def _own_station() -> int | None:
    """A station manager's station (their lists show only it); None for the district."""
    return org.managed_station_id(current_user)


def _register(path: str, what: str, *, form, shape, listing, get, create, update,
              roles=(Role.DISTRICT_ADMIN,)):
    """The list, create and change routes of one kind of thing."""
    endpoint = path.replace("-", "_")
    tags = ["administration"]

    @role_required(*roles)
    @doc(summary=f"List {what} (searchable, paginated)", tags=tags,
         response=page_of(shape, f"{shape.__name__.removesuffix('Schema')}Page"),
         errors=(403,), parameters=SEARCH)
    def list_view():
        return jsonify(paginated(listing(request.args.get("q", "")), shape()))

    @role_required(*roles)
    @doc(summary=f"Add one of the {what} (audited)", tags=tags, body=form, response=shape,
         status=201, errors=(403, 409, 422))
    def create_view():
        data = json_body(form())
        reason = data.pop("reason", None)
        row = create(data, by=current_user, reason=reason)
        db.session.commit()
        return jsonify(shape().dump(row)), 201

    @role_required(*roles)
    @doc(summary=f"Change one of the {what}; ``reason`` is required (audited)", tags=tags,
         body=form, response=shape, errors=(403, 404, 409, 422))
    def update_view(row_id: int):
        row = get(row_id)
        changes, reason = changes_of(json_body(form(partial=True)))
        row = update(row, changes, by=current_user, reason=reason)
        db.session.commit()
        return jsonify(shape().dump(row))

    bp.add_url_rule(f"/admin/{path}", f"list_{endpoint}", list_view, methods=["GET"])
    bp.add_url_rule(f"/admin/{path}", f"create_{endpoint}", create_view, methods=["POST"])
    bp.add_url_rule(f"/admin/{path}/<int:row_id>", f"update_{endpoint}", update_view,
                    methods=["PATCH"])


_register("towns", "towns and streets", form=TownFormSchema, shape=TownAdminSchema,
          listing=org.towns_statement, get=org.get_town, create=org.create_town,
          update=org.update_town)
_register("communities", "villages and communities", form=CommunityFormSchema,
          shape=CommunityAdminSchema,
          listing=lambda query: org.communities_of_town_statement(
              request.args.get("town_id", type=int), query),
          get=org.get_community, create=org.create_community, update=org.update_community)
_register("agencies", "agencies (承办机构)", form=AgencyFormSchema, shape=AgencySchema,
          listing=org.agencies_statement, get=org.get_agency, create=org.create_agency,
          update=org.update_agency)
_register("stations", "stations", form=StationFormSchema, shape=StationAdminSchema,
          listing=lambda query: _own_only(org.stations_statement(query)),
          get=org.get_station, create=org.create_station, update=org.update_station,
          roles=(Role.STATION_MANAGER,))
_register("service-points", "service points", form=ServicePointFormSchema,
          shape=ServicePointSchema,
          listing=lambda query: org.service_points_statement(_own_station(), query),
          get=org.get_service_point, create=org.create_service_point,
          update=org.update_service_point, roles=(Role.STATION_MANAGER,))
_register("grid-teams", "grid teams (片区)", form=GridTeamFormSchema, shape=GridTeamSchema,
          listing=lambda query: org.grid_teams_statement(_own_station(), query),
          get=org.get_grid_team, create=org.create_grid_team, update=org.update_grid_team,
          roles=(Role.STATION_MANAGER,))


def _own_only(statement):
    mine = _own_station()
    return statement if mine is None else statement.where(org.Station.id == mine)


@bp.get("/stations")
@doc(summary="The station directory: every station's address, phone, opening hours, agency "
             "and service points (paginated)", tags=["stations"],
     response=page_of(PublicStationSchema, "PublicStationPage"), auth=False,
     parameters=PAGE_PARAMETERS)
def station_directory():
    return jsonify(paginated(org.station_directory_statement(), PublicStationSchema(),
                             rows=org.directory_entries))
