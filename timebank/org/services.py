"""Where things happen: towns and streets (镇街), their villages and communities (村居), the
social-work station (社工服务站) of each town, the service point (服务点) of each community, and
the grid teams (片区) of social workers covering a set of communities (定点联系、片区联动).

Staff belong to one station through `StaffPost`; that is also how a page or API call learns
which station's work a social worker may touch.
"""

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from timebank.accounts import services as users
from timebank.accounts.permissions import Role, has_role, is_staff
from timebank.errors import InvalidInput, NotFound, PermissionDenied, referenced
from timebank.extensions import db
from timebank.org.models import (  # noqa: F401 (the models, for callers of this module)
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
    return list(db.session.scalars(select(Town).order_by(Town.id)))


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
