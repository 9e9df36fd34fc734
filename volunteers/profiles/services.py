"""Volunteer profiles and the social-worker–volunteer linkage (两工联动).

A volunteer's profile holds what the national rules call the basic record (name and phone are
on the user; ID number, gender, date of birth here) and, with consent, skills, interests and
weekly availability. Each volunteer has a responsible ("linked") social worker: assigned from
the grid team covering their home community, the one with the fewest linked volunteers, and
changeable by staff (audited).
"""


from flask_babel import gettext as _
from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from timebank.accounts.models import User
from timebank.accounts.permissions import Role, has_role
from timebank.audit import services as audit
from timebank.clock import now
from timebank.errors import InvalidInput, PermissionDenied, referenced
from timebank.extensions import db
from timebank.ledger import queries as ledger_queries
from timebank.org import services as org
from timebank.org.models import Community, StaffPost, Town
from timebank.org.services import can_manage_station, grid_team_for
from timebank.privacy import services as privacy
from volunteers.profiles.models import (  # noqa: F401 (the models, for callers of this module)
    DEFAULT_MONTHLY_LIMIT,
    VolunteerProfile,
    VolunteerTeam,
    team_members,
)
from volunteers.vocabulary import SKILLS

ID_NUMBER_LENGTH = 18


# --- where a resident lives, for the core --------------------------------------------------------

def home_of(user) -> "VolunteerProfile | None":
    """The resident's home community and linked social worker, as the core's `org.home_of`
    asks for them (installed by `volunteers.init_app`)."""
    return db.session.get(VolunteerProfile, user.id)


# --- services ---------------------------------------------------------------------------------

def volunteer_number(user_id: int) -> str:
    """The volunteer's number on certificates and exports: ``NS`` and the user id, zero-padded."""
    return f"NS{user_id:06d}"


def mask_id_number(id_number: str | None) -> str:
    """``440115199001011234`` → ``4401**********1234`` (`timebank.privacy.services`)."""
    return privacy.mask_id_number(id_number)


def valid_id_number(id_number: str) -> bool:
    """Mainland resident ID: 17 digits and a check character (GB 11643)."""
    if len(id_number) != ID_NUMBER_LENGTH or not id_number[:17].isdigit():
        return False
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(digit) * weight for digit, weight in zip(id_number[:17], weights, strict=True))
    return "10X98765432"[total % 11] == id_number[17].upper()


def can_see_id_number(viewer, profile: VolunteerProfile) -> bool:
    """Only the volunteer sees it unmasked; staff of their station reveal it, audited
    (`timebank.privacy.services`: minimum necessary)."""
    return privacy.may_see_identity(viewer, profile.user)


def shown_id_number(viewer, profile: VolunteerProfile) -> str:
    return privacy.shown_id_number(viewer, profile.user, profile.id_number)


def id_number_of(user) -> str | None:
    """The ID number held for `user`, for the core's reveal (installed by `volunteers.init_app`
    as `timebank.privacy.services.ID_NUMBER_FINDER`)."""
    profile = db.session.get(VolunteerProfile, user.id)
    return profile.id_number if profile is not None else None


def profiles_with_places(user_ids) -> dict[int, VolunteerProfile]:
    """User id → volunteer profile, for those of `user_ids` who have one, with their community,
    town and station loaded in the same query (who may see an ID number depends on that
    station)."""
    return {profile.user_id: profile for profile in db.session.scalars(
        select(VolunteerProfile).where(VolunteerProfile.user_id.in_(list(user_ids)))
        .options(joinedload(VolunteerProfile.community).joinedload(Community.town)
                 .joinedload(Town.station)))}


def profile_for(user) -> VolunteerProfile:
    """The user's volunteer profile, created empty on first use."""
    profile = home_of(user)
    if profile is None:
        profile = VolunteerProfile(user_id=user.id, skills=[], interest_groups=[],
                                   interest_themes=[], availability=[],
                                   monthly_limit=DEFAULT_MONTHLY_LIMIT)
        db.session.add(profile)
        db.session.flush()
    return profile


def linked_count(social_worker_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(VolunteerProfile).where(
        VolunteerProfile.linked_social_worker_id == social_worker_id))


def choose_social_worker(community: Community) -> User | None:
    """From the grid team covering `community`, the social worker with fewest linked volunteers."""
    team = grid_team_for(community)
    if team is None:
        return None
    workers = [post.user for post in team.posts if has_role(post.user, Role.SOCIAL_WORKER)
               and post.user.is_active]
    if not workers:
        return None
    return min(workers, key=lambda worker: (linked_count(worker.id), worker.id))


def update_profile(profile: VolunteerProfile, data: dict) -> VolunteerProfile:
    """Apply validated fields. Moving to another community re-links the volunteer."""
    data = dict(data)
    consent = data.pop("consent", None)
    moved = "community_id" in data and data["community_id"] != profile.community_id
    for field, value in data.items():
        setattr(profile, field, value)
    if consent is not None:
        profile.consent_at = (profile.consent_at or now()) if consent else None
    if profile.consent_at is None:
        # Without consent we keep only the basic record (名, 号, 证件): nothing optional.
        profile.skills, profile.skills_other = [], ""
        profile.interest_groups, profile.interest_themes, profile.availability = [], [], []
    if moved or (profile.community_id and profile.linked_social_worker_id is None):
        db.session.flush()
        db.session.refresh(profile, ["community"])
        worker = choose_social_worker(profile.community) if profile.community else None
        profile.linked_social_worker_id = worker.id if worker else None
    db.session.flush()
    return profile


def relink(profile: VolunteerProfile, social_worker: User, *, by: User, reason: str = ""
           ) -> VolunteerProfile:
    """Staff change a volunteer's responsible social worker."""
    station = profile.community.station if profile.community else None
    if not can_manage_station(by, station.id if station else None):
        raise PermissionDenied(_("Only staff of the volunteer's station can change the link."))
    worker_post = db.session.get(StaffPost, social_worker.id)
    if not has_role(social_worker, Role.SOCIAL_WORKER) or worker_post is None \
            or (station is not None and worker_post.station_id != station.id):
        raise InvalidInput(fields={"social_worker_id": [
            _("Choose a social worker of the volunteer's station.")]})
    old = profile.linked_social_worker_id
    profile.linked_social_worker_id = social_worker.id
    audit.record("volunteer.relink", f"user:{profile.user_id}", actor=by, reason=reason or None,
                 old=old, new=social_worker.id)
    db.session.flush()
    return profile


def linked_volunteers(social_worker: User) -> list[VolunteerProfile]:
    return list(db.session.scalars(
        select(VolunteerProfile).where(VolunteerProfile.linked_social_worker_id == social_worker.id)
        .join(User, User.id == VolunteerProfile.user_id).order_by(User.name)))


def teams_led_by(social_worker: User) -> list[VolunteerTeam]:
    return list(db.session.scalars(select(VolunteerTeam).where(
        VolunteerTeam.leader_id == social_worker.id)
        .options(selectinload(VolunteerTeam.members)).order_by(VolunteerTeam.name)))


#: The most volunteers one search of a station's volunteers shows.
SEARCH_LIMIT = 200


def search_station_volunteers(station, *, by: User, words: str | None = None,
                              skill: str | None = None, community_id: int | None = None
                              ) -> list[VolunteerProfile]:
    """The station's volunteers (those whose home community is in its town) whose name or phone
    contains each of `words`, with `skill` (a skill code, or words of the skills they wrote in),
    of `community_id`; by name, at most `SEARCH_LIMIT`. Staff of the station only."""
    if not can_manage_station(by, station.id):
        raise PermissionDenied(_("Only staff of this station can do this."))
    statement = (select(VolunteerProfile).join(User, User.id == VolunteerProfile.user_id)
                 .join(Community, Community.id == VolunteerProfile.community_id)
                 .where(Community.town_id == station.town_id))
    for word in (words or "").split():
        statement = statement.where(or_(User.name.contains(word, autoescape=True),
                                        User.phone.contains(word, autoescape=True)))
    if skill:
        statement = statement.where(or_(
            cast(VolunteerProfile.skills, String).contains(f'"{skill}"', autoescape=True),
            VolunteerProfile.skills_other.contains(str(SKILLS.get(skill, skill)),
                                                   autoescape=True)))
    if community_id is not None:
        statement = statement.where(VolunteerProfile.community_id == community_id)
    return list(db.session.scalars(statement.order_by(User.name, User.id).limit(SEARCH_LIMIT)))


def linked_volunteer_rows(social_worker: User, year: int, month: int) -> list[dict]:
    """The social worker's linked volunteers with hours this month, last activity, attendance."""
    return volunteer_rows(linked_volunteers(social_worker), year, month)


def volunteer_rows(profiles: list[VolunteerProfile], year: int, month: int) -> list[dict]:
    """Each volunteer with their hours in the month, last activity and attendance."""
    from volunteers.activities.services import Activity, SignUp, month_bounds

    ids = [profile.user_id for profile in profiles]
    start, end = month_bounds(year, month)
    minutes = ledger_queries.earned_by_owner(ids, start, end)
    last = dict(db.session.execute(
        select(SignUp.user_id, func.max(Activity.starts_at)).join(SignUp.activity)
        .where(SignUp.user_id.in_(ids), SignUp.status == "confirmed", Activity.ends_at <= now())
        .group_by(SignUp.user_id)).all())
    attended = {}
    for user_id, attendance, count in db.session.execute(
            select(SignUp.user_id, SignUp.attendance, func.count(SignUp.id))
            .where(SignUp.user_id.in_(ids), SignUp.attendance.is_not(None))
            .group_by(SignUp.user_id, SignUp.attendance)):
        attended.setdefault(user_id, {})[attendance] = count
    rows = []
    for profile in profiles:
        counts = attended.get(profile.user_id, {})
        marked = counts.get("attended", 0) + counts.get("no_show", 0)
        rows.append({
            "profile": profile,
            "minutes_this_month": minutes.get(profile.user_id, 0),
            "last_activity_at": last.get(profile.user_id),
            "attendance_rate": counts.get("attended", 0) / marked if marked else None,
        })
    return rows


# --- registration: a new resident's home community ----------------------------------------------
# `timebank` registers the user and sends `user_registered`; the profile is ours
# (`volunteers.profiles.init_app` connects this). It runs inside the registering request's
# transaction, so refusing here (422) leaves no user behind.

def file_home_community(user, community_id=None, **extra):
    """Give a newly registered resident a profile in `community_id`, linking a social worker."""
    if community_id is None:
        return
    community = referenced(org.get_community, community_id)
    update_profile(profile_for(user), {"community_id": community.id})


def hand_over_volunteers(social_worker: User, *, to: User, by: User | None = None, **_ignored
                         ) -> dict:
    """Receiver of `timebank.signals.staff_handed_over`: the worker's linked volunteers (and the
    volunteer teams they lead) go to the colleague `to`. Returns the counts moved."""
    profiles = list(db.session.scalars(select(VolunteerProfile).where(
        VolunteerProfile.linked_social_worker_id == social_worker.id)))
    for profile in profiles:
        profile.linked_social_worker_id = to.id
    teams = teams_led_by(social_worker)
    for team in teams:
        team.leader_id = to.id
    db.session.flush()
    return {"volunteers": len(profiles), "teams": len(teams)}
