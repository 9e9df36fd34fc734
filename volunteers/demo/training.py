"""Demo training (`seed.seed` calls `seed_training`): at 南沙街道's station, 李志华 runs a first-aid
course by 南沙区红十字会 granting 急救证; its session three weeks ago was attended by 陈晓敏 and
four other volunteers (so they hold 急救证), another session is coming; and a coming activity
in 金洲社区 requires 急救证. Deterministic, and added only once."""

from datetime import datetime, time, timedelta

from sqlalchemy import func, or_, select

from timebank.accounts import services as accounts
from timebank.accounts.models import User
from timebank.clock import local, now, zone
from timebank.extensions import db
from timebank.org import services as org
from timebank.org.models import Community
from volunteers.activities import services as activities
from volunteers.demo.data import RESIDENT_PHONE, SOCIAL_WORKER_PHONE
from volunteers.profiles.models import VolunteerProfile
from volunteers.themes.models import Theme
from volunteers.training import services as training
from volunteers.training.models import Qualification, TrainingCourse

#: The field's common qualification types (the migration seeds the same), months valid.
QUALIFICATIONS = (("急救证", 36), ("禁毒宣传员", 24), ("心理援助", 36), ("电工证", 72),
                  ("长者照护", 36))
OTHER_ATTENDEES = 4


def _qualification(name: str, months: int | None) -> Qualification:
    found = db.session.scalar(select(Qualification).where(Qualification.name == name))
    if found is None:
        found = Qualification(name=name, valid_months=months, active=True)
        db.session.add(found)
        db.session.flush()
    return found


def _at(day, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=zone())


def seed_training() -> None:
    if db.session.scalar(select(func.count(TrainingCourse.id))):
        return
    kinds = {name: _qualification(name, months) for name, months in QUALIFICATIONS}
    worker = accounts.get_by_phone(SOCIAL_WORKER_PHONE)
    resident = accounts.get_by_phone(RESIDENT_PHONE)
    station_id = org.station_id_of(worker) if worker is not None else None
    if station_id is None:
        return
    station = org.get_station(station_id)
    first_aid = kinds["急救证"]
    course = training.create_course(worker, station.id, title="应急救护员培训",
                                     organiser="南沙区红十字会", qualification_id=first_aid.id,
                                     description="心肺复苏（CPR）、AED 使用、创伤止血包扎，"
                                                 "考核合格颁发急救证。")
    today = local(now()).date()
    past = training.create_session(course, worker, starts_at=_at(today - timedelta(days=21), 9),
                                   ends_at=_at(today - timedelta(days=21), 12), minutes=180,
                                   trainer="红十字会讲师 王医生", place=f"{station.name}多功能室",
                                   capacity=30)
    training.create_session(course, worker, starts_at=_at(today + timedelta(days=5), 14),
                            ends_at=_at(today + timedelta(days=5), 17), minutes=180,
                            trainer="红十字会讲师 王医生", place=f"{station.name}多功能室",
                            capacity=30)
    drugs = training.create_course(worker, station.id, title="禁毒宣传员培训",
                                   organiser="南沙区禁毒办", qualification_id=kinds["禁毒宣传员"].id)
    training.create_session(drugs, worker, starts_at=_at(today + timedelta(days=9), 19),
                            ends_at=_at(today + timedelta(days=9), 21), minutes=120,
                            trainer="禁毒社工 陈老师", place=f"{station.name}会议室")
    attendees = [resident] if resident is not None else []
    attendees += list(db.session.scalars(
        select(User).join(VolunteerProfile, VolunteerProfile.user_id == User.id)
        .join(Community, Community.id == VolunteerProfile.community_id)
        .where(Community.town_id == station.town_id, VolunteerProfile.consent_at.is_not(None),
               VolunteerProfile.user_id != (resident.id if resident else 0))
        .order_by(VolunteerProfile.user_id).limit(OTHER_ATTENDEES)))
    for volunteer in attendees:
        training.record_attendance(past, volunteer.id, by=worker)
    community = next((c for c in station.town.communities if c.name.startswith("金洲")),
                     station.town.communities[0])
    day = today + timedelta(days=7)
    theme = db.session.scalar(
        select(Theme).where(Theme.year == day.year, Theme.month == day.month,
                            or_(Theme.station_id == station.id, Theme.station_id.is_(None)))
        .order_by(Theme.station_id.is_(None), Theme.id).limit(1))
    activities.create_activity(worker, station, {
        "title": "社区急救站值守", "description": "周末社区运动会现场急救站值守，需持有效急救证。",
        "theme_id": theme.id if theme else None, "community_id": community.id,
        "place": f"{community.name}文体广场",
        "starts_at": _at(day, 9), "ends_at": _at(day, 12), "slots": 4,
        "status": "published", "required_qualification_id": first_aid.id,
        "service_content": "运动会现场急救站值守"})
    db.session.flush()
