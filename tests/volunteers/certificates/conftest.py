"""The certificate tests' fixture: a volunteer with approved service at a station run by an
agency."""

from datetime import timedelta

import pytest

from tests.volunteers.certificates.records import ID_NUMBER, agency, serve
from timebank.accounts.permissions import Role
from timebank.extensions import db
from volunteers.themes import services as themes


@pytest.fixture
def served(make_station, make_staff, make_volunteer, make_activity):
    """A volunteer with three approved activities in October and November 2026 at 黄阁镇, a
    station run by an agency, with a manager: one evaluated, one whose minutes were reduced
    (still scanned), one with minutes added by hand (honour)."""
    station = make_station(name="黄阁镇")
    station.phone, station.address = "020-3900 1234", "黄阁大道 1 号"
    station.agency_id = agency().id
    manager = make_staff(station, Role.STATION_MANAGER, name="王主管")
    worker = make_staff(station, name="李社工")
    volunteer = make_volunteer(station.town.communities[0], name="陈晓敏", id_number=ID_NUMBER,
                               gender="female")
    theme = themes.set_theme(station.id, 2026, 11, title="平安黄阁主题月", by=manager)
    made = [
        make_activity(station, worker, title="重阳敬老探访", start="2026-10-20 09:00", hours=2,
                      place="大井村长者饭堂", allow_walk_ins=True,
                      service_content="两人一组上门探访独居长者，检查家居安全", people_served=25),
        make_activity(station, worker, title="社区垃圾分类宣传", start="2026-11-02 14:00", hours=3,
                      place="黄阁广场", allow_walk_ins=True, theme_id=theme.id,
                      description="在投放点指导居民分类投放"),
        make_activity(station, worker, title="禁毒知识小课堂", start="2026-11-10 19:00", hours=1.5,
                      allow_walk_ins=True, service_content="讲解禁毒知识"),
    ]
    serve(made[0], volunteer, worker, evaluation="excellent", comment="耐心细致")
    # Checked out after 2 h of 3; an extra half hour of clearing up is added by hand (荣誉时).
    serve(made[1], volunteer, worker, out_after=timedelta(hours=2),
          minutes=150, reason="协助收尾", approver=manager)
    # Left early: reduced to 60 minutes, which stay scanned time.
    serve(made[2], volunteer, worker, minutes=60, reason="提前离场，按实际时长认定",
          evaluation="good")
    db.session.commit()
    return {"station": station, "manager": manager, "worker": worker, "volunteer": volunteer,
            "activities": made}
