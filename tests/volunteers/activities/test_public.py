"""The public pages: activities anyone may browse without logging in, and the station
directory; no personal data on either."""

from datetime import timedelta

from tests.conftest import page
from timebank.accounts.permissions import Role
from timebank.clock import local, now
from timebank.extensions import db
from volunteers.activities import services as activities
from volunteers.themes import services as themes


def _day(days: int) -> str:
    return (local(now()) + timedelta(days=days)).date().isoformat()


def test_anyone_browses_published_coming_activities_without_personal_data(
        client, station, worker, make_station, make_staff, make_volunteer, make_activity):
    station.phone = "020-84680001"
    db.session.commit()
    first, second = station.town.communities
    coming = make_activity(station, worker, title="长者生日会", community=second, slots=3,
                           start=local(now() + timedelta(days=2)).replace(hour=9, minute=0))
    make_activity(station, worker, title="还在草稿的活动", status="draft")
    make_activity(station, worker, title="已经结束的活动",
                  start=local(now() - timedelta(days=2)).replace(hour=9, minute=0))
    elsewhere = make_station()
    make_activity(elsewhere, make_staff(elsewhere), title="别的街道的活动",
                  start=local(now() + timedelta(days=5)).replace(hour=9, minute=0))
    volunteer = make_volunteer(first, name="陈晓敏")
    activities.sign_up(coming, volunteer)
    db.session.commit()

    listing = page(client, "/activities")
    assert "长者生日会" in listing and "别的街道的活动" in listing
    assert "还在草稿的活动" not in listing and "已经结束的活动" not in listing
    assert "剩余 2/3 个名额" in listing
    assert "陈晓敏" not in listing and volunteer.phone not in listing and "李社工" not in listing

    by_town = page(client, f"/activities?town_id={station.town_id}")
    assert "长者生日会" in by_town and "别的街道的活动" not in by_town
    by_community = page(client, f"/activities?community_id={first.id}")
    assert "长者生日会" not in by_community
    assert "长者生日会" in page(client, f"/activities?community_id={second.id}")
    by_days = page(client, f"/activities?from={_day(3)}&to={_day(6)}")
    assert "别的街道的活动" in by_days and "长者生日会" not in by_days
    assert "长者生日会" in page(client, "/activities?from=nonsense&town_id=x")

    detail = page(client, f"/activities/{coming.id}")
    assert "长者生日会" in detail and "020-84680001" in detail
    assert f'href="/login?next=/volunteer/activities/{coming.id}"' in detail
    assert "登录后报名" in detail
    assert "陈晓敏" not in detail and volunteer.phone not in detail


def test_an_activity_filters_by_theme_and_drafts_are_not_found(
        client, station, worker, make_staff, make_activity):
    manager = make_staff(station, role=Role.DISTRICT_ADMIN, name="区管理员")
    today = local(now())
    theme = themes.set_theme(None, today.year, today.month, title="关爱长者月", by=manager)
    db.session.commit()
    start = today + timedelta(hours=2)
    if (start.year, start.month) != (today.year, today.month):
        start = today + timedelta(minutes=5)
    themed = make_activity(station, worker, title="长者生日会", start=start.replace(tzinfo=None)
                           .isoformat(timespec="minutes"), hours=1, theme_id=theme.id)
    make_activity(station, worker, title="禁毒宣传", start=local(now() + timedelta(days=40))
                  .replace(hour=9, minute=0))
    draft = make_activity(station, worker, title="草稿", status="draft")

    listing = page(client, "/activities")
    assert f'<option value="{theme.id}">关爱长者月</option>' in listing
    filtered = page(client, f"/activities?theme_id={theme.id}")
    assert "长者生日会" in filtered and "禁毒宣传" not in filtered
    assert f'<option value="{theme.id}" selected>' in filtered
    assert client.get(f"/activities/{draft.id}").status_code == 404
    assert client.get("/activities/99999").status_code == 404
    assert themed.id


def test_a_logged_in_volunteer_goes_straight_to_the_sign_up_page(
        client, login, station, worker, make_volunteer, make_activity):
    activity = make_activity(station, worker)
    login(make_volunteer(station.town.communities[0]))
    html = page(client, f"/activities/{activity.id}")
    assert f'href="/volunteer/activities/{activity.id}"' in html and "登录后报名" not in html


def test_the_station_directory_shows_contacts_social_workers_theme_and_coming_activities(
        client, station, worker, make_staff, make_volunteer, make_activity):
    station.address, station.phone, station.opening_hours = "南沙街道进港大道1号", "020-84680001", \
        "周一至周五 9:00-18:00"
    manager = make_staff(station, role=Role.STATION_MANAGER, name="王主管")
    today = local(now())
    themes.set_theme(station.id, today.year, today.month, title="邻里守望月", by=manager)
    db.session.commit()
    make_activity(station, worker, title="长者生日会")
    volunteer = make_volunteer(station.town.communities[0], name="陈晓敏")

    directory = page(client, "/stations")
    assert station.name in directory and "020-84680001" in directory
    assert "周一至周五 9:00-18:00" in directory
    assert f'href="/stations/{station.id}"' in directory

    html = page(client, f"/stations/{station.id}")
    assert "南沙街道进港大道1号" in html and "周一至周五 9:00-18:00" in html
    assert "李社工" in html and "邻里守望月" in html and "长者生日会" in html
    assert worker.phone not in html and manager.phone not in html
    assert "陈晓敏" not in html and volunteer.phone not in html
    assert client.get("/stations/99999").status_code == 404


def test_visitors_find_the_public_pages_from_the_top_bar(client):
    html = page(client, "/")
    assert 'href="/activities"' in html and 'href="/stations"' in html
