"""Activities posted by social workers under the month's theme, and volunteers' sign-ups.

Rules kept here:

* Only staff of an activity's station create or change it (district administrators: any).
* A sign-up is ``confirmed`` while places are left, otherwise ``waitlisted``; an ``invited``
  sign-up (from matching) holds a place until the volunteer answers.
* A volunteer cannot hold two sign-ups whose activities overlap in time.
* A volunteer below the activity's minimum age (or of unknown age when it has one), a child
  under 14 not registered by the station, or a minor without a guardian's consent cannot sign
  up (`profiles.require_may_sign_up`, 409); nor one without the activity's required
  qualification held on its date, unless waived (`training.require_qualification`, 409).
* A risky activity is published only with an insurance policy number; each sign-up records the
  policy covering the volunteer (`record_cover`).
* When a confirmed volunteer cancels, the first on the waitlist is promoted.
* The slot limit holds under concurrent sign-ups: the activity row is locked first
  (PostgreSQL ``SELECT ... FOR UPDATE``; SQLite writes under ``BEGIN IMMEDIATE``), then the
  volunteer's row, always in that order.
"""


from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import joinedload

from timebank.accounts.models import User
from timebank.audit import services as audit
from timebank.clock import day_start, local, month_bounds, now, zone
from timebank.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from timebank.extensions import db
from timebank.notifications.models import Notification
from timebank.notifications.services import notify
from timebank.org.models import Community, Station
from timebank.org.services import can_manage_station, require_station_staff
from volunteers.activities.models import (  # noqa: F401 (the models, for callers of this module)
    HOLDING,
    STATUS_LABELS,
    TAKING_A_PLACE,
    Activity,
    ActivityKind,
    ActivityStatus,
    CreditMode,
    SignUp,
    SignUpStatus,
)
from volunteers.matching.scoring import Opening, day_slots
from volunteers.profiles import services as profiles
from volunteers.teams.models import TeamSignUp, TeamSignUpStatus
from volunteers.themes.models import Theme
from volunteers.training import services as training
from volunteers.vocabulary import SERVICE_CATEGORIES, SKILLS, TARGET_GROUPS

# --- activities -------------------------------------------------------------------------------

def get_activity(activity_id: int) -> Activity:
    activity = db.session.get(Activity, activity_id)
    if activity is None:
        raise NotFound(_("There is no such activity."), code="activity_not_found")
    return activity


def station_activity(staff, activity_id: int) -> Activity:
    """An activity for its station's staff to manage: 404 if there is none, 403 for anyone
    else (district administrators manage every station's)."""
    activity = get_activity(activity_id)
    require_station_staff(staff, activity.station_id)
    return activity


def visible_activity(viewer, activity_id: int) -> Activity:
    """An activity `viewer` may see: anything but a draft, which only its station's staff see;
    for anyone else a draft is not found, as if it did not exist (404)."""
    activity = get_activity(activity_id)
    if activity.status == ActivityStatus.DRAFT or activity.kind == ActivityKind.VISIT:
        # Drafts and the service records of visits (a household's name) are the station's.
        if not can_manage_station(viewer, activity.station_id):
            raise NotFound(_("There is no such activity."), code="activity_not_found")
    return activity


def _check(activity: Activity) -> None:
    problems = {}
    if activity.ends_at <= activity.starts_at:
        problems["ends_at"] = [_("The end must be after the start.")]
    if activity.slots < 1:
        problems["slots"] = [_("An activity needs at least one place.")]
    if activity.target_group not in TARGET_GROUPS:
        problems["target_group"] = [_("Choose a target group from the list.")]
    if activity.service_category is not None \
            and activity.service_category not in SERVICE_CATEGORIES:
        problems["service_category"] = [_("Choose a service category from the list.")]
    if activity.people_served is not None and activity.people_served < 0:
        problems["people_served"] = [_("Enter a whole number of people, 0 or more.")]
    unknown = [skill for skill in activity.required_skills if skill not in SKILLS]
    if unknown:
        problems["required_skills"] = [_("Unknown skills: %(skills)s", skills=", ".join(unknown))]
    if activity.credit_mode == CreditMode.FIXED and not activity.fixed_minutes:
        problems["fixed_minutes"] = [_("Say how many minutes each attendance earns.")]
    if activity.community is not None and activity.community.station is not None \
            and activity.community.station.id != activity.station_id:
        problems["community_id"] = [_("This community belongs to another station.")]
    if activity.theme is not None and activity.theme.station_id not in (None, activity.station_id):
        problems["theme_id"] = [_("This theme belongs to another station.")]
    elif activity.theme is not None and activity.starts_at is not None:
        starts = local(activity.starts_at)
        if (starts.year, starts.month) != (activity.theme.year, activity.theme.month):
            problems["theme_id"] = [_("Choose a theme of the month the activity takes place in.")]
    if activity.min_age is not None and not 0 <= activity.min_age <= 100:
        problems["min_age"] = [_("Enter an age from 0 to 100.")]
    if activity.risky and activity.status == ActivityStatus.PUBLISHED \
            and not (activity.insurance_reference or "").strip():
        problems["insurance_reference"] = [_(
            "A risky activity is published only with an insurance policy number.")]
    if problems:
        raise InvalidInput(fields=problems)


EDITABLE = ("title", "description", "theme_id", "community_id", "place", "target_group",
            "starts_at", "ends_at", "slots", "required_skills", "credit_mode", "fixed_minutes",
            "allow_walk_ins", "status", "service_category", "service_content", "people_served",
            "person_in_charge", "min_age", "risky", "insurance_reference",
            "required_qualification_id")


def _check_qualification(data: dict) -> None:
    """A required qualification named must be one of the district's (422 before anything is
    written, so an unknown id never reaches the database)."""
    if data.get("required_qualification_id") is not None:
        training.get_qualification(data["required_qualification_id"],
                                   field="required_qualification_id")

#: The service category of an activity created without one (API clients older than the field).
DEFAULT_SERVICE_CATEGORY = "community"


def create_activity(by: User, station: Station, data: dict) -> Activity:
    require_station_staff(by, station.id)
    _check_qualification(data)
    activity = Activity(station_id=station.id, created_by_id=by.id,
                        status=data.get("status", ActivityStatus.DRAFT),
                        required_skills=[], description="", place="", allow_walk_ins=False,
                        credit_mode=CreditMode.SCANNED, service_category=DEFAULT_SERVICE_CATEGORY,
                        service_content="", person_in_charge="", risky=False,
                        insurance_reference="")
    for field in EDITABLE:
        if field in data:
            setattr(activity, field, data[field])
    # The person in charge is the social worker who creates it unless someone else is named.
    activity.person_in_charge = (activity.person_in_charge or "").strip() or by.name[:40]
    db.session.add(activity)
    db.session.flush()
    db.session.refresh(activity, ["community", "theme"])
    _check(activity)
    audit.record("activity.create", f"activity:{activity.id}", actor=by, title=activity.title)
    return activity


def update_activity(activity: Activity, by: User, changes: dict) -> Activity:
    """Edit an activity; more places promote waitlisted volunteers, cancelling cancels sign-ups."""
    require_station_staff(by, activity.station_id)
    _check_qualification(changes)
    activity = _lock_activity(activity.id)
    was_cancelled = activity.status == ActivityStatus.CANCELLED
    before = _time_and_place(activity)
    for field in EDITABLE:
        if field in changes:
            setattr(activity, field, changes[field])
    db.session.flush()
    db.session.refresh(activity, ["community", "theme"])
    _check(activity)
    if activity.status == ActivityStatus.CANCELLED:
        told = live_sign_ups(activity)
        for sign_up in told:
            sign_up.status = SignUpStatus.CANCELLED
        if not was_cancelled:
            _tell_cancelled(activity, told, before[0])
    else:
        if _time_and_place(activity) != before:
            _tell_changed(activity, live_sign_ups(activity), before[0])
        _promote(activity)
    audit.record("activity.update", f"activity:{activity.id}", actor=by,
                 fields=sorted(set(changes) & set(EDITABLE)))
    db.session.flush()
    return activity


def _time_and_place(activity: Activity) -> tuple:
    """What volunteers who signed up must hear about when it changes."""
    return (activity.starts_at, activity.ends_at, activity.community_id, activity.place or "")


def _notice_params(activity: Activity) -> dict:
    return {"title": activity.title, "when": local(activity.starts_at).strftime("%m-%d %H:%M"),
            "place": activity.place or activity.community.name}


def _tell_changed(activity: Activity, sign_ups: list[SignUp], was_starting) -> None:
    """Everyone signed up or waiting hears the new time and place; each change is a notice of
    its own (the key counts the changes the volunteer was told of), and saving the same values
    again is no change at all. The activity's row is locked, so two edits count in turn."""
    params = _notice_params(activity)
    for entry in sign_ups:
        prefix = f"activity_changed:{activity.id}:{entry.user_id}:"
        told = db.session.scalar(select(func.count(Notification.id)).where(
            Notification.key.startswith(prefix, autoescape=True)))
        notify(entry.user_id, f"{prefix}{told + 1}",
               _("Changed: %(title)s", title=activity.title),
               _("Now %(when)s at %(place)s.", when=params["when"], place=params["place"]),
               link=f"/volunteer/activities/{activity.id}", params=params,
               about=min(activity.starts_at, was_starting))


def _tell_cancelled(activity: Activity, sign_ups: list[SignUp], was_starting) -> None:
    params = _notice_params(activity)
    for entry in sign_ups:
        notify(entry.user_id, f"activity_cancelled:{activity.id}:{entry.user_id}",
               _("Cancelled: %(title)s", title=activity.title),
               _("The activity of %(when)s is cancelled. Sorry for the trouble.",
                 when=params["when"]),
               link=f"/volunteer/activities/{activity.id}", params=params,
               about=min(activity.starts_at, was_starting))


def hand_over_activities(social_worker: User, to: User, *, also=()) -> list[Activity]:
    """The worker's open activities (draft or published, not over yet; and those of `also`,
    ids of activities whose check-ins still wait for approval) now belong to `to`, who
    organises them from here on. Closed, cancelled and settled past ones keep their organiser:
    they are the record of who organised them."""
    moved = list(db.session.scalars(select(Activity).where(
        Activity.created_by_id == social_worker.id,
        Activity.status.in_((ActivityStatus.DRAFT, ActivityStatus.PUBLISHED)),
        or_(Activity.ends_at > now(), Activity.id.in_(list(also)))).order_by(Activity.id)))
    for activity in moved:
        activity.created_by_id = to.id
    db.session.flush()
    return moved


def activities_by_start(activity_ids) -> list[Activity]:
    """The activities of `activity_ids`, in one query, by start."""
    return list(db.session.scalars(select(Activity).where(Activity.id.in_(list(activity_ids)))
                                   .order_by(Activity.starts_at, Activity.id)))


def places_taken(activity_ids) -> dict[int, int]:
    """Activity id → places taken, in one query: sign-ups taking a place (confirmed or
    invited), plus, for each live team sign-up, the places of its party not named yet
    (party size less its named members taking a place, never below 0)."""
    ids = list(activity_ids)
    named = (select(func.count(SignUp.id)).where(SignUp.team_sign_up_id == TeamSignUp.id,
                                                 SignUp.status.in_(TAKING_A_PLACE))
             .correlate(TeamSignUp).scalar_subquery())
    unnamed = case((TeamSignUp.party_size > named, TeamSignUp.party_size - named), else_=0)
    places = union_all(
        select(SignUp.activity_id.label("activity_id"), literal(1).label("places"))
        .where(SignUp.activity_id.in_(ids), SignUp.status.in_(TAKING_A_PLACE)),
        select(TeamSignUp.activity_id.label("activity_id"), unnamed.label("places"))
        .where(TeamSignUp.activity_id.in_(ids), TeamSignUp.status == TeamSignUpStatus.LIVE),
    ).subquery()
    rows = db.session.execute(select(places.c.activity_id, func.sum(places.c.places))
                              .group_by(places.c.activity_id))
    return {activity_id: int(taken) for activity_id, taken in rows.all() if taken}


def slots_left(activity: Activity) -> int:
    return max(activity.slots - places_taken([activity.id]).get(activity.id, 0), 0)



def browse(*, year: int, month: int, station_id: int | None = None, theme_id: int | None = None,
           community_first: int | None = None, include_drafts: bool = False,
           community_id: int | None = None, day: date | None = None, coming_only: bool = False,
           limit: int | None = None) -> list[Activity]:
    """A month's activities (only those of `community_id`, or starting on `day`, when given;
    only those not over yet with `coming_only`; the first `limit`), the volunteer's own
    community first, then by start."""
    start, end = month_bounds(year, month)
    statement = select(Activity).where(Activity.starts_at >= start, Activity.starts_at < end,
                                       Activity.kind == ActivityKind.EVENT)
    if community_id is not None:
        statement = statement.where(Activity.community_id == community_id)
    if day is not None:
        statement = statement.where(Activity.starts_at >= day_start(day),
                                    Activity.starts_at < day_start(day + timedelta(days=1)))
    if not include_drafts:
        statement = statement.where(Activity.status.in_((ActivityStatus.PUBLISHED,
                                                         ActivityStatus.CLOSED)))
    if station_id is not None:
        statement = statement.where(Activity.station_id == station_id)
    if theme_id is not None:
        statement = statement.where(Activity.theme_id == theme_id)
    if coming_only:  # as `Activity.has_ended` says
        statement = statement.where(Activity.ends_at > now())
    ordering = [Activity.starts_at, Activity.id]
    if community_first is not None:
        ordering.insert(0, (Activity.community_id != community_first))
    return list(db.session.scalars(statement.order_by(*ordering).limit(limit)))


def of_station(station_id: int, activity_ids) -> list[Activity]:
    """Those of `activity_ids` that are the station's activities, by start."""
    return list(db.session.scalars(select(Activity).where(
        Activity.station_id == station_id, Activity.id.in_(list(activity_ids)))
        .order_by(Activity.starts_at, Activity.id)))


#: The most activities one search of the station's list shows.
SEARCH_LIMIT = 200


def station_activities(station_id: int, *, by: User, months=(), title: str | None = None,
                       theme_id: int | None = None, status: str | None = None,
                       organiser_id: int | None = None) -> list[Activity]:
    """The station's activities (drafts too) for its staff: those starting in any of `months`
    ((year, month) pairs), or, with no months and a `title` to look for, of any month, newest
    first (at most `SEARCH_LIMIT`); narrowed by words of the title, theme, status and who
    created it."""
    require_station_staff(by, station_id)
    statement = select(Activity).where(Activity.station_id == station_id,
                                       Activity.kind == ActivityKind.EVENT)
    if months:
        bounds = [month_bounds(year, month) for year, month in months]
        statement = statement.where(or_(*(
            and_(Activity.starts_at >= start, Activity.starts_at < end) for start, end in bounds)))
    if title:
        for word in title.split():
            statement = statement.where(Activity.title.contains(word, autoescape=True))
    if theme_id is not None:
        statement = statement.where(Activity.theme_id == theme_id)
    if status:
        statement = statement.where(Activity.status == status)
    if organiser_id is not None:
        statement = statement.where(Activity.created_by_id == organiser_id)
    order = (Activity.starts_at, Activity.id) if months else (Activity.starts_at.desc(),
                                                              Activity.id.desc())
    return list(db.session.scalars(statement.order_by(*order).limit(SEARCH_LIMIT)))


# --- sign-ups ---------------------------------------------------------------------------------

def _lock_activity(activity_id: int) -> Activity:
    statement = select(Activity).where(Activity.id == activity_id).with_for_update(of=Activity) \
        .execution_options(populate_existing=True)
    activity = db.session.scalar(statement)
    if activity is None:
        raise NotFound(_("There is no such activity."), code="activity_not_found")
    return activity


def _lock_volunteer(user_id: int) -> None:
    """Serialise one volunteer's sign-ups, so two overlapping ones cannot both slip through."""
    db.session.execute(select(User.id).where(User.id == user_id).with_for_update())


def live_sign_up(activity: Activity, user: User) -> SignUp | None:
    return db.session.scalar(select(SignUp).where(
        SignUp.activity_id == activity.id, SignUp.user_id == user.id,
        SignUp.status != SignUpStatus.CANCELLED))


def live_sign_ups(activity: Activity) -> list[SignUp]:
    return list(db.session.scalars(select(SignUp).where(
        SignUp.activity_id == activity.id, SignUp.status != SignUpStatus.CANCELLED)
        .order_by(SignUp.id)))


def overlapping_sign_up(user: User, starts_at, ends_at, *, exclude_activity: int | None = None
                        ) -> SignUp | None:
    """A live sign-up of `user` for an activity overlapping [starts_at, ends_at)."""
    statement = (select(SignUp).join(SignUp.activity)
                 .where(SignUp.user_id == user.id, SignUp.status.in_(HOLDING),
                        Activity.status != ActivityStatus.CANCELLED,
                        Activity.starts_at < ends_at, Activity.ends_at > starts_at))
    if exclude_activity is not None:
        statement = statement.where(SignUp.activity_id != exclude_activity)
    return db.session.scalar(statement.order_by(Activity.starts_at).limit(1))


def sign_up(activity: Activity, user: User, *, status: SignUpStatus | None = None,
            team_sign_up_id: int | None = None) -> SignUp:
    """Sign `user` up: confirmed if a place is left, else waitlisted. Repeating is harmless.

    `status` ``invited`` is for matching, which offers a place the volunteer then accepts.
    `team_sign_up_id`: the volunteer is named in that team sign-up (`volunteers.teams`), whose
    party already reserves their place (the caller passes ``confirmed``).
    """
    activity = _lock_activity(activity.id)
    _lock_volunteer(user.id)
    existing = live_sign_up(activity, user)
    if existing is not None:
        return existing
    if not activity.open_for_sign_up:
        raise Conflict(_("This activity is not open for sign-up."), code="not_open")
    require_may_take_part(activity, user)
    clash = overlapping_sign_up(user, activity.starts_at, activity.ends_at)
    if clash is not None:
        raise Conflict(
            _("You are already signed up for “%(title)s” at %(when)s, which overlaps this one.",
              title=clash.activity.title, when=local(clash.activity.starts_at)
              .strftime("%Y-%m-%d %H:%M")),
            code="overlapping")
    full = places_taken([activity.id]).get(activity.id, 0) >= activity.slots
    chosen = status or (SignUpStatus.WAITLISTED if full else SignUpStatus.CONFIRMED)
    if chosen == SignUpStatus.INVITED and full:
        raise Conflict(_("This activity is full."), code="full")
    entry = SignUp(activity_id=activity.id, user_id=user.id, status=chosen,
                   team_sign_up_id=team_sign_up_id)
    record_cover(activity, entry)
    db.session.add(entry)
    db.session.flush()
    audit.record("signup.create", f"signup:{entry.id}", actor=user, status=chosen,
                 activity_id=activity.id)
    if chosen == SignUpStatus.CONFIRMED:
        params = _notice_params(activity)
        notify(user.id, f"signup_confirmed:{entry.id}",
               _("Signed up: %(title)s", title=activity.title),
               _("%(when)s at %(place)s. See you there!", when=params["when"],
                 place=params["place"]),
               link=f"/volunteer/activities/{activity.id}", params=params)
    return entry


def require_may_take_part(activity: Activity, user: User) -> None:
    """409 unless `user` may take part in `activity` (age, minimum age, guardian's consent, a
    required qualification held or waived) on its local date: for sign-ups, matching's
    invitations and walk-in check-ins alike."""
    profiles.require_may_sign_up(user, local(activity.starts_at).date(),
                                 min_age=activity.min_age)
    training.require_qualification(activity, user)


def record_cover(activity: Activity, entry: SignUp) -> None:
    """On a risky activity, the insurance policy covering the volunteer, as it is now (once)."""
    if activity.risky and entry.insured_at is None and (activity.insurance_reference or "").strip():
        entry.insurance_reference = activity.insurance_reference.strip()
        entry.insured_at = now()


def _promote(activity: Activity) -> list[SignUp]:
    """Fill free places from the waiting list, first come first served."""
    promoted = []
    free = activity.slots - places_taken([activity.id]).get(activity.id, 0)
    waiting = db.session.scalars(select(SignUp).where(
        SignUp.activity_id == activity.id, SignUp.status == SignUpStatus.WAITLISTED)
        .order_by(SignUp.id).limit(max(free, 0))) if free > 0 else []
    for entry in waiting:
        entry.status = SignUpStatus.CONFIRMED
        audit.record("signup.promote", f"signup:{entry.id}", actor=None, activity_id=activity.id)
        params = _notice_params(activity)
        notify(entry.user_id, f"signup_promoted:{entry.id}",
               _("You have a place: %(title)s", title=activity.title),
               _("A place came free and your sign-up is confirmed: %(when)s at %(place)s.",
                 when=params["when"], place=params["place"]),
               link=f"/volunteer/activities/{activity.id}", params=params)
        promoted.append(entry)
    db.session.flush()
    return promoted


def fill_free_places(activity: Activity) -> list[SignUp]:
    """Give places that came free (a team's, say) to the waiting list, first come first served;
    the caller holds the activity's lock (`lock_activity`)."""
    return _promote(activity)


def lock_activity(activity_id: int) -> Activity:
    """The activity, locked as a sign-up locks it: for features that take places (teams)."""
    return _lock_activity(activity_id)


def get_sign_up(sign_up_id: int) -> SignUp:
    entry = db.session.get(SignUp, sign_up_id)
    if entry is None:
        raise NotFound(_("There is no such sign-up."), code="signup_not_found")
    return entry


def station_sign_up(staff, sign_up_id: int) -> SignUp:
    """A sign-up for the staff of its activity's station: 404 if there is none, 403 else."""
    entry = get_sign_up(sign_up_id)
    require_station_staff(staff, entry.activity.station_id)
    return entry


def own_sign_up(volunteer: User, sign_up_id: int) -> SignUp:
    """One of the volunteer's own sign-ups; anybody else's is not found (404) for them."""
    entry = get_sign_up(sign_up_id)
    if entry.user_id != volunteer.id:
        raise NotFound(_("There is no such sign-up."), code="signup_not_found")
    return entry


def live_sign_ups_of(user: User, activity_ids) -> dict[int, SignUp]:
    """Activity id → the user's live sign-up, for the activities listed."""
    return {entry.activity_id: entry for entry in db.session.scalars(select(SignUp).where(
        SignUp.user_id == user.id, SignUp.activity_id.in_(list(activity_ids)),
        SignUp.status != SignUpStatus.CANCELLED))}


def waiting_count(activity: Activity) -> int:
    """How many are on the activity's waiting list."""
    return db.session.scalar(select(func.count(SignUp.id)).where(
        SignUp.activity_id == activity.id, SignUp.status == SignUpStatus.WAITLISTED))


def waitlist_position(entry: SignUp) -> int:
    """Where a waitlisted sign-up stands on its activity's waiting list (1 is next)."""
    return db.session.scalar(select(func.count(SignUp.id)).where(
        SignUp.activity_id == entry.activity_id, SignUp.status == SignUpStatus.WAITLISTED,
        SignUp.id <= entry.id))


def can_change_sign_up(user, entry: SignUp) -> bool:
    return entry.user_id == user.id or can_manage_station(user, entry.activity.station_id)


def cancel_sign_up(entry: SignUp, *, by: User) -> SignUp:
    """Cancel a sign-up (the volunteer, or staff of the station); promote the first waiting."""
    if not can_change_sign_up(by, entry):
        raise PermissionDenied(_("You can only cancel your own sign-ups."))
    activity = _lock_activity(entry.activity_id)
    db.session.refresh(entry)
    if entry.status == SignUpStatus.CANCELLED:
        return entry
    entry.status = SignUpStatus.CANCELLED
    db.session.flush()
    audit.record("signup.cancel", f"signup:{entry.id}", actor=by, activity_id=activity.id)
    _promote(activity)
    return entry


def require_open_invitation(entry: SignUp, by: User) -> None:
    """`Conflict` unless `entry` invites `by` and waits for their answer (matching's
    `accept_invitation` and `decline_invitation` both ask this first)."""
    if entry.user_id != by.id or not entry.is_invitation:
        raise Conflict(_("There is no open invitation."), code="no_invitation")


def mark_attendance(entry: SignUp, attendance: str | None, *, by: User) -> SignUp:
    """Staff record whether a confirmed volunteer came (check-in will do this by itself)."""
    require_station_staff(by, entry.activity.station_id)
    if attendance not in (None, "attended", "no_show"):
        raise InvalidInput(fields={"attendance": [_("Choose attended or no-show.")]})
    entry.attendance = attendance
    audit.record("signup.attendance", f"signup:{entry.id}", actor=by, attendance=attendance)
    db.session.flush()
    return entry


def next_sign_ups(user: User, limit: int = 5) -> list[SignUp]:
    """The volunteer's coming activities (each with its community: the home page names it)."""
    return list(db.session.scalars(
        select(SignUp).join(SignUp.activity)
        .options(joinedload(SignUp.activity).joinedload(Activity.community))
        .where(SignUp.user_id == user.id, SignUp.status.in_(HOLDING), Activity.ends_at > now(),
               Activity.status != ActivityStatus.CANCELLED)
        .order_by(Activity.starts_at).limit(limit)))


# --- reminders ------------------------------------------------------------------------------------

def remind_tomorrow() -> int:
    """Remind volunteers of tomorrow's activities (once per sign-up, whenever the job runs)."""
    today = local(now())
    start = (today + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=1)
    sign_ups = db.session.scalars(
        select(SignUp).join(SignUp.activity)
        .where(SignUp.status == SignUpStatus.CONFIRMED, Activity.status == ActivityStatus.PUBLISHED,
               Activity.starts_at >= start, Activity.starts_at < end))
    sent = 0
    for entry in sign_ups:
        activity = entry.activity
        params = _notice_params(activity)
        if notify(entry.user_id, f"reminder:{entry.id}",
                  _("Tomorrow: %(title)s", title=activity.title),
                  _("%(when)s at %(place)s. Scan the QR code at the event to check in.",
                    when=params["when"], place=params["place"]),
                  link=f"/volunteer/activities/{activity.id}", params=params):
            sent += 1
    return sent


# --- what anyone may see -----------------------------------------------------------------------
# The public pages (``/activities``, ``/stations``) show published activities that are not over
# yet, without logging in, and nothing about the people: no volunteer's name, no phone but the
# station's. Drafts are not found; a cancelled or past activity's page still says what it was.

def _public(statement):
    return statement.where(Activity.status == ActivityStatus.PUBLISHED, Activity.ends_at > now(),
                           Activity.kind == ActivityKind.EVENT)


def public_activities_statement(*, station_id: int | None = None, town_id: int | None = None,
                                community_id: int | None = None, theme_id: int | None = None,
                                day_from: date | None = None, day_to: date | None = None):
    """Published activities not over yet, soonest first, filtered by station, town, community,
    theme and local days (`day_from` to `day_to`, both included)."""
    statement = _public(select(Activity))
    if station_id is not None:
        statement = statement.where(Activity.station_id == station_id)
    if town_id is not None:
        statement = statement.where(Activity.community_id.in_(
            select(Community.id).where(Community.town_id == town_id)))
    if community_id is not None:
        statement = statement.where(Activity.community_id == community_id)
    if theme_id is not None:
        statement = statement.where(Activity.theme_id == theme_id)
    if day_from is not None:
        statement = statement.where(Activity.starts_at >= day_start(day_from))
    if day_to is not None:
        statement = statement.where(Activity.starts_at < day_start(day_to + timedelta(days=1)))
    return statement.order_by(Activity.starts_at, Activity.id)


def public_themes() -> list[Theme]:
    """The themes of the activities anyone may browse now, to filter them by."""
    used = _public(select(Activity.theme_id)).where(Activity.theme_id.is_not(None))
    return list(db.session.scalars(select(Theme).where(Theme.id.in_(used))
                                   .order_by(Theme.year, Theme.month, Theme.station_id.is_not(None),
                                             Theme.id)))


def public_activity(activity_id: int) -> Activity:
    """An activity's public page: anything but a draft (404, as if it did not exist)."""
    activity = get_activity(activity_id)
    if activity.status == ActivityStatus.DRAFT or activity.kind == ActivityKind.VISIT:
        raise NotFound(_("There is no such activity."), code="activity_not_found")
    return activity


def fits(activity: Activity, profile) -> bool:
    """Whether `activity` fits the volunteer's skills and time: their weekly availability covers
    every part of the day it touches (as matching asks), and they have each skill it needs."""
    if profile is None:
        return False
    slots = day_slots(Opening(id=activity.id, starts_at=activity.starts_at,
                              ends_at=activity.ends_at, slots=activity.slots), zone())
    return slots <= set(profile.availability or ()) \
        and set(activity.required_skills or ()) <= set(profile.skills or ())
