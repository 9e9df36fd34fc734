"""An evaluation to score: two stations (甲 assigned to the three reviewers, 乙 not), an activity
of November 2026 at 甲 with a summary and a photo, and a draft period for November with items
per party (evaluator 30 + 20 + 20, town 10, committee 10, district 5 + 5) and two veto items."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from timebank.accounts.permissions import Role
from timebank.extensions import db
from volunteers.evaluation import services as evaluation
from volunteers.evaluation.models import EvaluationPeriod
from volunteers.evidence.models import ActivityPhoto, ActivitySummary

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOVEMBER = (2026, 11)


@dataclass
class Setup:
    admin: object
    evaluator: object
    town: object
    committee: object
    a: object
    b: object
    worker: object
    volunteer: object
    activity: object
    photo: ActivityPhoto
    period: EvaluationPeriod

    def items(self, party: str) -> list:
        return evaluation.items_of(self.period, party)

    def reviewer(self, party: str):
        return {"evaluator": self.evaluator, "town": self.town, "committee": self.committee,
                "district": self.admin}[party]


@pytest.fixture
def setup(app, tmp_path, make_station, make_staff, make_user, make_volunteer, make_activity):
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    (tmp_path / "evidence").mkdir()
    a, b = make_station(name="甲街道"), make_station(name="乙镇")
    admin = make_user(Role.DISTRICT_ADMIN, name="区民政局管理员")
    evaluator = make_user(Role.EVALUATOR, name="第三方评估员")
    town = make_user(Role.TOWN_REVIEWER, name="镇街评审")
    committee = make_user(Role.COMMITTEE_REVIEWER, name="居委会评审")
    worker = make_staff(a, name="甲社工")
    volunteer = make_volunteer(a.town.communities[0], name="陈晓敏")
    activity = make_activity(a, worker, start=datetime(2026, 11, 10, 9, tzinfo=SHANGHAI),
                             title="长者探访十一月")
    make_activity(b, make_staff(b, name="乙社工"), start=datetime(2026, 11, 12, 9,
                                                                 tzinfo=SHANGHAI), title="乙活动")
    db.session.add(ActivitySummary(activity_id=activity.id, text="探访长者12位，送米送油。",
                                   written_by_id=worker.id))
    Image.new("RGB", (160, 120), (40, 120, 90)).save(tmp_path / "evidence" / "thumb-1.jpg")
    photo = ActivityPhoto(activity_id=activity.id, stored_name="photo-1.jpg",
                          thumbnail_name="thumb-1.jpg", content_type="image/jpeg", width=160,
                          height=120, size_bytes=1000, caption="入户探访", uploaded_by_id=worker.id)
    db.session.add(photo)
    for reviewer in (evaluator, town, committee):
        evaluation.assign_stations(admin, reviewer, [a.id])
    period = evaluation.create_period(admin, name="2026年度中期评估", kind="mid_term",
                                      first=NOVEMBER, last=NOVEMBER)
    for party, title, most in (("evaluator", "服务成效", 30), ("evaluator", "项目管理", 20),
                               ("evaluator", "财务规范", 20), ("town", "镇街月度检查", 10),
                               ("committee", "村居满意度", 10), ("district", "台账资料", 5),
                               ("district", "安全管理", 5)):
        evaluation.add_item(admin, period, party=party, title=title, max_score=most)
    evaluation.add_veto_item(admin, period, title="发生重大安全责任事故")
    evaluation.add_veto_item(admin, period, title="虚报服务数据")
    db.session.commit()
    return Setup(admin, evaluator, town, committee, a, b, worker, volunteer, activity, photo,
                 period)


def scores_of(items, *values) -> dict:
    return {str(item.id): value for item, value in zip(items, values, strict=True)}
