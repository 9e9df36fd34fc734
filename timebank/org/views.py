"""The administration's pages: the district's towns, communities, agencies and stations, and
each station's service points and grid teams.

Six kinds of thing, one shape: a searchable, paginated list with a form to add one, and a page
to change one (with the reason for the change). A `Section` says what differs between them;
the rules (who may, what must be unique, what is audited) are the services'.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user

from timebank.accounts.permissions import Role, has_role, role_required
from timebank.errors import PermissionDenied
from timebank.org import services as org
from timebank.org.schemas import (
    AgencyFormSchema,
    CommunityFormSchema,
    GridTeamFormSchema,
    ServicePointFormSchema,
    StationFormSchema,
    TownFormSchema,
    changes_of,
)
from timebank.web.actions import attempt, form_errors
from timebank.web.forms import load_form
from timebank.web.pagination import paginate

bp = Blueprint("admin", __name__, url_prefix="/admin")

PER_PAGE = 30


@dataclass(frozen=True)
class Field:
    """One input of a section's form: ``kind`` is text, date, select or checkboxes; `choices`
    makes the options for the row being changed (None when adding one): (value, label) pairs,
    or (group, pairs) for grouped ones."""

    name: str
    label: str
    kind: str = "text"
    required: bool = False
    choices: Callable[[object], list] | None = None
    grouped: bool = False
    fixed: bool = False  # set when the thing is made, never changed
    hint: str | None = None


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    one: str
    schema: type
    listing: Callable[[str], object]
    get: Callable[[int], object]
    create: Callable[..., object]
    update: Callable[..., object]
    columns: list[tuple[str, Callable]]
    fields: list[Field]
    #: Station managers work here too, on their own station's rows only.
    managers: bool = False
    #: What to set up first when the form's first choice has no options.
    needs: str = ""
    #: The station a row belongs to, for a station manager's sections.
    station_id: Callable[[object], int | None] = field(default=lambda row: None)
    label: Callable[[object], str] = field(default=lambda row: row.name)


#: The name of a place or a team (名称), not of a person (姓名).
NAME = lazy_pgettext("thing", "Name")


def _my_station_id() -> int | None:
    """The station a station manager works on; None for the district (every station)."""
    return org.managed_station_id(current_user)


def _town_choices(row=None):
    return [(town.id, town.name) for town in org.towns()]


def _towns_without_station(row=None):
    return [(town.id, town.name) for town in org.towns() if town.station is None]


def _agency_choices(row=None):
    return [("", _("(none yet)"))] + [(agency.id, agency.name) for agency in org.all_agencies()]


def _station_choices(row=None):
    mine = _my_station_id()
    return [(station.id, station.name) for station in org.all_stations()
            if mine is None or station.id == mine]


def _community_choices(row=None):
    """Communities grouped by town: a grid team's own town's, a station manager's own town's,
    else every town's."""
    station_id = row.station_id if isinstance(row, org.GridTeam) else _my_station_id()
    return [(town.name, [(community.id, community.name) for community in found])
            for town, found in org.towns_with_communities()
            if station_id is None or (town.station is not None and town.station.id == station_id)]


def _yes_no(value) -> str:
    return _("Yes") if value else _("No")


SECTIONS = {section.name: section for section in (
    Section(
        "towns", _l("Towns and streets"), _l("town or street"), TownFormSchema,
        listing=org.towns_statement, get=org.get_town,
        create=org.create_town,
        update=org.update_town,
        columns=[(NAME, lambda town: town.name),
                 (_l("Villages and communities"), lambda town: len(town.communities)),
                 (_l("Station"), lambda town: town.station.name if town.station else "—")],
        fields=[Field("name", NAME, required=True)]),
    Section(
        "communities", _l("Villages and communities"), _l("village or community"),
        CommunityFormSchema,
        listing=lambda query: org.communities_of_town_statement(
            request.args.get("town_id", type=int), query),
        get=org.get_community,
        create=org.create_community,
        update=org.update_community,
        columns=[(_l("Town or street"), lambda community: community.town.name),
                 (NAME, lambda community: community.name),
                 (_l("Service point"), lambda community: community.service_point.name
                  if community.service_point else "—")],
        fields=[Field("town_id", _l("Town or street"), "select", True, _town_choices,
                      fixed=True),
                Field("name", NAME, required=True)],
        needs=_l("Add a town or street first."),
        label=lambda community: community.full_name),
    Section(
        "agencies", _l("Agencies"), _l("agency"), AgencyFormSchema,
        listing=org.agencies_statement, get=org.get_agency,
        create=org.create_agency, update=org.update_agency,
        columns=[(NAME, lambda agency: agency.name),
                 (_l("Unified social credit code"), lambda agency: agency.credit_code),
                 (_l("Contact"), lambda agency: " ".join(
                     part for part in (agency.contact_name, agency.contact_phone) if part)),
                 (_l("Contract"), lambda agency: _contract(agency)),
                 (_l("Stations"), lambda agency: "、".join(
                     station.name for station in agency.stations) or "—")],
        fields=[Field("name", _l("Registered name"), required=True),
                Field("credit_code", _l("Unified social credit code"), required=True,
                      hint=_l("18 characters, as on the business licence")),
                Field("contact_name", _l("Contact person")),
                Field("contact_phone", _l("Contact phone")),
                Field("contract_start", _l("Contract starts"), "date"),
                Field("contract_end", _l("Contract ends"), "date")]),
    Section(
        "stations", _l("Stations"), _l("station"), StationFormSchema,
        listing=lambda query: _own_only(org.stations_statement(query), org.Station.id),
        get=org.get_station,
        create=org.create_station, update=org.update_station, managers=True,
        station_id=lambda station: station.id,
        columns=[(NAME, lambda station: station.name),
                 (_l("Town or street"), lambda station: station.town.name),
                 (_l("Address"), lambda station: station.address),
                 (_l("Phone"), lambda station: station.phone),
                 (_l("Opening hours"), lambda station: station.opening_hours),
                 (_l("Agency"), lambda station: station.agency.name if station.agency else "—")],
        fields=[Field("town_id", _l("Town or street"), "select", True, _towns_without_station,
                      fixed=True),
                Field("name", NAME, required=True),
                Field("address", _l("Address")),
                Field("phone", _l("Phone")),
                Field("opening_hours", _l("Opening hours"),
                      hint=_l("As on the door, for example 周一至周五 9:00-18:00")),
                Field("agency_id", _l("Run by agency"), "select", False, _agency_choices)],
        needs=_l("Every town or street has its station. Add the town or street first.")),
    Section(
        "service-points", _l("Service points"), _l("service point"), ServicePointFormSchema,
        listing=lambda query: org.service_points_statement(_my_station_id(), query),
        get=org.get_service_point,
        create=org.create_service_point, update=org.update_service_point, managers=True,
        station_id=lambda point: point.community.station.id if point.community.station else None,
        columns=[(_l("Village or community"), lambda point: point.community.full_name),
                 (NAME, lambda point: point.name),
                 (_l("Address"), lambda point: point.address)],
        fields=[Field("community_id", _l("Village or community"), "select", True,
                      _community_choices, grouped=True, fixed=True),
                Field("name", NAME, required=True),
                Field("address", _l("Address"))],
        needs=_l("Add the station's villages and communities first.")),
    Section(
        "grid-teams", _l("Grid teams"), _l("grid team"), GridTeamFormSchema,
        listing=lambda query: org.grid_teams_statement(_my_station_id(), query),
        get=org.get_grid_team,
        create=org.create_grid_team, update=org.update_grid_team, managers=True,
        station_id=lambda team: team.station_id,
        columns=[(_l("Station"), lambda team: team.station.name),
                 (NAME, lambda team: team.name),
                 (_l("Covers"), lambda team: "、".join(
                     community.name for community in team.communities) or "—"),
                 (_l("Social workers"), lambda team: "、".join(
                     post.user.name for post in team.posts) or "—")],
        fields=[Field("station_id", _l("Station"), "select", True, _station_choices,
                      fixed=True),
                Field("name", NAME, required=True),
                Field("community_ids", _l("Villages and communities it covers"), "checkboxes",
                      False, _community_choices, grouped=True)],
        needs=_l("Add a station first.")),
)}


def _own_only(statement, column):
    mine = _my_station_id()
    return statement if mine is None else statement.where(column == mine)


def _contract(agency) -> str:
    if agency.contract_start is None and agency.contract_end is None:
        return "—"
    ends = [day.isoformat() if day else "…" for day in (agency.contract_start,
                                                        agency.contract_end)]
    return " – ".join(ends)


def _section(name: str) -> Section:
    section = SECTIONS.get(name)
    if section is None:
        abort(404)
    if not (has_role(current_user, Role.DISTRICT_ADMIN)
            or (section.managers and has_role(current_user, Role.STATION_MANAGER))):
        abort(403)
    org.managed_station_id(current_user)  # staff without a post administer nothing
    return section


def _sections_for_user() -> list[Section]:
    return [section for section in SECTIONS.values()
            if has_role(current_user, Role.DISTRICT_ADMIN) or section.managers]


@bp.get("/")
@role_required(Role.STATION_MANAGER)
def index():
    return render_template("admin/index.html", sections=_sections_for_user())


@bp.route("/<name>", methods=["GET", "POST"])
@role_required(Role.STATION_MANAGER)
def listing(name: str):
    section = _section(name)
    errors = {}
    if request.method == "POST":
        data, errors = load_form(section.schema())
        if data is not None:
            reason = data.pop("reason", None)
            made = attempt(lambda: section.create(data, by=current_user, reason=reason),
                           let_through=PermissionDenied)
            if made.error is None:
                flash(_("%(thing)s is added.", thing=section.label(made.result)), "success")
                return redirect(url_for(".listing", name=name))
            errors = form_errors(made.error)
    query = request.args.get("q", "")
    page = paginate(section.listing(query), PER_PAGE)
    return render_template("admin/org_list.html", section=section, page=page, query=query,
                           errors=errors, form=request.form), 422 if errors else 200


@bp.route("/<name>/<int:row_id>", methods=["GET", "POST"])
@role_required(Role.STATION_MANAGER)
def edit(name: str, row_id: int):
    section = _section(name)
    row = section.get(row_id)
    mine = _my_station_id()
    if mine is not None and section.station_id(row) != mine:
        abort(403)  # a station manager opens only their own station's
    errors = {}
    if request.method == "POST":
        data, errors = load_form(section.schema(partial=_fixed_names(section)))
        if data is not None:
            changes, reason = changes_of(data)
            changed = attempt(lambda: section.update(row, changes, by=current_user,
                                                     reason=reason),
                              let_through=PermissionDenied)
            if changed.error is None:
                flash(_("%(thing)s is saved.", thing=section.label(row)), "success")
                return redirect(url_for(".listing", name=name))
            errors = form_errors(changed.error)
            row = section.get(row_id)
    form = request.form if request.method == "POST" else None
    return render_template("admin/org_edit.html", section=section, row=row, errors=errors,
                           form=form), 422 if errors else 200


def _fixed_names(section: Section) -> tuple[str, ...]:
    return tuple(one.name for one in section.fields if one.fixed)


def value_of(row, one: Field, form):
    """What a form input shows: what was posted, else the row's value."""
    if form is not None:
        return form.getlist(one.name) if one.kind == "checkboxes" else form.get(one.name, "")
    if row is None:
        return [] if one.kind == "checkboxes" else ""
    if one.kind == "checkboxes":
        return [str(community.id) for community in getattr(row, "communities", [])]
    value = getattr(row, one.name, "")
    return "" if value is None else value


bp.add_app_template_global(value_of, "admin_value_of")


# --- the agency's seal ------------------------------------------------------------------------
# On a page of its own: the district administrator reaches it from the agency's page, a station
# manager from their station's (they may change the seal of the agency that runs their station).

#: The seal upload takes request bodies up to this size, so that a file just over the 1 MB
#: limit is answered by the page (422, saying why) rather than a bare 413.
SEAL_UPLOAD_BODY_BYTES = 4 * 1024 * 1024


def allow_seal_uploads() -> None:
    """``before_request``, run before the hooks that read the body (CSRF)."""
    if request.endpoint == "admin.agency_seal" and request.method == "POST":
        request.max_content_length = max(SEAL_UPLOAD_BODY_BYTES,
                                         current_app.config.get("MAX_CONTENT_LENGTH") or 0)


def _seal_agency(agency_id: int) -> org.Agency:
    agency = org.get_agency(agency_id)
    org.managed_station_id(current_user)  # staff without a post administer nothing
    org.require_may_manage_seal(current_user, agency)
    return agency


@bp.route("/agencies/<int:agency_id>/seal", methods=["GET", "POST"])
@role_required(Role.STATION_MANAGER)
def agency_seal(agency_id: int):
    """See and upload the agency's seal (PNG or JPEG under 1 MB), drawn on its certificates."""
    agency = _seal_agency(agency_id)
    errors = {}
    if request.method == "POST":
        upload = request.files.get("seal")
        data = b""
        if upload is not None:
            try:
                data = upload.read()
            finally:
                upload.close()  # a large one is spooled to a temporary file
        saved = attempt(lambda: org.set_agency_seal(agency, data, by=current_user))
        if saved.error is None:
            flash(_("The seal of %(agency)s is saved.", agency=agency.name), "success")
            return redirect(url_for(".agency_seal", agency_id=agency.id))
        errors = form_errors(saved.error)
    return render_template("admin/agency_seal.html", agency=agency,
                           seal=org.agency_seal(agency.id), errors=errors,
                           district=has_role(current_user, Role.DISTRICT_ADMIN),
                           max_bytes=org.SEAL_MAX_BYTES), 422 if errors else 200


@bp.get("/agencies/<int:agency_id>/seal/image")
@role_required(Role.STATION_MANAGER)
def agency_seal_image(agency_id: int):
    agency = _seal_agency(agency_id)
    seal = org.agency_seal(agency.id)
    if seal is None:
        abort(404)
    return Response(seal.data, mimetype=seal.content_type,
                    headers={"Cache-Control": "private, no-store",
                             "X-Content-Type-Options": "nosniff"})
