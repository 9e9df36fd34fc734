"""Training and qualifications: the rules.

* Qualification types (资质类型) are the district's: only a district administrator adds one.
* A course belongs to a station (its staff create it and its sessions) or to the district
  (a district administrator's). A session has a trainer, a place, a start and an end, and the
  training minutes it credits.
* Attendance: a volunteer scans the session's signed code only from `SCAN_OPENS_BEFORE` before
  the start to the end (else 409 ``outside_session_window``); staff record attendance only for a
  session that has started (else 409 ``session_not_held``). One attendance per session and
  volunteer: scanning or recording again returns the first.
* Attendance of a course that grants a qualification grants it once (obtained on the session's
  local day, expiring after the qualification's default months, if any). Staff also record a
  qualification seen on paper, with its certificate number.
* Training minutes are the sum of attendance minutes: kept apart from service, never posted to
  the ledger and never counted in service totals.
* A qualification is held on a day when it is not revoked, was obtained on or before it and has
  no expiry or expires on or after it.
* An activity may require a qualification: a volunteer not holding it on the activity's local
  date may not sign up, be invited or walk in (409 ``qualification_required``, naming it),
  unless staff of the station granted them a waiver with a reason (audited).
"""

import calendar
from collections import defaultdict
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, or_, select

from timebank.accounts import services as accounts
from timebank.accounts.models import User
from timebank.accounts.permissions import Role, has_role
from timebank.audit import services as audit
from timebank.clock import local, now
from timebank.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from timebank.extensions import db
from timebank.notifications.services import notify
from timebank.org import services as org
from timebank.web.inputs import checked_text
from volunteers.training.models import (
    AttendanceMethod,
    Qualification,
    QualificationSource,
    QualificationWaiver,
    SessionStatus,
    TrainingAttendance,
    TrainingCourse,
    TrainingSession,
    VolunteerQualification,
)

#: A volunteer may scan a session's code from this long before its start until its end.
SCAN_OPENS_BEFORE = timedelta(minutes=30)
NAME_MOST, TITLE_MOST, TEXT_MOST, LONG_MOST, REASON_MOST, NUMBER_MOST = 40, 80, 120, 2000, 300, 60
SESSION_MINUTES_MOST = 1440
CODE_SALT = "training-code"


def add_months(day: date, months: int) -> date:
    """`day` plus `months` calendar months (the 31st becomes the month's last day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- qualification types ----------------------------------------------------------------------

def qualifications(*, active_only: bool = True) -> list[Qualification]:
    statement = select(Qualification).order_by(Qualification.id)
    if active_only:
        statement = statement.where(Qualification.active.is_(True))
    return list(db.session.scalars(statement))


def get_qualification(qualification_id: int | None, *, field: str = "qualification_id"
                      ) -> Qualification:
    qualification = db.session.get(Qualification, qualification_id) \
        if isinstance(qualification_id, int) and not isinstance(qualification_id, bool) else None
    if qualification is None or not qualification.active:
        raise InvalidInput(fields={field: [_("Choose a qualification from the list.")]})
    return qualification


def create_qualification(by: User, *, name, valid_months=None) -> Qualification:
    """A new kind of qualification: district administrators only."""
    if not has_role(by, Role.DISTRICT_ADMIN):
        raise PermissionDenied(_("Only a district administrator can add a qualification."))
    problems: dict = {}
    name = checked_text(problems, "name", name, NAME_MOST, required=True)
    if valid_months is not None and (isinstance(valid_months, bool)
                                     or not isinstance(valid_months, int)
                                     or not 1 <= valid_months <= 600):
        problems["valid_months"] = [_("Enter whole months from 1 to 600, or leave it empty.")]
    if problems:
        raise InvalidInput(fields=problems)
    if db.session.scalar(select(Qualification.id).where(Qualification.name == name)):
        raise Conflict(_("There is already a qualification of this name."),
                       code="qualification_exists", fields={"name": [_("Already in the list.")]})
    qualification = Qualification(name=name, valid_months=valid_months, active=True)
    db.session.add(qualification)
    db.session.flush()
    audit.record("qualification.create", f"qualification:{qualification.id}", actor=by,
                 name=name, valid_months=valid_months)
    return qualification


# --- courses and sessions ---------------------------------------------------------------------

def _require_course_staff(by: User, station_id: int | None) -> None:
    if station_id is None:
        if not has_role(by, Role.DISTRICT_ADMIN):
            raise PermissionDenied(_("Only a district administrator can run district-wide "
                                     "training."))
        return
    org.require_station_staff(by, station_id)


def courses_statement(by: User, station_id: int | None):
    """The courses staff see: their station's and the district's (a district administrator
    without a station: all)."""
    statement = select(TrainingCourse).order_by(TrainingCourse.id.desc())
    if station_id is None:
        if has_role(by, Role.DISTRICT_ADMIN):
            return statement
        return statement.where(TrainingCourse.station_id.is_(None))
    org.require_station_staff(by, station_id)
    return statement.where(or_(TrainingCourse.station_id == station_id,
                               TrainingCourse.station_id.is_(None)))


def create_course(by: User, station_id: int | None, *, title, organiser="", description="",
                  qualification_id=None) -> TrainingCourse:
    _require_course_staff(by, station_id)
    problems: dict = {}
    title = checked_text(problems, "title", title, TITLE_MOST, required=True)
    organiser = checked_text(problems, "organiser", organiser, TITLE_MOST)
    description = checked_text(problems, "description", description, LONG_MOST)
    qualification = None
    if qualification_id is not None:
        try:
            qualification = get_qualification(qualification_id)
        except InvalidInput as error:
            problems.update(error.fields)
    if problems:
        raise InvalidInput(fields=problems)
    course = TrainingCourse(station_id=station_id, title=title, organiser=organiser,
                            description=description,
                            qualification_id=qualification.id if qualification else None,
                            created_by_id=by.id)
    db.session.add(course)
    db.session.flush()
    audit.record("training.course.create", f"training_course:{course.id}", actor=by,
                 station_id=station_id, title=title,
                 qualification_id=course.qualification_id)
    return course


def course_for_staff(by: User, course_id: int) -> TrainingCourse:
    """A course its staff may change: 404 if none, 403 for anyone else."""
    course = db.session.get(TrainingCourse, course_id)
    if course is None:
        raise NotFound(_("There is no such course."), code="course_not_found")
    _require_course_staff(by, course.station_id)
    return course


def create_session(course: TrainingCourse, by: User, *, starts_at, ends_at, minutes=None,
                   trainer="", place="", capacity=None) -> TrainingSession:
    _require_course_staff(by, course.station_id)
    problems: dict = {}
    trainer = checked_text(problems, "trainer", trainer, TITLE_MOST)
    place = checked_text(problems, "place", place, TEXT_MOST)
    if starts_at is None or getattr(starts_at, "tzinfo", None) is None:
        problems["starts_at"] = [_("Give the start.")]
    if ends_at is None or getattr(ends_at, "tzinfo", None) is None:
        problems["ends_at"] = [_("Give the end.")]
    elif "starts_at" not in problems and ends_at <= starts_at:
        problems["ends_at"] = [_("The end must be after the start.")]
    elif "starts_at" not in problems and ends_at - starts_at > timedelta(days=1):
        problems["ends_at"] = [_("A session lasts at most a day.")]
    if minutes is None and not problems:
        minutes = int((ends_at - starts_at).total_seconds() // 60)
    if isinstance(minutes, bool) or not isinstance(minutes, int) \
            or not 1 <= minutes <= SESSION_MINUTES_MOST:
        problems.setdefault("minutes", [_("Enter whole minutes from 1 to %(most)d.",
                                          most=SESSION_MINUTES_MOST)])
    if capacity is not None and (isinstance(capacity, bool) or not isinstance(capacity, int)
                                 or not 1 <= capacity <= 10000):
        problems["capacity"] = [_("Enter a number of places from 1 to 10000, or leave it "
                                  "empty.")]
    if problems:
        raise InvalidInput(fields=problems)
    session = TrainingSession(course_id=course.id, trainer=trainer, place=place,
                              starts_at=starts_at, ends_at=ends_at, minutes=minutes,
                              capacity=capacity, status=SessionStatus.SCHEDULED,
                              created_by_id=by.id)
    db.session.add(session)
    db.session.flush()
    audit.record("training.session.create", f"training_session:{session.id}", actor=by,
                 course_id=course.id, starts_at=starts_at.isoformat(), minutes=minutes)
    return session


def _session(session_id: int) -> TrainingSession:
    session = db.session.get(TrainingSession, session_id)
    if session is None:
        raise NotFound(_("There is no such training session."), code="session_not_found")
    return session


def session_for_staff(by: User, session_id: int) -> TrainingSession:
    """A session its course's staff may act on: 404 if none, 403 for anyone else."""
    session = _session(session_id)
    _require_course_staff(by, session.course.station_id)
    return session


def sessions_statement(by: User, station_id: int | None, course_id: int | None = None):
    """Sessions of the courses `by` sees, newest first."""
    courses = courses_statement(by, station_id).with_only_columns(TrainingCourse.id)
    statement = (select(TrainingSession).where(TrainingSession.course_id.in_(courses))
                 .order_by(TrainingSession.starts_at.desc(), TrainingSession.id.desc()))
    if course_id is not None:
        statement = statement.where(TrainingSession.course_id == course_id)
    return statement


def upcoming_sessions(limit: int = 20) -> list[TrainingSession]:
    """Sessions not over yet, soonest first: what a volunteer may come to."""
    return list(db.session.scalars(
        select(TrainingSession).where(TrainingSession.ends_at > now(),
                                      TrainingSession.status == SessionStatus.SCHEDULED)
        .order_by(TrainingSession.starts_at, TrainingSession.id).limit(limit)))


def attendance_of(session: TrainingSession) -> list[TrainingAttendance]:
    return list(db.session.scalars(
        select(TrainingAttendance).where(TrainingAttendance.session_id == session.id)
        .order_by(TrainingAttendance.created_at, TrainingAttendance.id)))


def attendance_counts(session_ids) -> dict[int, int]:
    ids = list(session_ids)
    if not ids:
        return {}
    return dict(db.session.execute(
        select(TrainingAttendance.session_id, func.count(TrainingAttendance.id))
        .where(TrainingAttendance.session_id.in_(ids))
        .group_by(TrainingAttendance.session_id)).all())


# --- codes ------------------------------------------------------------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=CODE_SALT)


def make_code(session: TrainingSession) -> str:
    """The session's signed check-in code (for its QR poster): only valid in its window."""
    return _serializer().dumps({"s": session.id})


def session_of_code(token) -> TrainingSession:
    """The session a code is for: 404 ``invalid_code`` for a forged or unknown one."""
    try:
        data = _serializer().loads(token) if isinstance(token, str) else None
    except BadSignature:
        data = None
    session_id = data.get("s") if isinstance(data, dict) else None
    session = db.session.get(TrainingSession, session_id) if isinstance(session_id, int) else None
    if session is None or session.status == SessionStatus.CANCELLED:
        raise NotFound(_("This code is not valid. Please scan the code shown at the training."),
                       code="invalid_code")
    return session


def in_scan_window(session: TrainingSession) -> bool:
    return session.starts_at - SCAN_OPENS_BEFORE <= now() <= session.ends_at


# --- attendance -------------------------------------------------------------------------------

def attendance_for(session: TrainingSession, user: User) -> TrainingAttendance | None:
    return db.session.scalar(select(TrainingAttendance).where(
        TrainingAttendance.session_id == session.id, TrainingAttendance.user_id == user.id))


def _attend(session: TrainingSession, user: User, *, method: str, by: User
            ) -> tuple[TrainingAttendance, bool]:
    existing = attendance_for(session, user)
    if existing is not None:
        return existing, False
    if session.capacity is not None \
            and attendance_counts([session.id]).get(session.id, 0) >= session.capacity:
        raise Conflict(_("This session is full."), code="session_full")
    attendance = TrainingAttendance(session_id=session.id, user_id=user.id,
                                    minutes=session.minutes, method=method, recorded_by_id=by.id)
    db.session.add(attendance)
    db.session.flush()
    audit.record("training.attend", f"training_attendance:{attendance.id}", actor=by,
                 session_id=session.id, user_id=user.id, method=method,
                 minutes=session.minutes)
    qualification = session.course.qualification
    if qualification is not None and qualification.active:
        _grant_from(attendance, qualification, by=by)
    return attendance, True


def _grant_from(attendance: TrainingAttendance, qualification: Qualification, *, by: User
                ) -> VolunteerQualification:
    day = local(attendance.session.starts_at).date()
    grant = VolunteerQualification(
        user_id=attendance.user_id, qualification_id=qualification.id, obtained_on=day,
        expires_on=_expiry(qualification, day), source=QualificationSource.TRAINING,
        attendance_id=attendance.id, recorded_by_id=by.id)
    db.session.add(grant)
    db.session.flush()
    audit.record("qualification.grant", f"volunteer_qualification:{grant.id}", actor=by,
                 user_id=attendance.user_id, qualification_id=qualification.id,
                 source="training", attendance_id=attendance.id)
    _tell_granted(grant)
    return grant


def _expiry(qualification: Qualification, day: date) -> date | None:
    if qualification.valid_months is None:
        return None
    return add_months(day, qualification.valid_months) - timedelta(days=1)


def _tell_granted(grant: VolunteerQualification) -> None:
    until = (_("valid until %(day)s", day=grant.expires_on.isoformat())
             if grant.expires_on else _("with no expiry"))
    notify(grant.user_id, f"qualification_granted:{grant.id}",
           _("Qualification recorded: %(name)s", name=grant.qualification.name),
           _("You now hold “%(name)s”, %(until)s.", name=grant.qualification.name, until=until),
           link="/volunteer/training")


def scan(token, user: User) -> tuple[TrainingAttendance, bool]:
    """The volunteer scanned a session's code: their attendance (and whether it is new).
    Only from 30 minutes before the start to the end: else 409 ``outside_session_window``."""
    session = session_of_code(token)
    existing = attendance_for(session, user)
    if existing is not None:
        return existing, False
    if not in_scan_window(session):
        if now() > session.ends_at:
            message = _("This session is over; ask the station to record your attendance.")
        else:
            message = _("This code can be scanned only from %(opens)s until the session ends at "
                        "%(ends)s.", opens=local(session.starts_at - SCAN_OPENS_BEFORE)
                        .strftime("%Y-%m-%d %H:%M"),
                        ends=local(session.ends_at).strftime("%H:%M"))
        raise Conflict(message, code="outside_session_window")
    return _attend(session, user, method=AttendanceMethod.SCAN, by=user)


def record_attendance(session: TrainingSession, user_id, *, by: User
                      ) -> tuple[TrainingAttendance, bool]:
    """Staff record that a volunteer attended a session that has started (409
    ``session_not_held`` before); again returns the first record."""
    _require_course_staff(by, session.course.station_id)
    member = db.session.get(User, user_id) \
        if isinstance(user_id, int) and not isinstance(user_id, bool) else None
    if member is None or not member.active:
        raise InvalidInput(fields={"user_id": [_("There is no such member.")]})
    if session.status == SessionStatus.CANCELLED:
        raise Conflict(_("This session was cancelled."), code="session_cancelled")
    if session.starts_at > now():
        raise Conflict(_("This session has not been held yet: record attendance once it has "
                         "started."), code="session_not_held")
    return _attend(session, member, method=AttendanceMethod.STAFF, by=by)


# --- qualifications held ----------------------------------------------------------------------

def record_paper(by: User, member: User, *, qualification_id, obtained_on, expires_on=None,
                 certificate_number="") -> VolunteerQualification:
    """Staff saw a paper certificate: the volunteer holds the qualification from `obtained_on`
    (until `expires_on`, by default the qualification's months). Staff of the member's
    station, or a district administrator."""
    if not org.staff_may_act_on(by, member):
        raise PermissionDenied(_("Only staff of this member's station can do this."))
    problems: dict = {}
    qualification = None
    try:
        qualification = get_qualification(qualification_id)
    except InvalidInput as error:
        problems.update(error.fields)
    number = checked_text(problems, "certificate_number", certificate_number, NUMBER_MOST,
                   required=True)
    today = local(now()).date()
    if not isinstance(obtained_on, date):
        problems["obtained_on"] = [_("Give the day it was obtained.")]
    elif obtained_on > today:
        problems["obtained_on"] = [_("The day cannot be in the future.")]
    if expires_on is not None and (not isinstance(expires_on, date) or (
            isinstance(obtained_on, date) and expires_on < obtained_on)):
        problems["expires_on"] = [_("The expiry must be on or after the day it was obtained.")]
    if problems:
        raise InvalidInput(fields=problems)
    if expires_on is None:
        expires_on = _expiry(qualification, obtained_on)
    grant = VolunteerQualification(
        user_id=member.id, qualification_id=qualification.id, obtained_on=obtained_on,
        expires_on=expires_on, source=QualificationSource.PAPER, certificate_number=number,
        recorded_by_id=by.id)
    db.session.add(grant)
    db.session.flush()
    audit.record("qualification.grant", f"volunteer_qualification:{grant.id}", actor=by,
                 user_id=member.id, qualification_id=qualification.id, source="paper")
    _tell_granted(grant)
    return grant


def qualifications_of(user_id: int) -> list[VolunteerQualification]:
    """Every qualification recorded for the volunteer (revoked and expired ones too), newest
    first."""
    return list(db.session.scalars(
        select(VolunteerQualification).where(VolunteerQualification.user_id == user_id)
        .order_by(VolunteerQualification.obtained_on.desc(), VolunteerQualification.id.desc())))


def _held_filter(day: date):
    return (VolunteerQualification.revoked_at.is_(None),
            VolunteerQualification.obtained_on <= day,
            or_(VolunteerQualification.expires_on.is_(None),
                VolunteerQualification.expires_on >= day))


def holds(user_id: int, qualification_id: int, day: date) -> bool:
    return db.session.scalar(select(VolunteerQualification.id).where(
        VolunteerQualification.user_id == user_id,
        VolunteerQualification.qualification_id == qualification_id,
        *_held_filter(day)).limit(1)) is not None


def held_spans(start: date, end: date, user_ids=None) -> dict[int, tuple]:
    """For matching, in one query: user id → ((qualification id, obtained_on, expires_on), …)
    of the qualifications not revoked and valid some time in [start, end]."""
    statement = (select(VolunteerQualification.user_id, VolunteerQualification.qualification_id,
                        VolunteerQualification.obtained_on, VolunteerQualification.expires_on)
                 .where(VolunteerQualification.revoked_at.is_(None),
                        VolunteerQualification.obtained_on <= end,
                        or_(VolunteerQualification.expires_on.is_(None),
                            VolunteerQualification.expires_on >= start)))
    if user_ids is not None:
        statement = statement.where(VolunteerQualification.user_id.in_(user_ids))
    spans = defaultdict(list)
    for user_id, qualification_id, obtained, expires in db.session.execute(statement):
        spans[user_id].append((qualification_id, obtained, expires))
    return {user_id: tuple(rows) for user_id, rows in spans.items()}


def waived_activities(activity_ids) -> dict[int, frozenset]:
    """For matching, in one query: user id → the activities (of `activity_ids`) waived for
    them."""
    ids = list(activity_ids)
    if not ids:
        return {}
    waived = defaultdict(set)
    for user_id, activity_id in db.session.execute(
            select(QualificationWaiver.user_id, QualificationWaiver.activity_id)
            .where(QualificationWaiver.activity_id.in_(ids))):
        waived[user_id].add(activity_id)
    return {user_id: frozenset(found) for user_id, found in waived.items()}


def waiver_for(activity_id: int, user_id: int) -> QualificationWaiver | None:
    return db.session.scalar(select(QualificationWaiver).where(
        QualificationWaiver.activity_id == activity_id, QualificationWaiver.user_id == user_id))


def require_qualification(activity, user: User) -> None:
    """409 ``qualification_required`` unless `user` holds the activity's required
    qualification on its local date, or staff waived it for them."""
    if activity.required_qualification_id is None:
        return
    day = local(activity.starts_at).date()
    if holds(user.id, activity.required_qualification_id, day):
        return
    if waiver_for(activity.id, user.id) is not None:
        return
    qualification = db.session.get(Qualification, activity.required_qualification_id)
    raise Conflict(
        _("This activity needs a valid “%(name)s” on %(day)s. Take the training or show the "
          "station your certificate.", name=qualification.name, day=day.isoformat()),
        code="qualification_required")


def grant_waiver(activity, user_id, *, reason, by: User) -> QualificationWaiver:
    """Staff of the activity's station let a volunteer take part without its required
    qualification, for a reason (audited). 409 ``no_qualification_required`` on an activity
    requiring none, ``waiver_exists`` the second time."""
    org.require_station_staff(by, activity.station_id)
    problems: dict = {}
    reason = checked_text(problems, "reason", reason, REASON_MOST, required=True)
    member = db.session.get(User, user_id) \
        if isinstance(user_id, int) and not isinstance(user_id, bool) else None
    if member is None or not member.active:
        problems["user_id"] = [_("There is no such member.")]
    if problems:
        raise InvalidInput(fields=problems)
    if activity.required_qualification_id is None:
        raise Conflict(_("This activity requires no qualification."),
                       code="no_qualification_required")
    if waiver_for(activity.id, member.id) is not None:
        raise Conflict(_("This volunteer already has a waiver for this activity."),
                       code="waiver_exists")
    waiver = QualificationWaiver(activity_id=activity.id, user_id=member.id, reason=reason,
                                 granted_by_id=by.id)
    db.session.add(waiver)
    db.session.flush()
    audit.record("qualification.waive", f"qualification_waiver:{waiver.id}", actor=by,
                 reason=reason, activity_id=activity.id, user_id=member.id,
                 qualification_id=activity.required_qualification_id)
    return waiver


def waivers_of(activity_id: int) -> list[QualificationWaiver]:
    return list(db.session.scalars(
        select(QualificationWaiver).where(QualificationWaiver.activity_id == activity_id)
        .order_by(QualificationWaiver.id)))


# --- training minutes -------------------------------------------------------------------------

def training_minutes(user_id: int) -> int:
    """The volunteer's training minutes: apart from service, never in the ledger."""
    return int(db.session.scalar(
        select(func.coalesce(func.sum(TrainingAttendance.minutes), 0))
        .where(TrainingAttendance.user_id == user_id)) or 0)


def attendances_of(user_id: int, limit: int = 50) -> list[TrainingAttendance]:
    return list(db.session.scalars(
        select(TrainingAttendance).join(TrainingAttendance.session)
        .where(TrainingAttendance.user_id == user_id)
        .order_by(TrainingSession.starts_at.desc(), TrainingAttendance.id.desc()).limit(limit)))


def summary(user_id: int) -> dict:
    """Training minutes, sessions attended and qualifications (each with whether it is held
    today), for the volunteer's pages, the staff's member page and the API."""
    today = local(now()).date()
    return {"minutes": training_minutes(user_id), "attendances": attendances_of(user_id),
            "qualifications": [(grant, grant.held_on(today))
                               for grant in qualifications_of(user_id)]}


def today() -> date:
    return local(now()).date()


def member_by_phone(phone: str) -> User:
    """The active member with this mobile number, for staff forms (422 on ``phone``)."""
    member = accounts.get_by_phone(accounts.normalise_phone(phone or ""))
    if member is None or not member.active:
        raise InvalidInput(fields={"phone": [_("No member has this mobile number.")]})
    return member
