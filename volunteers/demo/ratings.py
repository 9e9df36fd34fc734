"""Demo ratings (`seed.seed` calls `seed_ratings`): on the most recent past activities
of each station, some of the volunteers who served rate them, a resident rates by the link, and
a social worker enters an elderly resident's rating given by phone (代录); 梁伯 rates the
neighbour who went with him to the clinic. Deterministic, and added only once."""

import random

from sqlalchemy import func, select

from timebank.accounts.permissions import Role, has_role
from timebank.clock import now
from timebank.exchange.mutual_aid.models import HelpRequest, RequestStatus
from timebank.extensions import db
from timebank.org.models import StaffPost
from volunteers.activities.models import Activity, ActivityStatus
from volunteers.checkins.models import CheckIn, CheckInStatus
from volunteers.ratings.models import RaterPart, Rating

#: Past activities rated per station, and the comments volunteers and residents leave.
ACTIVITIES_PER_STATION = 3
VOLUNTEER_COMMENTS = ("安排得很周到，下次还来。", "长者们很热情，很有意义。", "",
                      "签到排队有点久，建议多开一个签到点。")
BY_PHONE = (("陈婆婆（电话回访）", 5, "小伙子们帮我量了血压，还陪我聊了很久。"),
            ("黎伯（电话回访）", 4, "服务很好，就是来得有点晚。"))
SCORES = (5, 5, 4, 4, 4, 3, 5)


def seed_ratings() -> None:
    if db.session.scalar(select(func.count(Rating.id))):
        return
    rng = random.Random(17)  # noqa: S311 (demo data, not secrets)
    station_ids = db.session.scalars(select(Activity.station_id).distinct()
                                     .order_by(Activity.station_id))
    for station_id in list(station_ids):
        activities = db.session.scalars(
            select(Activity).where(Activity.station_id == station_id,
                                   Activity.status.in_([ActivityStatus.PUBLISHED,
                                                        ActivityStatus.CLOSED]),
                                   Activity.ends_at < now())
            .order_by(Activity.ends_at.desc(), Activity.id).limit(ACTIVITIES_PER_STATION))
        worker = _worker(station_id)
        for index, activity in enumerate(activities):
            _rate(activity, worker, rng, by_phone=BY_PHONE[index] if index < len(BY_PHONE) else None)
    _rate_mutual_aid()
    db.session.flush()


def _worker(station_id: int):
    posts = db.session.scalars(select(StaffPost).where(StaffPost.station_id == station_id)
                               .order_by(StaffPost.user_id))
    return next((post.user for post in posts if has_role(post.user, Role.SOCIAL_WORKER)
                 and not has_role(post.user, Role.STATION_MANAGER)), None)


def _rate(activity: Activity, worker, rng: random.Random, *, by_phone) -> None:
    served = list(db.session.scalars(
        select(CheckIn).where(CheckIn.activity_id == activity.id,
                              CheckIn.status != CheckInStatus.REJECTED)
        .order_by(CheckIn.id).limit(4)))
    at = activity.ends_at
    for checkin in served[:3]:
        db.session.add(Rating(activity_id=activity.id, rater_id=checkin.user_id,
                              rater_part=RaterPart.VOLUNTEER, score=rng.choice(SCORES),
                              comment=rng.choice(VOLUNTEER_COMMENTS) or None, created_at=at,
                              station_id=activity.station_id))
    if by_phone is not None and worker is not None:
        name, score, comment = by_phone
        db.session.add(Rating(activity_id=activity.id, entered_by_id=worker.id, on_behalf_of=name,
                              rater_part=RaterPart.RESIDENT_SERVED, score=score, comment=comment,
                              volunteer_id=served[0].user_id if served else None, created_at=at,
                              station_id=activity.station_id))


def _rate_mutual_aid() -> None:
    from volunteers.demo.seed import MUTUAL_AID_TITLE  # the demo's own request

    item = db.session.scalar(select(HelpRequest).where(
        HelpRequest.title == MUTUAL_AID_TITLE,
        HelpRequest.status.in_([RequestStatus.DONE, RequestStatus.SETTLED])))
    if item is None or item.helper_id is None or item.community.station is None:
        return
    station_id = item.community.station.id
    db.session.add(Rating(help_request_id=item.id, rater_id=item.requester_id,
                          rater_part=RaterPart.RESIDENT_SERVED, volunteer_id=item.helper_id,
                          score=5, comment="陪我去复诊，还帮我拿药，非常感谢！",
                          station_id=station_id))
    db.session.add(Rating(help_request_id=item.id, rater_id=item.helper_id,
                          rater_part=RaterPart.VOLUNTEER, score=5, comment="梁伯很客气，能帮上忙很开心。",
                          station_id=station_id))
