"""Ratings: the rules.

* **Who rates what** (`rate_activity`, `rate_help`): after an activity has ended, each volunteer
  who checked in (a check-in not rejected) rates it as ``volunteer``; the residents served are
  not recorded per activity, so staff show them the activity's rating link (a signed token of
  the activity id, `rating_token`, shown as a QR code at the end) and a logged-in resident who
  opens it rates as ``resident_served``, naming a volunteer who served if they like. After a
  mutual-aid help is done (status done, or settled by a social worker) the requester rates the
  helper (``resident_served``, the helper is the volunteer rated) and the helper rates the help
  (``volunteer``).
* **On someone's behalf** (`enter_on_behalf`): a social worker of the activity's station enters
  the rating an elderly resident gave by phone, naming the resident (``on_behalf_of``); it is
  marked 代录 wherever shown and audited.
* **Refusals**: anyone else 403; before the activity ended, a cancelled or draft activity, or a
  help not done 409; a score outside 1–5 or a comment over 500 characters 422.
* **Once**: one rating per rater and subject. A second one is refused with 409
  (``already_rated``), naming the first; a rating is not changed afterwards, so an average
  never moves under a staff member's eyes. Ratings entered on behalf (no rater account) are
  not limited: each call is another resident.
* **Averages** (`averages`): per activity, theme, station or volunteer, with the count beside
  each; the exact average (a `Decimal`) is kept, rounded to one decimal only for display
  (`average_text`). The staff pages, the API and the dashboards all call `averages`.
* **Who sees ratings**: staff of the station (district administrators every station); the
  person who rated sees their own rating only as "rated".

Services flush and never commit.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from timebank.accounts.models import User
from timebank.accounts.permissions import Role, has_role
from timebank.audit import services as audit
from timebank.errors import Conflict, InvalidInput, PermissionDenied
from timebank.exchange.mutual_aid import services as mutual_aid
from timebank.exchange.mutual_aid.models import HelpRequest, RequestStatus
from timebank.extensions import db
from timebank.org import services as org
from timebank.org.models import Station
from volunteers.activities import services as activities
from volunteers.activities.models import Activity, ActivityStatus
from volunteers.checkins.models import CheckIn, CheckInStatus
from volunteers.ratings.models import (
    COMMENT_MAX,
    ON_BEHALF_MAX,
    SCORE_MAX,
    SCORE_MIN,
    RaterPart,
    Rating,
)
from volunteers.themes.models import Theme

#: Help requests that may be rated: both confirmed, or settled by a social worker.
RATEABLE_HELP = (RequestStatus.DONE, RequestStatus.SETTLED)
#: What averages are grouped by.
GROUPS = ("activity", "theme", "station", "volunteer")


class AlreadyRated(Conflict):
    code = "already_rated"


class NotYet(Conflict):
    code = "not_rateable_yet"


# --- the resident rating link -------------------------------------------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="rating-link")


def rating_token(activity: Activity) -> str:
    """The signed token of `activity`'s resident rating link (it does not expire: a resident
    may rate the day after)."""
    return _serializer().dumps({"a": activity.id})


def token_is_for(token: str | None, activity: Activity) -> bool:
    if not token:
        return False
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return False
    return isinstance(data, dict) and data.get("a") == activity.id


# --- checks -------------------------------------------------------------------------------------

def _check_input(score, comment: str | None) -> str | None:
    if not isinstance(score, int) or isinstance(score, bool) or not SCORE_MIN <= score <= SCORE_MAX:
        raise InvalidInput(fields={"score": [_("Choose from 1 to 5 stars.")]})
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > COMMENT_MAX:
        raise InvalidInput(fields={"comment": [_("At most %(num)d characters.", num=COMMENT_MAX)]})
    return comment


def checked_in(user: User, activity: Activity) -> bool:
    """Whether `user` served at `activity` (a check-in that was not rejected)."""
    return db.session.scalar(select(func.count(CheckIn.id)).where(
        CheckIn.activity_id == activity.id, CheckIn.user_id == user.id,
        CheckIn.status != CheckInStatus.REJECTED)) > 0


def served_volunteers(activity: Activity) -> list[User]:
    """The volunteers who checked in at `activity` (for naming one in a rating), by name."""
    users = db.session.scalars(
        select(User).join(CheckIn, CheckIn.user_id == User.id)
        .where(CheckIn.activity_id == activity.id, CheckIn.status != CheckInStatus.REJECTED)
        .distinct())
    return sorted(users, key=lambda user: (user.name, user.id))


def activity_over(activity: Activity) -> None:
    if activity.status not in (ActivityStatus.PUBLISHED, ActivityStatus.CLOSED):
        raise NotYet(_("This activity did not take place, so it cannot be rated."))
    if not activity.has_ended:
        raise NotYet(_("You can rate this activity once it has ended."))


def _named_volunteer(activity: Activity, volunteer_id: int | None) -> int | None:
    if volunteer_id is None:
        return None
    if volunteer_id not in {user.id for user in served_volunteers(activity)}:
        raise InvalidInput(fields={"volunteer_id": [_(
            "Choose a volunteer who served at this activity.")]})
    return volunteer_id


def existing(user: User, *, activity_id: int | None = None,
             help_request_id: int | None = None) -> Rating | None:
    """`user`'s own rating of the subject, if they gave one."""
    statement = select(Rating).where(Rating.rater_id == user.id)
    if activity_id is not None:
        statement = statement.where(Rating.activity_id == activity_id)
    else:
        statement = statement.where(Rating.help_request_id == help_request_id)
    return db.session.scalar(statement)


def _already(rating: Rating) -> AlreadyRated:
    return AlreadyRated(_("You have already rated this (%(score)d of 5). Thank you!",
                          score=rating.score),
                        fields={"existing": {"id": rating.id, "score": rating.score}})


def _save(rating: Rating, *, actor: User) -> Rating:
    try:
        with db.session.begin_nested():
            db.session.add(rating)
    except IntegrityError:  # rated at the same moment from another tab
        first = existing(actor, activity_id=rating.activity_id,
                         help_request_id=rating.help_request_id)
        if first is None:
            raise
        raise _already(first) from None
    subject = f"activity:{rating.activity_id}" if rating.activity_id \
        else f"help_request:{rating.help_request_id}"
    audit.record("rating.enter_on_behalf" if rating.on_behalf else "rating.create",
                 f"rating:{rating.id}", actor=actor, subject_rated=subject,
                 part=rating.rater_part, score=rating.score, station_id=rating.station_id)
    return rating


# --- rating -------------------------------------------------------------------------------------

def activity_part(user: User, activity: Activity, token: str | None = None) -> str | None:
    """How `user` may rate `activity`: ``volunteer`` if they checked in, ``resident_served``
    with the activity's rating link, else None."""
    if token_is_for(token, activity):
        return RaterPart.RESIDENT_SERVED
    if checked_in(user, activity):
        return RaterPart.VOLUNTEER
    return None


def rate_activity(user: User, activity: Activity, *, score, comment: str | None = None,
                  token: str | None = None, volunteer_id: int | None = None) -> Rating:
    comment = _check_input(score, comment)
    part = activity_part(user, activity, token)
    if part is None:
        raise PermissionDenied(_(
            "Only the volunteers who served and the residents given the rating link can rate "
            "this activity."), code="not_a_rater")
    activity_over(activity)
    first = existing(user, activity_id=activity.id)
    if first is not None:
        raise _already(first)
    named = _named_volunteer(activity, volunteer_id) if part == RaterPart.RESIDENT_SERVED else None
    return _save(Rating(activity_id=activity.id, rater_id=user.id, rater_part=part,
                        volunteer_id=named, score=score, comment=comment,
                        station_id=activity.station_id), actor=user)


def help_part(user: User, item: HelpRequest) -> str | None:
    if user.id == item.requester_id:
        return RaterPart.RESIDENT_SERVED
    if item.helper_id is not None and user.id == item.helper_id:
        return RaterPart.VOLUNTEER
    return None


def rate_help(user: User, item: HelpRequest, *, score, comment: str | None = None) -> Rating:
    comment = _check_input(score, comment)
    part = help_part(user, item)
    if part is None:
        raise PermissionDenied(_("Only the person helped and their helper can rate this help."),
                               code="not_a_rater")
    if item.status not in RATEABLE_HELP:
        raise NotYet(_("You can rate this help once it is done."))
    first = existing(user, help_request_id=item.id)
    if first is not None:
        raise _already(first)
    station_id = mutual_aid.station_id_for(item)
    if station_id is None:
        raise NotYet(_("No station looks after this community, so its help cannot be rated."))
    return _save(Rating(
        help_request_id=item.id, rater_id=user.id, rater_part=part, score=score, comment=comment,
        volunteer_id=item.helper_id if part == RaterPart.RESIDENT_SERVED else None,
        station_id=station_id), actor=user)


def enter_on_behalf(by: User, activity: Activity, *, on_behalf_of: str, score,
                    comment: str | None = None, volunteer_id: int | None = None) -> Rating:
    """A social worker of the activity's station enters a served resident's rating given by
    phone (代录)."""
    org.require_station_staff(by, activity.station_id)
    comment = _check_input(score, comment)
    name = (on_behalf_of or "").strip()
    if not name or len(name) > ON_BEHALF_MAX:
        raise InvalidInput(fields={"on_behalf_of": [_(
            "Name the resident (at most %(num)d characters).", num=ON_BEHALF_MAX)]})
    activity_over(activity)
    return _save(Rating(activity_id=activity.id, entered_by_id=by.id, on_behalf_of=name,
                        rater_part=RaterPart.RESIDENT_SERVED,
                        volunteer_id=_named_volunteer(activity, volunteer_id),
                        score=score, comment=comment, station_id=activity.station_id), actor=by)


def rate(user: User, data: dict) -> Rating:
    """The API's one entry: ``activity_id`` or ``help_request_id``, ``score``, ``comment``, and
    ``token`` (a resident's rating link), ``volunteer_id`` (a volunteer named) or
    ``on_behalf_of`` (staff entering a resident's rating)."""
    if (data.get("activity_id") is None) == (data.get("help_request_id") is None):
        raise InvalidInput(fields={"activity_id": [_("Name one activity or one help request.")]})
    if data.get("help_request_id") is not None:
        if data.get("on_behalf_of"):
            raise InvalidInput(fields={"on_behalf_of": [_(
                "Ratings are entered for residents only on activities.")]})
        return rate_help(user, mutual_aid.get_request(data["help_request_id"]), score=data.get("score"),
                         comment=data.get("comment"))
    activity = activities.get_activity(data["activity_id"])
    if data.get("on_behalf_of"):
        return enter_on_behalf(user, activity, on_behalf_of=data["on_behalf_of"],
                               score=data.get("score"), comment=data.get("comment"),
                               volunteer_id=data.get("volunteer_id"))
    return rate_activity(user, activity, score=data.get("score"), comment=data.get("comment"),
                         token=data.get("token"), volunteer_id=data.get("volunteer_id"))


def rateable_activity(user: User, activity: Activity) -> bool:
    """Whether the volunteer's activity page offers 评价: they served, it ended, not rated yet."""
    return activity.has_ended and activity.status in (ActivityStatus.PUBLISHED,
                                                      ActivityStatus.CLOSED) \
        and checked_in(user, activity) and existing(user, activity_id=activity.id) is None


# --- reading (staff) ----------------------------------------------------------------------------

def require_viewer(user: User, station_id: int | None) -> None:
    """Ratings are for the staff of their station; every station's (None) for a district
    administrator only."""
    if station_id is None:
        if not has_role(user, Role.DISTRICT_ADMIN):
            raise PermissionDenied(_("Only staff of this station can do this."))
        return
    org.require_station_staff(user, station_id)


def ratings_statement(station_id: int | None = None, *, activity_id: int | None = None,
                      theme_id: int | None = None, volunteer_id: int | None = None):
    """Ratings, newest first, of a station (every station for None), narrowed by activity,
    theme or volunteer."""
    statement = select(Rating).options(
        selectinload(Rating.activity), selectinload(Rating.help_request),
        selectinload(Rating.rater), selectinload(Rating.entered_by),
        selectinload(Rating.volunteer))
    if station_id is not None:
        statement = statement.where(Rating.station_id == station_id)
    if activity_id is not None:
        statement = statement.where(Rating.activity_id == activity_id)
    if theme_id is not None:
        statement = statement.join(Activity, Activity.id == Rating.activity_id) \
            .where(Activity.theme_id == theme_id)
    if volunteer_id is not None:
        statement = statement.where(Rating.volunteer_id == volunteer_id)
    return statement.order_by(Rating.created_at.desc(), Rating.id.desc())


@dataclass(frozen=True)
class Average:
    """The ratings of one activity, theme, station or volunteer: how many, and their sum."""

    key: int | None
    label: str
    count: int
    total: int

    @property
    def average(self) -> Decimal | None:
        """The exact mean (a Decimal), None without ratings."""
        return Decimal(self.total) / Decimal(self.count) if self.count else None

    @property
    def rounded(self) -> Decimal | None:
        """The mean to one decimal, halves up: what every page shows."""
        average = self.average
        return average.quantize(Decimal("0.1"), ROUND_HALF_UP) if average is not None else None

    @property
    def text(self) -> str:
        return average_text(self)


def average_text(row: "Average | None") -> str:
    """``4.3`` (one decimal, in the reader's locale), or ``–`` without ratings."""
    if row is None or not row.count:
        return "–"
    return format_decimal(row.rounded, format="0.0")


def _subject_moment():
    return func.coalesce(Activity.starts_at, HelpRequest.starts_at)


def averages(by: str, *, station_id: int | None = None, activity_id: int | None = None,
             theme_id: int | None = None, volunteer_id: int | None = None,
             start: datetime | None = None, end: datetime | None = None) -> list[Average]:
    """The count and exact average of the ratings grouped `by` ``activity``, ``theme``,
    ``station`` or ``volunteer``, of a station (every station for None), narrowed by activity,
    theme, volunteer, and by when the rated activity or help took place (`start` included,
    `end` not). Groups without a key (help requests for ``activity``/``theme``, ratings naming
    no volunteer for ``volunteer``) are left out. Highest average first, then the most rated."""
    if by not in GROUPS:
        raise InvalidInput(fields={"by": [_("Choose activity, theme, station or volunteer.")]})
    key, label = {
        "activity": (Activity.id, Activity.title),
        "theme": (Theme.id, Theme.title),
        "station": (Station.id, Station.name),
        "volunteer": (User.id, User.name),
    }[by]
    count, total = func.count(Rating.id), func.sum(Rating.score)
    statement = (select(key, label, count, total).select_from(Rating)
                 .outerjoin(Activity, Activity.id == Rating.activity_id)
                 .outerjoin(HelpRequest, HelpRequest.id == Rating.help_request_id))
    if by == "theme":
        statement = statement.join(Theme, Theme.id == Activity.theme_id)
    elif by == "station":
        statement = statement.join(Station, Station.id == Rating.station_id)
    elif by == "volunteer":
        statement = statement.join(User, User.id == Rating.volunteer_id)
    else:
        statement = statement.where(Rating.activity_id.is_not(None))
    if station_id is not None:
        statement = statement.where(Rating.station_id == station_id)
    if activity_id is not None:
        statement = statement.where(Rating.activity_id == activity_id)
    if theme_id is not None:
        statement = statement.where(Activity.theme_id == theme_id)
    if volunteer_id is not None:
        statement = statement.where(Rating.volunteer_id == volunteer_id)
    if start is not None:
        statement = statement.where(_subject_moment() >= start)
    if end is not None:
        statement = statement.where(_subject_moment() < end)
    rows = [Average(row[0], row[1], int(row[2]), int(row[3] or 0))
            for row in db.session.execute(statement.group_by(key, label))]
    return sorted(rows, key=lambda row: (-row.average, -row.count, row.label, row.key))


def average_of(by: str, **narrowing) -> Average | None:
    """The one group `averages` gives for a narrowing to one key (e.g. one activity)."""
    rows = averages(by, **narrowing)
    return rows[0] if rows else None


@dataclass(frozen=True)
class DashboardRatings:
    station: list[Average]
    themes: list[Average]
    activities: list[Average]

    @property
    def count(self) -> int:
        return sum(row.count for row in self.station)

    @property
    def overall(self) -> Average | None:
        """Every station in scope together (for the district: all ratings)."""
        if not self.station:
            return None
        return Average(None, "", self.count, sum(row.total for row in self.station))


def dashboard_figures(filters) -> DashboardRatings:
    """The ratings part of the dashboards for resolved report `filters` (station, theme,
    period by when the activity or help took place)."""
    scope = {"station_id": filters.station_id, "theme_id": filters.theme_id,
             "start": filters.start, "end": filters.end}
    return DashboardRatings(station=averages("station", **scope),
                            themes=averages("theme", **scope),
                            activities=averages("activity", **scope))
