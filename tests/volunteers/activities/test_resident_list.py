"""The volunteer's activity list on a phone: filters by community, day and what fits their
skills and time; their past activities with the hours approved for each; their social worker
and station phone; and a confirmation before cancelling a sign-up."""

from datetime import datetime, timedelta

from tests.conftest import log_in, page, post_form
from tests.volunteers.activities.test_views import this_month_key, times_this_month
from timebank.clock import local, now, zone
from timebank.extensions import db
from volunteers.activities import services as activities
from volunteers.activities.models import SignUp
from volunteers.checkins import services as checkins
from volunteers.matching.scoring import Opening, day_slots
from volunteers.profiles.services import profile_for


def _slots(when: datetime, hours: int = 2) -> list[str]:
    return sorted(day_slots(Opening(id=0, starts_at=when, ends_at=when + timedelta(hours=hours),
                                    slots=1), zone()))


def test_the_list_filters_by_community_day_and_what_fits_my_skills_and_time(
        client, login, station, worker, make_volunteer, make_activity):
    first, second = station.town.communities
    early, late = times_this_month(2)
    fitting = make_activity(station, worker, title="急救培训进社区", start=early, community=first,
                            required_skills=["first_aid"])
    make_activity(station, worker, title="长者接送", start=late, community=second,
                  required_skills=["driving"])
    volunteer = make_volunteer(first, skills=["first_aid"], availability=_slots(early),
                               consent=True)
    login(volunteer)
    month = this_month_key()

    everything = page(client, f"/volunteer/activities?month={month}")
    assert "急救培训进社区" in everything and "长者接送" in everything
    assert "符合我的技能和空闲时间" in everything
    fits = page(client, f"/volunteer/activities?month={month}&fits=1")
    assert "急救培训进社区" in fits and "长者接送" not in fits
    assert 'name="fits" value="1" checked' in fits
    in_second = page(client, f"/volunteer/activities?month={month}&community_id={second.id}")
    assert "长者接送" in in_second and "急救培训进社区" not in in_second
    day = local(early).date()
    on_day = page(client, f"/volunteer/activities?month={month}&day={day.isoformat()}")
    assert "急救培训进社区" in on_day
    if local(late).date() != day:
        assert "长者接送" not in on_day
    # A day of another month, or nonsense, is no filter at all.
    assert "长者接送" in page(client, f"/volunteer/activities?month={month}&day=1999-01-01")
    assert fitting.id


def test_fits_asks_for_every_skill_and_every_part_of_the_day(station, worker, make_volunteer,
                                                             make_activity):
    saturday = datetime(2030, 3, 9, 10, 0, tzinfo=zone())  # a Saturday, 10:00-13:00
    activity = make_activity(station, worker, start="2030-03-09 10:00", hours=3,
                             required_skills=["first_aid", "photography"])
    assert activity.starts_at == saturday
    community = station.town.communities[0]
    both = make_volunteer(community, skills=["first_aid", "photography"],
                          availability=["sat-am", "sat-pm"], consent=True)
    morning_only = make_volunteer(community, skills=["first_aid", "photography"],
                                  availability=["sat-am"], consent=True)
    one_skill = make_volunteer(community, skills=["first_aid"],
                               availability=["sat-am", "sat-pm"], consent=True)
    assert activities.fits(activity, profile_for(both))
    assert not activities.fits(activity, profile_for(morning_only))
    assert not activities.fits(activity, profile_for(one_skill))
    assert not activities.fits(activity, None)


def test_my_past_activities_show_the_hours_approved_for_each(
        client, login, station, worker, make_volunteer, make_activity):
    volunteer = make_volunteer(station.town.communities[0])
    start = local(now() - timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
    approved = make_activity(station, worker, title="重阳敬老探访", start=start, hours=2)
    waiting = make_activity(station, worker, title="社区清洁日", start=start + timedelta(days=1),
                            hours=2)
    for activity in (approved, waiting):
        db.session.add(SignUp(activity_id=activity.id, user_id=volunteer.id, status="confirmed"))
        db.session.flush()
        checkin, _ = checkins.check_in(activity, volunteer, at=activity.starts_at)
        checkins.check_out(checkin, activity, at=activity.ends_at)
        if activity is approved:
            checkins.approve(checkin, by=worker)
    db.session.commit()
    login(volunteer)
    html = page(client, "/volunteer/activities")
    history = html[html.index("我参加过的活动"):]
    assert history.index("社区清洁日") < history.index("重阳敬老探访")  # latest first
    assert "2小时" in history and "待审核" in history


def test_my_social_worker_and_station_phone_are_shown(client, login, station, worker,
                                                      make_volunteer):
    station.phone = "020-84680001"
    db.session.commit()
    login(make_volunteer(station.town.communities[0]))
    for url in ("/volunteer/", "/volunteer/activities"):
        html = page(client, url)
        assert "李社工" in html and 'href="tel:020-84680001"' in html


def test_cancelling_asks_first_and_keeping_the_place_changes_nothing(
        app, client, login, station, worker, make_volunteer, make_activity):
    community = station.town.communities[0]
    activity = make_activity(station, worker, title="长者探访", slots=1)
    volunteer = make_volunteer(community)
    mine = activities.sign_up(activity, volunteer)
    activities.sign_up(activity, make_volunteer(community, name="候补一"))
    db.session.commit()
    login(volunteer)
    url = f"/volunteer/activities/{activity.id}"
    detail = page(client, url)
    assert f'href="/volunteer/sign-ups/{mine.id}/cancel"' in detail
    confirm = page(client, f"/volunteer/sign-ups/{mine.id}/cancel")
    assert "确定取消报名吗？" in confirm and "名额将让给候补名单上的第一位" in confirm
    assert f'action="/volunteer/sign-ups/{mine.id}/cancel"' in confirm
    assert f'href="{url}"' in confirm and "不取消，保留名额" in confirm
    db.session.expire_all()
    assert db.session.get(SignUp, mine.id).status == "confirmed"  # looking changes nothing

    post_form(client, f"/volunteer/sign-ups/{mine.id}/cancel", {},
              page=f"/volunteer/sign-ups/{mine.id}/cancel")
    db.session.expire_all()
    assert db.session.get(SignUp, mine.id).status == "cancelled"
    # Once cancelled, the confirmation leads back to the activity.
    response = client.get(f"/volunteer/sign-ups/{mine.id}/cancel")
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    other = app.test_client()
    log_in(other, make_volunteer(community, name="别人"))
    assert other.get(f"/volunteer/sign-ups/{mine.id}/cancel").status_code == 404
