"""Demo evidence (`seed.seed` calls `seed_evidence`): at the station with the most activities
held, its three latest past activities get a summary (活动小结) and one or two photos drawn
with Pillow (a room, tables, people as simple shapes: no faces, no files from outside). Photos
go through `evidence.add_photo`, so they are checked, re-encoded and thumbnailed like any
upload. Deterministic, and added only once per activity."""

import io
import random

from PIL import Image, ImageDraw
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from timebank.accounts.permissions import Role, has_role
from timebank.clock import now
from timebank.extensions import db
from timebank.org.models import StaffPost
from volunteers.activities.models import Activity, ActivityKind, ActivityStatus
from volunteers.checkins.models import CheckIn
from volunteers.evidence import services as evidence
from volunteers.evidence.models import ActivitySummary

ACTIVITIES = 3
SUMMARY = ("{title}：{count}名志愿者参与，在{place}开展服务。活动前由社工讲解分工和安全注意事项，"
           "活动中志愿者分组服务，活动后收集居民意见并整理物资。居民反映良好，下次活动将增加上门服务名额。")
CAPTIONS = (("活动现场", "志愿者分组服务"), ("活动前的分工说明",), ("服务结束后合影（背影）", "整理物资"))


def _scene(seed: int) -> bytes:
    """A room seen from the back: a wall, a floor, tables, and people as rounded shapes."""
    rng = random.Random(seed)  # noqa: S311 (a drawing, not a secret)
    width, height = 1600, 1200
    image = Image.new("RGB", (width, height), (228, 222, 206))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, height * 0.62, width, height), fill=(176, 150, 118))
    draw.rectangle((width * 0.08, height * 0.1, width * 0.42, height * 0.38), fill=(172, 205, 226),
                   outline=(120, 120, 120), width=8)  # a window
    draw.rectangle((width * 0.55, height * 0.12, width * 0.92, height * 0.3), fill=(190, 30, 45))
    for table in range(rng.randint(2, 3)):
        left = 140 + table * 480 + rng.randint(-30, 30)
        draw.rectangle((left, 760, left + 380, 800), fill=(110, 80, 50))
        draw.rectangle((left + 20, 800, left + 40, 930), fill=(90, 65, 40))
        draw.rectangle((left + 340, 800, left + 360, 930), fill=(90, 65, 40))
    for _person in range(rng.randint(5, 8)):
        x, y = rng.randint(80, width - 160), rng.randint(640, 900)
        shirt = rng.choice([(214, 48, 49), (36, 99, 176), (240, 180, 40), (80, 150, 90)])
        draw.rounded_rectangle((x, y, x + 110, y + 230), radius=40, fill=shirt)
        draw.ellipse((x + 20, y - 85, x + 90, y - 10), fill=(40, 32, 28))  # seen from behind
    return _png(image)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _busiest_station_id() -> int | None:
    return db.session.scalar(
        select(Activity.station_id).where(Activity.starts_at < now(),
                                          Activity.kind == ActivityKind.EVENT)
        .group_by(Activity.station_id).order_by(func.count().desc(), Activity.station_id).limit(1))


def seed_evidence() -> None:
    station_id = _busiest_station_id()
    if station_id is None:
        return
    staff = [post.user for post in db.session.scalars(
        select(StaffPost).where(StaffPost.station_id == station_id).order_by(StaffPost.user_id))
        if has_role(post.user, Role.SOCIAL_WORKER)]
    if not staff:
        return
    by = staff[0]
    held = db.session.scalars(
        select(Activity).where(Activity.station_id == station_id, Activity.ends_at < now(),
                               Activity.kind == ActivityKind.EVENT,
                               Activity.status != ActivityStatus.DRAFT)
        .order_by(Activity.starts_at.desc(), Activity.id.desc()).limit(ACTIVITIES))
    for index, activity in enumerate(held):
        if db.session.get(ActivitySummary, activity.id) is not None:
            continue
        came = db.session.scalar(select(func.count(func.distinct(CheckIn.user_id)))
                                 .where(CheckIn.activity_id == activity.id))
        evidence.write_summary(activity, SUMMARY.format(
            title=activity.title, count=came or activity.slots,
            place=activity.place or activity.community.name), by)
        for number, caption in enumerate(CAPTIONS[index % len(CAPTIONS)]):
            upload = FileStorage(io.BytesIO(_scene(activity.id * 10 + number)),
                                 filename="scene.png")
            evidence.add_photo(activity, upload, caption, by)
