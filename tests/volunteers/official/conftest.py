"""The official export's data: see `test_official`'s docstring."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from timebank.accounts.permissions import Role
from timebank.extensions import db
from timebank.ledger import services as ledger
from timebank.org.models import Agency
from volunteers.checkins import services as checkins
from volunteers.official import services as official

SHANGHAI = ZoneInfo("Asia/Shanghai")
ID_NUMBER = "440115199001011231"
AGENCY = "广州市南沙区启智社会工作服务中心"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture
def world(make_station, make_staff, make_user, make_volunteer, make_activity):
    a, b = make_station(name="金洲街道"), make_station(name="黄阁镇")
    agency = Agency(name=AGENCY, credit_code="52440115MJL000001X")
    db.session.add(agency)
    db.session.flush()
    a.agency_id = agency.id
    db.session.commit()
    manager_a = make_staff(a, Role.STATION_MANAGER, name="黄主管")
    manager_b = make_staff(b, Role.STATION_MANAGER, name="何主管")
    worker_a, worker_b = make_staff(a, name="李社工"), make_staff(b, name="王社工")
    admin = make_user(Role.DISTRICT_ADMIN, name="区管理员")
    v1 = make_volunteer(a.town.communities[0], name="陈晓敏", id_number=ID_NUMBER)
    v2 = make_volunteer(a.town.communities[1], name="周敏")
    v3 = make_volunteer(b.town.communities[0], name="何伟", id_number="440115198506150014")

    def activity(station, by, title, start, hours, service_category="community"):
        return make_activity(station, by, title=title, start=start, hours=hours,
                             allow_walk_ins=True, service_category=service_category)

    a1 = activity(a, worker_a, "长者探访", "2026-11-10T09:00", 3,
                  service_category="elderly_disabled")
    a2 = activity(a, worker_a, "河涌清洁", "2026-11-20T14:00", 3, service_category="environment")
    a3 = activity(a, worker_a, "助残陪伴", "2026-11-25T09:00", 2)
    a4 = activity(a, worker_a, "手工活动", "2026-11-28T09:00", 2)
    october = activity(a, worker_a, "重阳节探访", "2026-10-15T09:00", 2)
    b1 = activity(b, worker_b, "垃圾分类宣传", "2026-11-12T09:00", 2, service_category="community")

    def serve(activity, volunteer, start, end, **decision):
        checkin, _created = checkins.check_in(activity, volunteer, at=at(start))
        checkins.check_out(checkin, activity, at=at(end))
        if "reject" in decision:
            checkins.reject(checkin, by=decision["by"], reason=decision["reject"])
        else:
            checkins.approve(checkin, by=decision["by"], minutes=decision.get("minutes"),
                             reason=decision.get("reason"))
        db.session.commit()
        return checkin

    clipped = serve(a1, v1, "2026-11-10T08:45", "2026-11-10T11:35", by=worker_a)
    reduced = serve(a1, v2, "2026-11-10T09:10", "2026-11-10T10:40", by=worker_a, minutes=60,
                    reason="中途离开")
    # 30 minutes added by hand above the scanned 90 are honour hours (荣誉时): the manager's.
    honour = serve(a2, v1, "2026-11-20T14:00", "2026-11-20T15:30", by=manager_a, minutes=120,
                   reason="补记筹备时间")
    reversed_ = serve(a3, v2, "2026-11-25T09:00", "2026-11-25T11:00", by=worker_a)
    ledger.reverse(db.session.get(ledger.Transfer, reversed_.transfer_id), "重复录入",
                   posted_by=admin)
    rejected = serve(a4, v1, "2026-11-28T09:00", "2026-11-28T11:00", by=worker_a, reject="未参加")
    other_month = serve(october, v1, "2026-10-15T09:00", "2026-10-15T11:00", by=worker_a)
    other_station = serve(b1, v3, "2026-11-12T09:00", "2026-11-12T11:00", by=worker_b)
    official.set_project(a1, "izy", "IZY-2026-001", by=worker_a)
    db.session.commit()
    return {"a": a, "b": b, "manager_a": manager_a, "manager_b": manager_b,
            "worker_a": worker_a, "admin": admin, "v1": v1, "v2": v2, "v3": v3,
            "a1": a1, "a2": a2, "b1": b1, "clipped": clipped, "reduced": reduced,
            "honour": honour, "reversed": reversed_, "rejected": rejected,
            "other_month": other_month, "other_station": other_station}
