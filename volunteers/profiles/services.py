"""Volunteer profiles and the social-worker–volunteer linkage (两工联动).

A volunteer's profile holds what the national rules call the basic record (name and phone are
on the user; ID number, gender, date of birth here) and, with consent, skills, interests and
weekly availability. Each volunteer has a responsible ("linked") social worker: assigned from
the grid team covering their home community, the one with the fewest linked volunteers, and
changeable by staff (audited).

Minors (未成年人): the ID number's birth date (digits 7–14) or the date of birth gives the age
(`age_on`); the two must agree. Under 18 a volunteer needs a guardian's name, phone,
relationship and consent before signing up (`require_may_sign_up`); under 14 only station staff
may register them (`register_child`), and a self-registered person who enters a birth date
under 14 is refused.
"""


from datetime import date

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from timebank.accounts import services as accounts
from timebank.accounts.models import User
from timebank.accounts.permissions import Role, has_role
from timebank.audit import services as audit
from timebank.clock import local, now
from timebank.consents import services as consents
from timebank.errors import Conflict, InvalidInput, PermissionDenied, referenced
from timebank.extensions import db
from timebank.ledger import queries as ledger_queries
from timebank.org import services as org
from timebank.org.models import Community, StaffPost, Town
from timebank.org.services import can_manage_station, grid_team_for
from timebank.privacy import services as privacy
from volunteers.matching.scoring import (  # noqa: F401 (one rule for ages, here and in matching)
    ADULT_AGE,
    SELF_REGISTRATION_AGE,
    years_on,
)
from volunteers.profiles.models import (  # noqa: F401 (the models, for callers of this module)
    DEFAULT_MONTHLY_LIMIT,
    VolunteerProfile,
)
from volunteers.teams.models import VolunteerTeam
from volunteers.vocabulary import SKILLS

ID_NUMBER_LENGTH = 18


#: How a guardian is related to the minor.
GUARDIAN_RELATIONSHIPS = {"father": _l("Father"), "mother": _l("Mother"),
                          "grandparent": _l("Grandparent"), "other": _l("Other guardian")}
#: How the guardian's consent was given.
CONSENT_METHODS = {"paper": _l("Signed on paper at the station"),
                   "declaration": _l("Declared by the guardian on this phone")}


# --- where a resident lives, for the core --------------------------------------------------------

def home_of(user) -> "VolunteerProfile | None":
    """The resident's home community and linked social worker, as the core's `org.home_of`
    asks for them (installed by `volunteers.init_app`)."""
    # No join to load `user` again (and its roles): the caller has it.
    return db.session.get(VolunteerProfile, user.id, options=[lazyload(VolunteerProfile.user)])


def home_with_place(user) -> "VolunteerProfile | None":
    """`home_of`, with its community, town, station and linked social worker in the same query
    (the volunteer's pages show them all). The profile's user is `user`, already loaded; the
    social worker's roles load only if something asks for them."""
    return db.session.get(VolunteerProfile, user.id, options=[
        lazyload(VolunteerProfile.user),
        joinedload(VolunteerProfile.community).joinedload(Community.town).joinedload(Town.station),
        joinedload(VolunteerProfile.linked_social_worker).lazyload(User.roles)])


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


# --- age -----------------------------------------------------------------------------------------

def birth_from_id(id_number: str | None) -> date | None:
    """The birth date in a resident ID number (digits 7–14, ``YYYYMMDD``), if it is a date."""
    if not id_number or len(id_number) != ID_NUMBER_LENGTH:
        return None
    try:
        return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def birth_date_of(profile: VolunteerProfile | None) -> date | None:
    if profile is None:
        return None
    return profile.birth_date or birth_from_id(profile.id_number)


def age_on(profile_or_user, day: date) -> int | None:
    """The volunteer's age on `day` (use an activity's local date), from the date of birth or
    the ID number; None when neither is known."""
    profile = profile_or_user if isinstance(profile_or_user, VolunteerProfile) \
        else home_of(profile_or_user)
    born = birth_date_of(profile)
    return None if born is None else years_on(born, day)


def today() -> date:
    return local(now()).date()


def check_birth(id_number: str | None, birth_date: date | None) -> None:
    """The ID number's birth date and the date of birth, when both are given, must agree."""
    if birth_date is not None and birth_date > today():
        raise InvalidInput(fields={"birth_date": [_("The date of birth cannot be in the future.")]})
    from_id = birth_from_id(id_number)
    if from_id is not None and birth_date is not None and from_id != birth_date:
        raise InvalidInput(fields={"birth_date": [_(
            "The date of birth does not match the one in the ID number (%(day)s).",
            day=from_id.isoformat())]})


def is_minor(profile: VolunteerProfile | None, day: date | None = None) -> bool:
    age = age_on(profile, day or today()) if profile is not None else None
    return age is not None and age < ADULT_AGE


def has_guardian_consent(profile: VolunteerProfile | None) -> bool:
    return profile is not None and profile.guardian_consent_at is not None \
        and bool(profile.guardian_name) and bool(profile.guardian_phone)


def require_may_sign_up(user, day: date, *, min_age: int | None = None) -> None:
    """`Conflict` (409) unless `user` may take part on `day` in an activity for `min_age` and
    over: old enough (an unknown age is refused when there is a minimum), a child under 14
    registered by station staff, and under 18 with the guardian's consent recorded."""
    profile = home_of(user)
    age = None if profile is None else age_on(profile, day)  # an account with no profile yet
    if min_age:
        if age is None:
            message = _("This activity is for volunteers aged %(age)s or over: please add your "
                        "date of birth or ID number to your profile first.", age=min_age)
            raise Conflict(message, code="age_unknown", fields={"min_age": [message]})
        if age < min_age:
            message = _("This activity is for volunteers aged %(age)s or over.", age=min_age)
            raise Conflict(message, code="below_minimum_age", fields={"min_age": [message]})
    if age is None or age >= ADULT_AGE:
        return
    if age < SELF_REGISTRATION_AGE and profile.registered_by_staff_id is None:
        raise Conflict(_("Children under 14 are registered by their volunteer station: please "
                         "ask the station to register you."), code="staff_registration_needed")
    if not has_guardian_consent(profile):
        raise Conflict(_("Volunteers under 18 need their guardian's consent before signing up: "
                         "please ask your guardian to fill in the guardian page."),
                       code="guardian_consent_needed", fields={"guardian_page": [guardian_page()]})


def guardian_page() -> str:
    try:
        return url_for("volunteer.guardian")
    except RuntimeError:  # outside a request (CLI, jobs)
        return "/volunteer/guardian"


# --- guardians --------------------------------------------------------------------------------

def station_of(profile: VolunteerProfile):
    return profile.community.station if profile.community else None


def record_guardian(profile: VolunteerProfile, data: dict, *, by: User) -> VolunteerProfile:
    """Record the guardian of a minor and their consent. The volunteer's own account records it
    as the guardian's declaration (``declaration`` must be ticked); staff of the volunteer's
    station record a consent signed on paper (audited), which also counts as the station's
    registration of a child under 14."""
    own = by.id == profile.user_id
    station = station_of(profile)
    if not own and not can_manage_station(by, station.id if station else None):
        raise PermissionDenied(_("Only staff of the volunteer's station can do this."))
    phone, problems = data["guardian_phone"], {}
    if phone == profile.user.phone:
        problems["guardian_phone"] = [_(
            "Enter the guardian's own phone number, not the volunteer's.")]
    if own and not data.get("declaration"):
        problems["declaration"] = [_("The guardian must tick the declaration to consent.")]
    if not own and not data.get("consent_on_paper"):
        problems["consent_on_paper"] = [_("Tick that the guardian signed the consent form.")]
    if problems:
        raise InvalidInput(fields=problems)
    profile.guardian_name = data["guardian_name"].strip()
    profile.guardian_phone = phone
    profile.guardian_relationship = data["guardian_relationship"]
    profile.guardian_consent_at = now()
    profile.guardian_consent_method = "declaration" if own else "paper"
    profile.guardian_consent_by_id = by.id
    if not own:
        # The station met the guardian: a child imported or entered otherwise counts as
        # registered by the station from now on.
        profile.registered_by_staff_id = profile.registered_by_staff_id or by.id
        audit.record("volunteer.guardian_consent", f"user:{profile.user_id}", actor=by,
                     method="paper")
    db.session.flush()
    return profile


def shown_guardian_phone(viewer, profile: VolunteerProfile) -> str:
    """The guardian's phone: whole to the volunteer, masked to everyone else (staff lists)."""
    phone = profile.guardian_phone or ""
    if viewer is not None and getattr(viewer, "id", None) == profile.user_id:
        return phone
    return accounts.mask_phone(phone) if phone else ""


def register_child(data: dict, *, by: User) -> VolunteerProfile:
    """Station staff register a child (or any minor) with the guardian's details and the
    consent signed on paper: a new account (claimable, no password) and its profile in a
    community of the staff member's station. Audited."""
    community = referenced(org.get_community, data["community_id"])
    station = community.station
    if not can_manage_station(by, station.id if station else None):
        raise PermissionDenied(_("Only staff of this station can do this."))
    check_birth(data.get("id_number"), data.get("birth_date"))
    born = data.get("birth_date") or birth_from_id(data.get("id_number"))
    if born is None:
        raise InvalidInput(fields={"birth_date": [_(
            "Enter the date of birth or the ID number.")]})
    if years_on(born, today()) >= ADULT_AGE:
        raise InvalidInput(fields={"birth_date": [_(
            "This form is for minors; adults register themselves.")]})
    if accounts.get_by_phone(data["phone"]) is not None:
        raise InvalidInput(fields={"phone": [_("This phone number is already registered.")]})
    if data["guardian_phone"] == data["phone"]:
        raise InvalidInput(fields={"guardian_phone": [_(
            "Enter the guardian's own phone number, not the volunteer's.")]})
    user_id = accounts.create_imported([(data["phone"], data["name"])])[data["phone"]]
    user = db.session.get(User, user_id)
    profile = profile_for(user)
    profile.registered_by_staff_id = by.id
    profile.id_number = data.get("id_number")
    profile.birth_date = data.get("birth_date")
    profile.gender = data.get("gender")
    update_profile(profile, {"community_id": community.id})
    record_guardian(profile, {**data, "consent_on_paper": True}, by=by)
    audit.record("volunteer.register_child", f"user:{user.id}", actor=by,
                 station_id=station.id)
    db.session.flush()
    return profile


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
    """Apply validated fields. Moving to another community re-links the volunteer. The ID
    number and date of birth must agree; one who registered themselves cannot enter a birth
    date under 14 (the station registers children)."""
    data = dict(data)
    if "id_number" in data or "birth_date" in data:
        id_number = data.get("id_number", profile.id_number)
        birth_date = data.get("birth_date", profile.birth_date)
        check_birth(id_number, birth_date)
        born = birth_date or birth_from_id(id_number)
        if born is not None and profile.registered_by_staff_id is None \
                and years_on(born, today()) < SELF_REGISTRATION_AGE:
            field = "birth_date" if data.get("birth_date") else "id_number"
            raise InvalidInput(fields={field: [_(
                "Children under 14 are registered by their volunteer station: please ask the "
                "station to register you.")]})
    consent = data.pop("consent", None)
    moved = "community_id" in data and data["community_id"] != profile.community_id
    for field, value in data.items():
        setattr(profile, field, value)
    if consent is not None:
        # The consent is a record of the core's (`timebank.consents`); its signals keep
        # `consent_at` in step (`consent_changed`), which matching reads.
        user = profile.user or db.session.get(User, profile.user_id)
        if consent:
            consents.give(user, consents.SKILLS)
        else:
            consents.withdraw(user, consents.SKILLS)
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


def consent_changed(user, purpose: str, given: bool) -> None:
    """Keep the profile in step with the consent record of ``skills_availability``: given,
    `consent_at` is set; withdrawn, it is cleared with the skills, interests and availability,
    so matching (which reads `consent_at`) no longer uses them."""
    if purpose != consents.SKILLS:
        return
    profile = db.session.get(VolunteerProfile, user.id)
    if profile is None:
        return
    if given:
        profile.consent_at = profile.consent_at or now()
    else:
        profile.consent_at = None
        profile.skills, profile.skills_other = [], ""
        profile.interest_groups, profile.interest_themes, profile.availability = [], [], []
    db.session.flush()


def on_consent_given(user, purpose: str) -> None:
    consent_changed(user, purpose, True)


def on_consent_withdrawn(user, purpose: str) -> None:
    consent_changed(user, purpose, False)
