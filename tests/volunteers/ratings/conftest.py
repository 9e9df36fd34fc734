"""Known data for the ratings tests: station A with two past activities (two themes) and a done
mutual-aid help, station B with its own staff and a past activity."""

from datetime import timedelta

import pytest

from timebank.accounts.permissions import Role
from timebank.clock import now
from timebank.exchange.mutual_aid.models import HelpRequest, RequestStatus
from timebank.extensions import db
from volunteers.checkins import services as checkins
from volunteers.themes.models import Theme


def done_help(requester, helper, community, *, status=RequestStatus.DONE, title="帮忙修风扇"):
    """A mutual-aid request already done between `requester` and `helper` (made directly: the
    rules of mutual aid are tested with mutual aid)."""
    item = HelpRequest(requester_id=requester.id, title=title, category="appliance_repair",
                       community_id=community.id, starts_at=now() - timedelta(days=1),
                       minutes=30, status=status, helper_id=helper.id)
    db.session.add(item)
    db.session.commit()
    return item


@pytest.fixture
def world(make_station, make_staff, make_volunteer, make_user, make_activity):
    a, b = make_station(), make_station()
    worker_a = make_staff(a, name="甲站社工")
    manager_a = make_staff(a, Role.STATION_MANAGER, name="甲站主管")
    worker_b = make_staff(b, name="乙站社工")
    manager_b = make_staff(b, Role.STATION_MANAGER, name="乙站主管")
    first = a.town.communities[0]
    themes = []
    for title, station_id in (("敬老月", None), ("环保月", a.id)):
        theme = Theme(title=title, year=2026, month=12, station_id=station_id)
        db.session.add(theme)
        themes.append(theme)
    db.session.commit()
    visit = make_activity(a, worker_a, title="长者探访", start="2026-12-14T09:00",
                          allow_walk_ins=True, theme_id=themes[0].id)
    clean = make_activity(a, worker_a, title="社区清洁", start="2026-12-15T09:00",
                          allow_walk_ins=True, theme_id=themes[1].id)
    today = make_activity(a, worker_a, title="今日义诊", start="2026-12-16T09:00",
                          allow_walk_ins=True)  # 09:00–11:00; the suite's clock says 10:00
    elsewhere = make_activity(b, worker_b, title="乙站探访", start="2026-12-14T09:00",
                              allow_walk_ins=True)
    volunteers = [make_volunteer(first, name=name) for name in ("黄志强", "林小梅", "陈大文")]
    for activity in (visit, clean, today):
        for person in volunteers:
            checkin, _new = checkins.check_in(activity, person, at=activity.starts_at)
    b_volunteer = make_volunteer(b.town.communities[0], name="乙站志愿者")
    checkins.check_in(elsewhere, b_volunteer, at=elsewhere.starts_at)
    db.session.commit()
    residents = [make_user(name=name) for name in ("周婆婆", "吴伯伯", "郑阿姨")]
    help_item = done_help(residents[0], volunteers[0], first)
    return {"a": a, "b": b, "worker_a": worker_a, "manager_a": manager_a,
            "worker_b": worker_b, "manager_b": manager_b, "visit": visit, "clean": clean,
            "today": today, "elsewhere": elsewhere, "volunteers": volunteers,
            "residents": residents, "help": help_item, "themes": themes,
            "b_volunteer": b_volunteer}
