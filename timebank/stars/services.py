"""Star levels (星级志愿者) on application: a volunteer whose hours of service reach a level above
the one they hold applies for the highest level reached; the manager of their station (or a
district administrator) awards it, checking the hours again at that moment, or declines it with
a reason. Nothing is computed for show: a member holds the levels they were awarded.

Rules kept here, for the pages, the API and the certificate alike:

- the thresholds are `STAR_LEVELS` (100 / 300 / 600 / 1,000 / 1,500 hours of service);
- hours of service are the ledger's `minutes_served` (service earned, less its reversals; no
  gifts, no opening balances);
- one pending application per member (a unique index in the database as well);
- only a station manager of the application's station, or a district administrator, decides;
  every decision is audited and told to the volunteer.
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from timebank.accounts.permissions import Role, has_role
from timebank.audit import services as audit
from timebank.clock import now
from timebank.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from timebank.extensions import db
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger
from timebank.notifications.services import notify
from timebank.org import services as org
from timebank.stars.models import (  # noqa: F401 (the models, for callers of this module)
    STATUS_LABELS,
    StarApplication,
    StarStatus,
)

#: Hours of service each level needs: level 1 (一星) at 100 h ... level 5 (五星) at 1,500 h.
STAR_LEVELS = (100, 300, 600, 1000, 1500)

LEVEL_NAMES = {
    1: _l("One-star volunteer"),
    2: _l("Two-star volunteer"),
    3: _l("Three-star volunteer"),
    4: _l("Four-star volunteer"),
    5: _l("Five-star volunteer"),
}


def level_name(level: int) -> str:
    return str(LEVEL_NAMES.get(level, ""))


def stars_of(level: int) -> str:
    """``★★`` for level 2: the glyphs shown beside the level's name."""
    return "★" * level


def level_reached(minutes_served: int) -> int:
    """The highest level (0 to 5) that `minutes_served` minutes of service reach."""
    return sum(1 for hours in STAR_LEVELS if minutes_served >= hours * 60)


def threshold_minutes(level: int) -> int:
    return STAR_LEVELS[level - 1] * 60


def minutes_served(user) -> int:
    """The member's minutes of service as the ledger counts them (0 without an account)."""
    account = ledger.find_member_account(user)
    return ledger_queries.minutes_served(account) if account is not None else 0


# --- what a member holds ----------------------------------------------------------------------

@dataclass(frozen=True)
class Award:
    level: int
    awarded_at: datetime

    @property
    def name(self) -> str:
        return level_name(self.level)

    @property
    def stars(self) -> str:
        return stars_of(self.level)


def _awarded():
    return select(StarApplication).where(StarApplication.status == StarStatus.AWARDED)


def award_of(user, *, at=None) -> Award | None:
    """The level `user` was awarded (the highest) and when; None when none was. With `at`, the
    level they held at that moment (what a certificate issued then prints)."""
    if user is None:
        return None
    statement = _awarded().where(StarApplication.user_id == user.id)
    if at is not None:
        statement = statement.where(StarApplication.decided_at <= at)
    row = db.session.scalar(statement.order_by(StarApplication.level.desc()).limit(1))
    return Award(row.level, row.decided_at) if row is not None else None


def awarded_level(user) -> int:
    """The star level `user` holds: 0 when none was awarded. What the certificate prints."""
    award = award_of(user)
    return award.level if award is not None else 0


def awards_of(user_ids) -> dict[int, Award]:
    """User id → their award, for a page of members in one query (members without one are
    left out)."""
    ids = list({user_id for user_id in user_ids if user_id is not None})
    if not ids:
        return {}
    found: dict[int, Award] = {}
    for row in db.session.scalars(_awarded().where(StarApplication.user_id.in_(ids))
                                  .order_by(StarApplication.level)):
        found[row.user_id] = Award(row.level, row.decided_at)
    return found


def pending_of(user) -> StarApplication | None:
    return db.session.scalar(select(StarApplication).where(
        StarApplication.user_id == user.id, StarApplication.status == StarStatus.PENDING))


@dataclass(frozen=True)
class Standing:
    """Where a member stands: what they hold, what their hours reach, what they may apply for."""

    served_minutes: int
    award: Award | None
    reached: int
    pending: StarApplication | None
    #: Their latest application (to show a decline's reason until they apply again).
    latest: StarApplication | None = None

    @property
    def declined(self) -> StarApplication | None:
        latest = self.latest
        return latest if latest is not None and latest.status == StarStatus.DECLINED else None

    @property
    def awarded_level(self) -> int:
        return self.award.level if self.award else 0

    @property
    def eligible_level(self) -> int:
        """The level they may apply for now (0: none above the one they hold)."""
        return self.reached if self.reached > self.awarded_level else 0

    @property
    def may_apply(self) -> bool:
        return self.eligible_level > 0 and self.pending is None

    @property
    def next_level(self) -> int | None:
        """The next level above both the one held and the one reached (None after five)."""
        following = max(self.reached, self.awarded_level) + 1
        return following if following <= len(STAR_LEVELS) else None

    @property
    def minutes_to_next(self) -> int | None:
        if self.next_level is None:
            return None
        return max(threshold_minutes(self.next_level) - self.served_minutes, 0)

    @property
    def hours_served(self) -> int:
        """Whole hours served (rounded down), as the page says them."""
        return self.served_minutes // 60

    @property
    def hours_to_next(self) -> int | None:
        """Whole hours still to serve for the next level (rounded up)."""
        missing = self.minutes_to_next
        return None if missing is None else -(-missing // 60)


def standing(user) -> Standing:
    served = minutes_served(user)
    latest = db.session.scalar(applications_of(user).limit(1))
    return Standing(served_minutes=served, award=award_of(user), reached=level_reached(served),
                    pending=latest if latest is not None
                    and latest.status == StarStatus.PENDING else None, latest=latest)


# --- applying ---------------------------------------------------------------------------------

def _hours(minutes: int) -> str:
    return ledger_queries.format_minutes(minutes)


def apply(user) -> StarApplication:
    """Apply for the highest level the member's hours reach above the one they hold.

    409 below the next threshold (naming the hours still needed), with an application already
    pending, or without a station to decide it."""
    served = minutes_served(user)
    held = awarded_level(user)
    reached = level_reached(served)
    if pending_of(user) is not None:
        raise Conflict(_("Your application is already with the station; you will be told when "
                         "it is decided."), code="star_application_pending")
    if reached <= held:
        following = held + 1
        if following > len(STAR_LEVELS):
            raise Conflict(_("You hold the highest star level already."), code="star_level_top")
        raise Conflict(_("%(level)s needs %(needed)d hours of service; you have served %(served)s, "
                         "%(missing)s still to go.", level=level_name(following),
                         needed=STAR_LEVELS[following - 1], served=_hours(served),
                         missing=_hours(threshold_minutes(following) - served)),
                       code="star_level_not_reached")
    station_id = org.station_of(user)
    if station_id is None:
        raise Conflict(_("Choose your home community in your volunteer profile first: its "
                         "station decides star levels."), code="no_station")
    application = StarApplication(user_id=user.id, level=reached, status=StarStatus.PENDING,
                                  station_id=station_id, served_minutes=served)
    try:
        with db.session.begin_nested():
            db.session.add(application)
            db.session.flush()
    except IntegrityError:  # the same member, a moment ago, in another tab
        raise Conflict(_("Your application is already with the station; you will be told when "
                         "it is decided."), code="star_application_pending") from None
    audit.record("stars.apply", f"star_application:{application.id}", actor=user,
                 level=reached, served_minutes=served)
    return application


def applications_of(user):
    """The member's applications, newest first, as a select."""
    return (select(StarApplication).where(StarApplication.user_id == user.id)
            .order_by(StarApplication.id.desc()))


# --- deciding ---------------------------------------------------------------------------------

def may_decide(user, station_id: int | None) -> bool:
    """District administrators everywhere; a station manager for their own station."""
    if has_role(user, Role.DISTRICT_ADMIN):
        return True
    return has_role(user, Role.STATION_MANAGER) and station_id is not None \
        and org.station_id_of(user) == station_id


def require_decider(user, station_id: int | None) -> None:
    if not may_decide(user, station_id):
        raise PermissionDenied(_("Only the station manager of the volunteer's station or a "
                                 "district administrator can award star levels."))


def get_application(application_id: int) -> StarApplication:
    application = db.session.get(StarApplication, application_id)
    if application is None:
        raise NotFound(_("There is no such star-level application."),
                       code="star_application_not_found")
    return application


def application_for(viewer, application_id: int) -> StarApplication:
    """The application `viewer` may look at and decide: 404 if none, 403 unless they decide."""
    application = get_application(application_id)
    require_decider(viewer, application.station_id)
    return application


def pending_statement(station_id: int | None):
    """Pending applications of a station (all stations' for None), oldest first."""
    statement = (select(StarApplication).where(StarApplication.status == StarStatus.PENDING)
                 .order_by(StarApplication.id))
    if station_id is not None:
        statement = statement.where(StarApplication.station_id == station_id)
    return statement


def pending_at(station_id: int) -> list[StarApplication]:
    return list(db.session.scalars(pending_statement(station_id)))


def recent_decisions(station_id: int, limit: int = 20) -> list[StarApplication]:
    """The station's latest decisions, newest first."""
    return list(db.session.scalars(
        select(StarApplication).where(StarApplication.station_id == station_id,
                                      StarApplication.status != StarStatus.PENDING)
        .order_by(StarApplication.decided_at.desc(), StarApplication.id.desc()).limit(limit)))


def pending_count(station) -> int:
    """How many applications wait at `station` (for the station navigation's badge)."""
    if station is None:
        return 0
    return db.session.scalar(select(func.count(StarApplication.id)).where(
        StarApplication.station_id == station.id,
        StarApplication.status == StarStatus.PENDING)) or 0


def _lock(application: StarApplication) -> None:
    """Hold the row and read it afresh: of two managers deciding at once the second sees the
    first's decision. SQLite's write transactions already hold the whole database."""
    db.session.scalars(select(StarApplication).where(StarApplication.id == application.id)
                       .with_for_update(of=StarApplication)
                       .execution_options(populate_existing=True)).one()


def _require_pending(application: StarApplication) -> None:
    if application.status != StarStatus.PENDING:
        raise Conflict(_("This application was decided already."), code="star_application_decided")


def award(application: StarApplication, *, by, note: str | None = None) -> StarApplication:
    """Award the level applied for, if the member's hours still reach it now (409 otherwise,
    e.g. after a reversal)."""
    require_decider(by, application.station_id)
    _lock(application)
    _require_pending(application)
    served = minutes_served(application.user)
    if level_reached(served) < application.level:
        raise Conflict(_("%(name)s has served %(served)s now, less than the %(needed)d hours "
                         "%(level)s needs: decline the application with that reason.",
                         name=application.user.name, served=_hours(served),
                         needed=STAR_LEVELS[application.level - 1],
                         level=level_name(application.level)), code="star_level_not_reached")
    if awarded_level(application.user) >= application.level:
        raise Conflict(_("%(name)s holds this level already.", name=application.user.name),
                       code="star_level_held")
    note = (note or "").strip() or None
    _decide(application, StarStatus.AWARDED, by, served, note)
    audit.record("stars.award", f"star_application:{application.id}", actor=by, reason=note,
                 user_id=application.user_id, level=application.level, served_minutes=served)
    name = level_name(application.level)
    notify(application.user_id, f"star_awarded:{application.id}",
           _("Star level awarded: %(level)s", level=name),
           _("%(stars)s %(level)s, awarded by %(station)s.", stars=stars_of(application.level),
             level=name, station=application.station.name if application.station else ""),
           link="/hours/", params={"level": name})
    return application


def decline(application: StarApplication, *, by, reason: str) -> StarApplication:
    """Decline with a reason (422 without one); the volunteer is told it."""
    require_decider(by, application.station_id)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(fields={"reason": [_("Say why the application is declined.")]})
    _lock(application)
    _require_pending(application)
    served = minutes_served(application.user)
    _decide(application, StarStatus.DECLINED, by, served, reason)
    audit.record("stars.decline", f"star_application:{application.id}", actor=by, reason=reason,
                 user_id=application.user_id, level=application.level, served_minutes=served)
    name = level_name(application.level)
    notify(application.user_id, f"star_declined:{application.id}",
           _("Star level not awarded: %(level)s", level=name),
           _("Reason: %(reason)s", reason=reason), link="/hours/",
           params={"level": name, "reason": reason})
    return application


def _decide(application: StarApplication, status: str, by, served: int,
            reason: str | None) -> None:
    application.status, application.decided_by_id, application.decided_at = status, by.id, now()
    application.decided_served_minutes, application.decision_reason = served, reason
    db.session.flush()
