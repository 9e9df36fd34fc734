"""Each event of volunteer service tells the volunteer, once: sign-up confirmed, promoted from
the waiting list, the activity changed (time or place) or cancelled, tomorrow's reminder, hours
approved, adjusted or rejected. (Invitations: tests/volunteers/matching/test_flow.py; chosen as
a helper: tests/timebank/exchange/mutual_aid/test_services.py.)"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from timebank.clock import now
from timebank.extensions import db
from timebank.notifications import delivery
from timebank.notifications.models import Delivery, Notification
from volunteers.activities import services as activities
from volunteers.checkins import services as checkins


def notices(user) -> list[Notification]:
    db.session.rollback()
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def kinds(user) -> list[str]:
    return [notice.kind for notice in notices(user)]


@pytest.fixture
def place(make_station, make_staff, make_volunteer, make_activity):
    station = make_station()
    worker = make_staff(station, name="李社工")
    activity = make_activity(station, worker, title="长者探访", slots=1, place="活动室")
    first = make_volunteer(station.town.communities[0], name="陈晓敏")
    second = make_volunteer(station.town.communities[0], name="黄伯")
    return {"station": station, "worker": worker, "activity": activity, "first": first,
            "second": second}


def test_a_confirmed_sign_up_is_told_and_a_waitlisted_one_is_told_when_promoted(place):
    activity, first, second = place["activity"], place["first"], place["second"]
    confirmed = activities.sign_up(activity, first)
    activities.sign_up(activity, second)  # full: waiting
    db.session.commit()
    [told] = notices(first)
    assert told.kind == "signup_confirmed" and told.key == f"signup_confirmed:{confirmed.id}"
    assert "长者探访" in told.title and "活动室" in told.body
    assert notices(second) == []
    activities.cancel_sign_up(confirmed, by=first)
    db.session.commit()
    [promoted] = notices(second)
    assert promoted.kind == "signup_promoted" and "长者探访" in promoted.title
    assert promoted.params["place"] == "活动室"
    db.session.rollback()
    assert [d.channel for d in db.session.scalars(select(Delivery).where(
        Delivery.notification_id == promoted.id))] == ["sms"]  # a place is worth a text


def test_a_change_of_time_or_place_tells_everyone_signed_up_each_time(place, sms):
    activity, first, second, worker = (place[k] for k in ("activity", "first", "second", "worker"))
    activities.sign_up(activity, first)
    activities.sign_up(activity, second)  # waitlisted: told too
    db.session.commit()
    activities.update_activity(activity, worker, {"title": "长者探访（新）", "description": "带水"})
    db.session.commit()
    assert kinds(first) == ["signup_confirmed"]  # not time or place: nobody is told
    later = activity.starts_at + timedelta(hours=2)
    activities.update_activity(activity, worker, {"starts_at": later,
                                                  "ends_at": later + timedelta(hours=2)})
    db.session.commit()
    activities.update_activity(activity, worker, {"starts_at": later,
                                                  "ends_at": later + timedelta(hours=2)})
    db.session.commit()  # the same values again: nothing changed
    assert kinds(first) == ["signup_confirmed", "activity_changed"]
    assert kinds(second) == ["activity_changed"]
    changed = notices(first)[-1]
    assert changed.title == "活动有变：长者探访（新）" and "11:00" in changed.body
    activities.update_activity(activity, worker, {"place": "二楼会议室"})
    db.session.commit()  # a second change is a notice of its own
    assert kinds(first) == ["signup_confirmed", "activity_changed", "activity_changed"]
    assert "二楼会议室" in notices(first)[-1].body
    delivery.deliver_due()
    assert [text for text in sms.to(first.phone) if "二楼会议室" in text]
    assert len(sms.to(second.phone)) == 2


def test_a_cancelled_activity_tells_everyone_once(place):
    activity, first, second, worker = (place[k] for k in ("activity", "first", "second", "worker"))
    activities.sign_up(activity, first)
    activities.sign_up(activity, second)
    db.session.commit()
    for _ in range(2):
        activities.update_activity(activity, worker, {"status": "cancelled"})
        db.session.commit()
    assert kinds(first) == ["signup_confirmed", "activity_cancelled"]
    assert kinds(second) == ["activity_cancelled"]
    assert notices(second)[0].title == "活动取消：长者探访"


def test_tomorrows_reminder_is_a_notice_with_its_parameters(place):
    activity, first = place["activity"], place["first"]
    activities.sign_up(activity, first)
    db.session.commit()
    assert activities.remind_tomorrow() == 1
    db.session.commit()
    reminder = notices(first)[-1]
    assert reminder.kind == "reminder" and reminder.params["title"] == "长者探访"


@pytest.fixture
def closed(make_station, make_staff, make_volunteer, make_activity):
    """Check-ins of three volunteers, checked out after 90 minutes of a running activity."""
    station = make_station()
    worker = make_staff(station)
    start = now().replace(second=0, microsecond=0) - timedelta(minutes=30)
    activity = make_activity(station, worker, title="重阳敬老探访", start=start, hours=2)
    people, done = [], []
    for name in ("甲", "乙", "丙"):
        volunteer = make_volunteer(station.town.communities[0], name=name)
        activities.sign_up(activity, volunteer)
        checkin, _ = checkins.check_in(activity, volunteer, at=start)
        checkins.check_out(checkin, activity, at=start + timedelta(minutes=90))
        people.append(volunteer)
        done.append(checkin)
    db.session.commit()
    return worker, people, done


def test_hours_approved_adjusted_and_rejected_are_told(closed):
    worker, (approved, adjusted, rejected), (first, second, third) = closed
    checkins.approve(first, by=worker)
    checkins.approve(second, by=worker, minutes=60, reason="提前离开")
    checkins.reject(third, by=worker, reason="未到场")
    db.session.commit()
    checkins.approve(first, by=worker)  # again: nothing more
    db.session.commit()
    assert kinds(approved)[-1:] == ["hours_approved"] and kinds(approved).count("hours_approved") == 1
    assert "1小时30分" in notices(approved)[-1].body
    told = notices(adjusted)[-1]
    assert told.kind == "hours_adjusted" and "1小时" in told.body and "提前离开" in told.body
    told = notices(rejected)[-1]
    assert told.kind == "hours_rejected" and "未到场" in told.body
