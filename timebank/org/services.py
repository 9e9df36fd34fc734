"""Where things happen: towns and streets (镇街), their villages and communities (村居), the
social-work station (社工服务站) of each town, the service point (服务点) of each community, and
the grid teams (片区) of social workers covering a set of communities (定点联系、片区联动).

Staff belong to one station through `StaffPost`; that is also how a page or API call learns
which station's work a social worker may touch.
"""

import io
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from timebank.accounts import services as users
from timebank.accounts.permissions import Role, has_role, is_staff
from timebank.audit import services as audit
from timebank.clock import now
from timebank.errors import Conflict, InvalidInput, NotFound, PermissionDenied, referenced
from timebank.extensions import db
from timebank.org.models import (  # noqa: F401 (the models, for callers of this module)
    Agency,
    AgencySeal,
    Community,
    GridTeam,
    ServicePoint,
    StaffPost,
    Station,
    Town,
    grid_team_communities,
)

# --- services ---------------------------------------------------------------------------------

def get_community(community_id: int) -> Community:
    community = db.session.get(Community, community_id)
    if community is None:
        raise NotFound(_("There is no such community."), code="community_not_found",
                       fields={"community_id": [_("There is no such community.")]})
    return community


def get_station(station_id: int) -> Station:
    station = db.session.get(Station, station_id)
    if station is None:
        raise NotFound(_("There is no such station."), code="station_not_found",
                       fields={"station_id": [_("There is no such station.")]})
    return station


def get_grid_team(grid_team_id: int) -> GridTeam:
    grid_team = db.session.get(GridTeam, grid_team_id)
    if grid_team is None:
        raise NotFound(_("There is no such grid team."), code="grid_team_not_found",
                       fields={"grid_team_id": [_("There is no such grid team.")]})
    return grid_team


def communities(ids) -> list[Community]:
    """The communities of `ids`, in one query.

    A page loads them so that its rows' ``community`` lookups need no query of their own; the
    session holds loaded rows only weakly, so keep the list until the page is rendered."""
    ids = {id_ for id_ in ids if id_ is not None}
    return list(db.session.scalars(select(Community).where(Community.id.in_(ids)))) if ids else []


def communities_statement(community_id: int | None = None):
    """Every community by town, or only `community_id` (404 if there is none), as a select to
    paginate."""
    statement = select(Community).order_by(Community.town_id, Community.id)
    if community_id is not None:
        statement = statement.where(Community.id == get_community(community_id).id)
    return statement


def towns() -> list[Town]:
    return list(db.session.scalars(select(Town).order_by(Town.id)
                                   .options(selectinload(Town.station))))


def post_of(user) -> StaffPost | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.get(StaffPost, user.id)


def station_id_of(user) -> int | None:
    """The station of a staff member's post; None for everyone else."""
    post = post_of(user)
    return post.station_id if post else None


#: Where the finder of a resident's home is kept; see `home_of`.
HOME_FINDER = "timebank.home_of"


def home_of(user):
    """Where a resident lives: an object with ``community`` (a `Community` or None) and
    ``linked_social_worker_id``, or None.

    Residents choose their community on their volunteer profile, which the coordination layer
    keeps; it installs the finder as ``app.extensions[HOME_FINDER]`` so that the core can scope
    by station without importing it. Without a finder nobody has a home community.
    """
    finder = current_app.extensions.get(HOME_FINDER)
    return finder(user) if finder is not None and user is not None else None


def home_community(user) -> Community | None:
    home = home_of(user)
    return home.community if home is not None else None


def station_of(user) -> int | None:
    """The station `user` belongs to: a staff member's post, a resident's home community's."""
    if user is None:
        return None
    own = station_id_of(user)
    if own is not None:
        return own
    community = home_community(user)
    return community.station.id if community is not None and community.station else None


def staff_may_act_on(staff, member) -> bool:
    """Whether `staff` may act on `member`'s hours: district administrators everywhere, other
    staff only for members of their own station."""
    if has_role(staff, Role.DISTRICT_ADMIN):
        return True
    if not is_staff(staff) or member is None:
        return False
    own = station_of(staff)
    return own is not None and own == station_of(member)


def member_to_act_on(staff, user_id: int):
    """The member whose hours `staff` look at or correct: 404 if there is none, 403 unless
    `staff_may_act_on` them (their station's staff, or a district administrator)."""
    member = users.get_user(user_id)
    if not staff_may_act_on(staff, member):
        raise PermissionDenied()
    return member


def require_acting_for(staff, members) -> None:
    """`PermissionDenied` unless `staff` may act for every one of `members`.

    A correction touching no member at all (only pools or issuers) is the district's."""
    members = [member for member in members if member is not None]
    if not members and not has_role(staff, Role.DISTRICT_ADMIN):
        raise PermissionDenied(_("Only a district administrator can correct this."))
    if not all(staff_may_act_on(staff, member) for member in members):
        raise PermissionDenied(_("Only staff of this member's station can correct their hours."))


def towns_with_communities() -> list[tuple[Town, list[Community]]]:
    """Every town with its communities, for a grouped select, in one query."""
    grouped: dict[int, tuple[Town, list[Community]]] = {}
    for community in db.session.scalars(select(Community).join(Community.town)
                                        .options(joinedload(Community.town))
                                        .order_by(Town.id, Community.name)):
        grouped.setdefault(community.town_id, (community.town, []))[1].append(community)
    return list(grouped.values())


def assign_post(user, station: Station, grid_team: GridTeam | None = None) -> StaffPost:
    """Place a staff member at a station (and grid team); replaces any earlier post."""
    if grid_team is not None and grid_team.station_id != station.id:
        raise PermissionDenied(_("That grid team belongs to another station."))
    post = db.session.get(StaffPost, user.id) or StaffPost(user_id=user.id)
    post.station_id, post.grid_team_id = station.id, grid_team.id if grid_team else None
    db.session.add(post)
    db.session.flush()
    return post


def post_staff(user, station_id: int, grid_team_id: int | None = None) -> StaffPost:
    """Post a staff member at the station `station_id` (and grid team), as ``flask users create
    --station`` does. Unknown ids are field errors (422); residents and merchants hold no post."""
    if not is_staff(user):
        raise InvalidInput(fields={"station_id": [
            _("Only social workers, station managers and district administrators are posted "
              "to a station.")]})
    station = referenced(get_station, station_id)
    grid_team = referenced(get_grid_team, grid_team_id) if grid_team_id is not None else None
    if grid_team is not None and grid_team.station_id != station.id:
        raise InvalidInput(fields={"grid_team_id": [_("That grid team belongs to another station.")]})
    return assign_post(user, station, grid_team)


def manager_of(station: Station):
    """The station's manager (项目主管), the person in charge on what the station issues."""
    posts = db.session.scalars(select(StaffPost).where(StaffPost.station_id == station.id)
                               .order_by(StaffPost.user_id))
    return next((post.user for post in posts if has_role(post.user, Role.STATION_MANAGER)
                 and not has_role(post.user, Role.DISTRICT_ADMIN)), None)


def social_workers_at(station_id: int) -> list:
    """The station's active social workers (their posts, by user id)."""
    posts = db.session.scalars(select(StaffPost).where(StaffPost.station_id == station_id)
                               .order_by(StaffPost.user_id))
    return [post.user for post in posts
            if post.user.is_active and has_role(post.user, Role.SOCIAL_WORKER)]


def can_manage_station(user, station_id: int | None) -> bool:
    """District administrators manage every station; other staff only their own."""
    if has_role(user, Role.DISTRICT_ADMIN):
        return True
    return has_role(user, Role.SOCIAL_WORKER) and station_id is not None \
        and station_id_of(user) == station_id


def require_station_staff(user, station_id: int | None) -> None:
    if not can_manage_station(user, station_id):
        raise PermissionDenied(_("Only staff of this station can do this."))


def grid_team_for(community: Community) -> GridTeam | None:
    """The grid team covering `community` (the first by id if, unusually, several do)."""
    return db.session.scalar(
        select(GridTeam).join(grid_team_communities)
        .where(grid_team_communities.c.community_id == community.id).order_by(GridTeam.id))


# --- administration ---------------------------------------------------------------------------
# The district's administrators set up its towns, communities, agencies and stations; a
# station's manager keeps their own station's details, service points and grid teams. Every
# change is audited with who made it and why; a change of something that exists needs a reason.

def _audit(action: str, row, by, reason: str | None, **details) -> None:
    audit.record(action, f"{row.__tablename__}:{row.id}", actor=by, reason=reason or None,
                 **details)


def managed_station_id(user) -> int | None:
    """The station whose rows `user` administers: None for the district (every station), a
    station manager's own; `PermissionDenied` for staff without a post."""
    if has_role(user, Role.DISTRICT_ADMIN):
        return None
    station_id = station_id_of(user)
    if station_id is None:
        raise PermissionDenied(_("You are not posted at a station yet. Ask your station manager "
                                 "to add you."))
    return station_id


def _require_district(by) -> None:
    if not has_role(by, Role.DISTRICT_ADMIN):
        raise PermissionDenied(_("Only a district administrator can do this."))


def _require_station_manager(by, station: Station) -> None:
    """District administrators anywhere; a station manager at their own station."""
    if has_role(by, Role.DISTRICT_ADMIN):
        return
    if not (has_role(by, Role.STATION_MANAGER) and station_id_of(by) == station.id):
        raise PermissionDenied(_("Only this station's manager or a district administrator can "
                                 "do this."))


def _require_reason(reason: str | None) -> None:
    if not (reason or "").strip():
        raise InvalidInput(fields={"reason": [_("Say why you are making this change.")]})


def _taken(field: str, message: str) -> Conflict:
    return Conflict(message, code="already_exists", fields={field: [message]})


def _changed(row, changes: dict) -> dict:
    """Set `changes` on `row`; what was changed, as {field: [old, new]}, for the audit."""
    changed = {}
    for name, value in changes.items():
        old = getattr(row, name)
        if old != value:
            changed[name] = [_plain(old), _plain(value)]
            setattr(row, name, value)
    return changed


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _matching(statement, query: str, *columns):
    query = (query or "").strip()
    if query:
        pattern = f"%{query}%"
        statement = statement.where(or_(*(column.ilike(pattern) for column in columns)))
    return statement


def get_town(town_id: int) -> Town:
    town = db.session.get(Town, town_id)
    if town is None:
        raise NotFound(_("There is no such town or street."), code="town_not_found",
                       fields={"town_id": [_("There is no such town or street.")]})
    return town


def towns_statement(query: str = ""):
    return _matching(select(Town).order_by(Town.id)
                     .options(selectinload(Town.communities), selectinload(Town.station)),
                     query, Town.name)


def _check_town_name(name: str, town: Town | None = None) -> None:
    same = db.session.scalar(select(Town).where(Town.name == name))
    if same is not None and same is not town:
        raise _taken("name", _("There is already a town or street of this name."))


def create_town(data: dict, *, by, reason: str | None = None) -> Town:
    _require_district(by)
    name = data["name"]
    _check_town_name(name)
    town = Town(name=name)
    db.session.add(town)
    db.session.flush()
    _audit("org.town.create", town, by, reason, name=name)
    return town


def update_town(town: Town, changes: dict, *, by, reason: str | None) -> Town:
    _require_district(by)
    _require_reason(reason)
    if "name" in changes:
        _check_town_name(changes["name"], town)
    changed = _changed(town, changes)
    db.session.flush()
    _audit("org.town.update", town, by, reason, changes=changed)
    return town


def communities_of_town_statement(town_id: int | None = None, query: str = ""):
    statement = (select(Community).join(Community.town).order_by(Town.id, Community.name)
                 .options(joinedload(Community.town), selectinload(Community.service_point)))
    if town_id is not None:
        statement = statement.where(Community.town_id == town_id)
    return _matching(statement, query, Community.name, Town.name)


def _check_community_name(town: Town, name: str, community: Community | None = None) -> None:
    same = db.session.scalar(select(Community).where(Community.town_id == town.id,
                                                     Community.name == name))
    if same is not None and same is not community:
        raise _taken("name", _("%(town)s already has a village or community of this name.",
                               town=town.name))


def create_community(data: dict, *, by, reason: str | None = None) -> Community:
    """A village or community of the town ``data["town_id"]``."""
    _require_district(by)
    town, name = referenced(get_town, data["town_id"]), data["name"]
    _check_community_name(town, name)
    community = Community(town=town, name=name)
    db.session.add(community)
    db.session.flush()
    _audit("org.community.create", community, by, reason, town_id=town.id, name=name)
    return community


def update_community(community: Community, changes: dict, *, by, reason: str | None) -> Community:
    _require_district(by)
    _require_reason(reason)
    if "name" in changes:
        _check_community_name(community.town, changes["name"], community)
    changed = _changed(community, changes)
    db.session.flush()
    _audit("org.community.update", community, by, reason, changes=changed)
    return community


def get_agency(agency_id: int) -> Agency:
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        raise NotFound(_("There is no such agency."), code="agency_not_found",
                       fields={"agency_id": [_("There is no such agency.")]})
    return agency


def agencies_statement(query: str = ""):
    return _matching(select(Agency).order_by(Agency.name)
                     .options(selectinload(Agency.stations)), query, Agency.name,
                     Agency.credit_code, Agency.contact_name)


def all_agencies() -> list[Agency]:
    return list(db.session.scalars(select(Agency).order_by(Agency.name)))


def _check_agency(data: dict, agency: Agency | None = None) -> None:
    for field, column, message in (
            ("name", Agency.name, _("There is already an agency of this name.")),
            ("credit_code", Agency.credit_code,
             _("Another agency has this unified social credit code."))):
        if field in data:
            same = db.session.scalar(select(Agency).where(column == data[field]))
            if same is not None and same is not agency:
                raise _taken(field, message)
    start = data.get("contract_start", agency.contract_start if agency else None)
    end = data.get("contract_end", agency.contract_end if agency else None)
    if start is not None and end is not None and end < start:
        raise InvalidInput(fields={"contract_end": [
            _("The contract cannot end before it starts.")]})


def create_agency(data: dict, *, by, reason: str | None = None) -> Agency:
    _require_district(by)
    _check_agency(data)
    agency = Agency(**data)
    db.session.add(agency)
    db.session.flush()
    _audit("org.agency.create", agency, by, reason, name=agency.name,
           credit_code=agency.credit_code)
    return agency


def update_agency(agency: Agency, changes: dict, *, by, reason: str | None) -> Agency:
    _require_district(by)
    _require_reason(reason)
    _check_agency(changes, agency)
    changed = _changed(agency, changes)
    db.session.flush()
    _audit("org.agency.update", agency, by, reason, changes=changed)
    return agency


# --- the agency's seal (公章) ------------------------------------------------------------------

#: The largest seal image accepted, in bytes.
SEAL_MAX_BYTES = 1024 * 1024
#: What Pillow calls the formats accepted → the content type stored.
SEAL_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}


def may_manage_seal(user, agency: Agency) -> bool:
    """District administrators, and the station manager of a station the agency runs."""
    if has_role(user, Role.DISTRICT_ADMIN):
        return True
    station_id = station_id_of(user)
    return has_role(user, Role.STATION_MANAGER) and station_id is not None \
        and any(station.id == station_id for station in agency.stations)


def require_may_manage_seal(user, agency: Agency) -> None:
    if not may_manage_seal(user, agency):
        raise PermissionDenied(_("Only the district or a station manager of a station this "
                                 "agency runs can change its seal."))


def seal_content_type(data: bytes) -> str:
    """``image/png`` or ``image/jpeg`` for the bytes of a PNG or JPEG image under 1 MB, read by
    Pillow (the file's name says nothing); `InvalidInput` on the ``seal`` field otherwise."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise InvalidInput(fields={"seal": [_("Choose the image of the seal to upload.")]})
    if len(data) > SEAL_MAX_BYTES:
        raise InvalidInput(fields={"seal": [_(
            "The image is %(size)s KB; the seal must be under 1 MB.",
            size=f"{len(data) / 1024:,.0f}")]})
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        kind = None
    if kind not in SEAL_FORMATS:
        raise InvalidInput(fields={"seal": [_(
            "The seal must be a PNG or JPEG image; this file is not one.")]})
    return SEAL_FORMATS[kind]


def agency_seal(agency_id: int) -> AgencySeal | None:
    return db.session.get(AgencySeal, agency_id)


def set_agency_seal(agency: Agency, data: bytes, *, by) -> AgencySeal:
    """Store (or replace) the agency's seal image after checking who may and what it is."""
    require_may_manage_seal(by, agency)
    content_type = seal_content_type(data)
    seal = agency_seal(agency.id)
    replaced = seal is not None
    if seal is None:
        seal = AgencySeal(agency_id=agency.id)
        db.session.add(seal)
    seal.content_type, seal.data, seal.uploaded_by_id = content_type, data, by.id
    seal.uploaded_at = now()
    db.session.flush()
    audit.record("org.agency.seal", f"agency:{agency.id}", actor=by, name=agency.name,
                 content_type=content_type, bytes=len(data), replaced=replaced)
    return seal


def stations_statement(query: str = ""):
    statement = (select(Station).join(Station.town).order_by(Station.id)
                 .options(joinedload(Station.town), joinedload(Station.agency)))
    return _matching(statement, query, Station.name, Town.name, Station.address)


def all_stations() -> list[Station]:
    return list(db.session.scalars(select(Station).order_by(Station.id)))


#: What a station's manager may change on their own station; the rest is the district's.
STATION_DETAILS = frozenset({"name", "address", "phone", "opening_hours"})


def create_station(data: dict, *, by, reason: str | None = None) -> Station:
    """A station for a town that has none yet; ``data`` has ``town_id`` and ``agency_id``."""
    _require_district(by)
    town = referenced(get_town, data.pop("town_id"))
    if town.station is not None:
        raise _taken("town_id", _("%(town)s already has a station.", town=town.name))
    agency_id = data.pop("agency_id", None)
    agency = referenced(get_agency, agency_id) if agency_id is not None else None
    station = Station(town=town, agency=agency, **data)
    db.session.add(station)
    db.session.flush()
    _audit("org.station.create", station, by, reason, town_id=town.id, name=station.name,
           agency_id=agency.id if agency else None)
    return station


def update_station(station: Station, changes: dict, *, by, reason: str | None) -> Station:
    """The station's details; its agency only by the district."""
    differing = {name for name, value in changes.items() if getattr(station, name) != value}
    if differing - STATION_DETAILS:
        _require_district(by)
    else:
        _require_station_manager(by, station)
    _require_reason(reason)
    if changes.get("agency_id") is not None:
        referenced(get_agency, changes["agency_id"])
    changed = _changed(station, changes)
    db.session.flush()
    _audit("org.station.update", station, by, reason, changes=changed)
    return station


def station_directory_statement():
    """Every station by id, with its town and agency, for the public directory."""
    return (select(Station).order_by(Station.id)
            .options(joinedload(Station.town), joinedload(Station.agency)))


@dataclass(frozen=True)
class DirectoryEntry:
    """A station of the public directory, with the service points of its town."""

    station: Station
    service_points: list[ServicePoint]


def directory_entries(stations) -> list[DirectoryEntry]:
    """A page of the directory's stations with their service points, in one more query."""
    by_town = {station.town_id: station.id for station in stations}
    points: dict[int, list[ServicePoint]] = {station_id: [] for station_id in by_town.values()}
    if by_town:
        for point in db.session.scalars(
                select(ServicePoint).join(ServicePoint.community)
                .where(Community.town_id.in_(list(by_town)))
                .options(joinedload(ServicePoint.community)).order_by(ServicePoint.id)):
            points[by_town[point.community.town_id]].append(point)
    return [DirectoryEntry(station, points[station.id]) for station in stations]


def directory_entry(station_id: int) -> DirectoryEntry:
    """One station of the public directory (404 if there is none)."""
    station = db.session.scalar(station_directory_statement().where(Station.id == station_id))
    if station is None:
        raise NotFound(_("There is no such station."), code="station_not_found")
    return directory_entries([station])[0]


def grid_team_social_workers(station: Station) -> list[tuple[GridTeam, list]]:
    """The station's grid teams, each with its active social workers by name: what the public
    directory says of who looks after an area (names only, never their phones)."""
    posts = db.session.scalars(
        select(StaffPost).join(StaffPost.grid_team).where(GridTeam.station_id == station.id)
        .order_by(StaffPost.user_id))
    workers: dict[int, list] = {team.id: [] for team in station.grid_teams}
    for post in posts:
        if post.user.is_active and has_role(post.user, Role.SOCIAL_WORKER):
            workers.setdefault(post.grid_team_id, []).append(post.user)
    return [(team, workers.get(team.id, [])) for team in station.grid_teams]


def get_service_point(service_point_id: int) -> ServicePoint:
    point = db.session.get(ServicePoint, service_point_id)
    if point is None:
        raise NotFound(_("There is no such service point."), code="service_point_not_found")
    return point


def service_points_statement(station_id: int | None = None, query: str = ""):
    statement = (select(ServicePoint).join(ServicePoint.community).join(Community.town)
                 .options(joinedload(ServicePoint.community).joinedload(Community.town))
                 .order_by(Town.id, Community.name))
    if station_id is not None:
        statement = statement.join(Station, Station.town_id == Town.id) \
            .where(Station.id == station_id)
    return _matching(statement, query, ServicePoint.name, Community.name, ServicePoint.address)


def _station_of_community(community: Community) -> Station:
    if community.station is None:
        raise InvalidInput(fields={"community_id": [
            _("%(town)s has no station yet: set up its station first.",
              town=community.town.name)]})
    return community.station


def create_service_point(data: dict, *, by, reason: str | None = None) -> ServicePoint:
    community = referenced(get_community, data.pop("community_id"))
    _require_station_manager(by, _station_of_community(community))
    if community.service_point is not None:
        raise _taken("community_id", _("%(community)s already has a service point.",
                                       community=community.full_name))
    point = ServicePoint(community=community, **data)
    db.session.add(point)
    db.session.flush()
    _audit("org.service_point.create", point, by, reason, community_id=community.id,
           name=point.name)
    return point


def update_service_point(point: ServicePoint, changes: dict, *, by,
                         reason: str | None) -> ServicePoint:
    _require_station_manager(by, _station_of_community(point.community))
    _require_reason(reason)
    changed = _changed(point, changes)
    db.session.flush()
    _audit("org.service_point.update", point, by, reason, changes=changed)
    return point


def grid_teams_statement(station_id: int | None = None, query: str = ""):
    statement = (select(GridTeam).join(GridTeam.station).order_by(Station.id, GridTeam.name)
                 .options(joinedload(GridTeam.station), selectinload(GridTeam.communities),
                          selectinload(GridTeam.posts)))
    if station_id is not None:
        statement = statement.where(GridTeam.station_id == station_id)
    return _matching(statement, query, GridTeam.name, Station.name)


def _covered(station: Station, community_ids) -> list[Community]:
    """The communities a grid team of `station` is to cover: its own town's, each once."""
    wanted = list(dict.fromkeys(community_ids or ()))
    found = {community.id: community for community in communities(wanted)}
    strangers = [str(id_) for id_ in wanted
                 if id_ not in found or found[id_].town_id != station.town_id]
    if strangers:
        raise InvalidInput(fields={"community_ids": [
            _("A grid team covers only villages and communities of its station's town "
              "(not %(ids)s).", ids="、".join(strangers))]})
    return [found[id_] for id_ in wanted]


def _check_grid_team_name(station: Station, name: str, team: GridTeam | None = None) -> None:
    same = db.session.scalar(select(GridTeam).where(GridTeam.station_id == station.id,
                                                    GridTeam.name == name))
    if same is not None and same is not team:
        raise _taken("name", _("This station already has a grid team of this name."))


def create_grid_team(data: dict, *, by, reason: str | None = None) -> GridTeam:
    station = referenced(get_station, data["station_id"])
    _require_station_manager(by, station)
    _check_grid_team_name(station, data["name"])
    team = GridTeam(station=station, name=data["name"],
                    communities=_covered(station, data.get("community_ids")))
    db.session.add(team)
    db.session.flush()
    _audit("org.grid_team.create", team, by, reason, station_id=station.id, name=team.name,
           community_ids=[community.id for community in team.communities])
    return team


def update_grid_team(team: GridTeam, changes: dict, *, by, reason: str | None) -> GridTeam:
    _require_station_manager(by, team.station)
    _require_reason(reason)
    changes = dict(changes)
    changed = {}
    if "name" in changes:
        _check_grid_team_name(team.station, changes["name"], team)
    if "community_ids" in changes:
        covered = _covered(team.station, changes.pop("community_ids"))
        before = sorted(community.id for community in team.communities)
        after = sorted(community.id for community in covered)
        if before != after:
            team.communities = covered
            changed["community_ids"] = [before, after]
    changed.update(_changed(team, changes))
    db.session.flush()
    _audit("org.grid_team.update", team, by, reason, changes=changed)
    return team
