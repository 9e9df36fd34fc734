"""Volunteer pages through HTTP: this month's activities, sign-up from an activity's page, and my
volunteer profile."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import page, post_form
from timebank.clock import local, now
from timebank.extensions import db
from volunteers.activities import services as activities
from volunteers.activities.models import SignUp, SignUpStatus
from volunteers.profiles import services as profiles
from volunteers.themes import services as themes


def times_this_month(count: int) -> list:
    """`count` moments, in order, still ahead of us and still inside the current month (in the
    platform's zone), so the activities they start land on this month's pages on any day."""
    current = local(now()).replace(microsecond=0)
    following = (current.replace(day=28) + timedelta(days=4)).replace(
        day=1, hour=0, minute=0, second=0)
    window = min(following - current, timedelta(days=20))
    if window < timedelta(minutes=5 * (count + 1)):
        pytest.skip("too close to the end of the month for activities later this month")
    step = window / (count + 1)
    return [(current + step * (index + 1)).replace(microsecond=0) for index in range(count)]


def this_month_key() -> str:
    return local(now()).strftime("%Y-%m")


def sign_ups(activity, status=None) -> int:
    statement = select(func.count(SignUp.id)).where(SignUp.activity_id == activity.id)
    if status:
        statement = statement.where(SignUp.status == status)
    return db.session.scalar(statement)






# --- browsing ---------------------------------------------------------------------------------

def test_this_months_activities_show_my_community_first_and_filter_by_theme(
        client, login, station, worker, make_station, make_staff, make_volunteer, make_activity):
    first, second = station.town.communities
    today = local(now())
    ours = themes.set_theme(None, today.year, today.month, title="关爱长者月", tags=["敬老"],
                            by=_admin(make_staff, station))
    db.session.commit()
    early, late = times_this_month(2)
    make_activity(station, worker, title="禁毒宣传进社区", start=early, community=first, slots=4)
    mine = make_activity(station, worker, title="长者生日会", start=late, community=second,
                         theme_id=ours.id, slots=3)
    make_activity(station, worker, title="还在草稿的活动", start=early, status="draft")
    elsewhere = make_station()
    make_activity(elsewhere, make_staff(elsewhere), title="别的街道的活动", start=early)
    volunteer = make_volunteer(second, name="陈晓敏")
    activities.sign_up(mine, make_volunteer(second))
    db.session.commit()
    login(volunteer)

    listing = page(client, "/volunteer/activities")
    assert listing.index("长者生日会") < listing.index("禁毒宣传进社区")  # my community first
    assert "本村居" in listing and "关爱长者月" in listing
    assert "剩余 2/3 个名额" in listing and "剩余 4/4 个名额" in listing
    assert "还在草稿的活动" not in listing and "别的街道的活动" not in listing

    filtered = page(client, f"/volunteer/activities?month={this_month_key()}&theme_id={ours.id}")
    assert "长者生日会" in filtered and "禁毒宣传进社区" not in filtered
    assert 'aria-current="true"' in filtered

    # Another month shows that month's activities: none here.
    following = (today.replace(day=28) + timedelta(days=4)).strftime("%Y-%m")
    assert "长者生日会" not in page(client, f"/volunteer/activities?month={following}")
    assert "长者生日会" in page(client, "/volunteer/activities?month=nonsense")


def _admin(make_staff, station):
    from timebank.accounts.permissions import Role

    return make_staff(station, role=Role.DISTRICT_ADMIN, name="区管理员")


def test_the_volunteer_home_links_to_activities_and_profile(client, login, station, worker,
                                                            make_volunteer, make_activity):
    (when,) = times_this_month(1)
    activity = make_activity(station, worker, title="长者生日会", start=when)
    login(make_volunteer(station.town.communities[0]))
    home = page(client, "/volunteer/")
    assert f'href="/volunteer/activities/{activity.id}"' in home
    assert 'href="/volunteer/activities"' in home and 'href="/volunteer/profile"' in home


def test_a_volunteer_without_a_community_is_asked_for_one(client, login, make_user):
    login(make_user())
    assert "我的志愿者资料" in page(client, "/volunteer/activities")


# --- sign-up ----------------------------------------------------------------------------------

def test_signing_up_from_the_activity_page_confirms_a_place(client, login, station, worker,
                                                            make_volunteer, make_activity):
    activity = make_activity(station, worker, title="长者探访", slots=2)
    volunteer = make_volunteer(station.town.communities[0])
    login(volunteer)
    url = f"/volunteer/activities/{activity.id}"
    assert "我要报名" in page(client, url)
    response = post_form(client, f"{url}/sign-up", {}, page=url, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "已报名“长者探访”，到时见！" in html
    assert "已确认" in html and "取消报名" in html and "我要报名" not in html
    assert "剩余 1/2 个名额" in html
    # Pressing again changes nothing.
    post_form(client, f"{url}/sign-up", {}, page=url)
    assert sign_ups(activity) == 1


def test_a_full_activity_puts_me_on_the_waiting_list_and_says_so(
        client, login, station, worker, make_volunteer, make_activity):
    activity = make_activity(station, worker, title="长者探访", slots=1)
    activities.sign_up(activity, make_volunteer(station.town.communities[0], name="先报名的"))
    db.session.commit()
    login(make_volunteer(station.town.communities[0]))
    url = f"/volunteer/activities/{activity.id}"
    before = page(client, url)
    assert "已满，可登记候补" in before and "登记候补" in before
    html = post_form(client, f"{url}/sign-up", {}, page=url, follow_redirects=True
                     ).get_data(as_text=True)
    assert "“长者探访”名额已满，您已登记候补（第 1 位）" in html
    assert "候补中" in html and "您在候补名单第 1 位" in html
    assert sign_ups(activity, SignUpStatus.WAITLISTED) == 1


def test_an_overlapping_sign_up_is_refused_with_the_clash_named(
        client, login, station, worker, make_volunteer, make_activity):
    morning = make_activity(station, worker, title="长者探访", start="2030-03-05 09:00", hours=2)
    overlapping = make_activity(station, worker, title="禁毒宣传", start="2030-03-05 10:00")
    volunteer = make_volunteer(station.town.communities[0])
    activities.sign_up(morning, volunteer)
    db.session.commit()
    login(volunteer)
    url = f"/volunteer/activities/{overlapping.id}"
    html = post_form(client, f"{url}/sign-up", {}, page=url, follow_redirects=True
                     ).get_data(as_text=True)
    assert "您已报名 2030-03-05 09:00 的“长者探访”，与本活动时间冲突。" in html
    assert "flash--error" in html and "我要报名" in html
    assert sign_ups(overlapping) == 0 and sign_ups(morning) == 1


def test_cancelling_from_the_page_promotes_the_first_waiting(
        client, login, station, worker, make_volunteer, make_activity):
    community = station.town.communities[0]
    activity = make_activity(station, worker, slots=1)
    volunteer = make_volunteer(community)
    mine = activities.sign_up(activity, volunteer)
    first = activities.sign_up(activity, make_volunteer(community, name="候补一"))
    second = activities.sign_up(activity, make_volunteer(community, name="候补二"))
    db.session.commit()
    login(volunteer)
    url = f"/volunteer/activities/{activity.id}"
    html = post_form(client, f"/volunteer/sign-ups/{mine.id}/cancel", {}, page=url,
                     follow_redirects=True).get_data(as_text=True)
    assert "已取消报名" in html and "我要报名" not in html  # full again, so: the waiting list
    db.session.expire_all()
    assert (db.session.get(SignUp, mine.id).status, db.session.get(SignUp, first.id).status,
            db.session.get(SignUp, second.id).status) == ("cancelled", "confirmed", "waitlisted")


def test_an_invitation_is_accepted_or_declined_on_the_page(
        client, login, station, worker, make_volunteer, make_activity):
    community = station.town.communities[0]
    one = make_activity(station, worker, title="长者探访", start="2030-03-05 09:00")
    two = make_activity(station, worker, title="禁毒宣传", start="2030-03-06 09:00")
    volunteer = make_volunteer(community)
    accepted = activities.sign_up(one, volunteer, status=SignUpStatus.INVITED)
    declined = activities.sign_up(two, volunteer, status=SignUpStatus.INVITED)
    db.session.commit()
    login(volunteer)
    url = f"/volunteer/activities/{one.id}"
    invited = page(client, url)
    assert "已邀请" in invited and "接受邀请" in invited and "婉拒" in invited
    html = post_form(client, f"/volunteer/sign-ups/{accepted.id}/accept", {}, page=url,
                     follow_redirects=True).get_data(as_text=True)
    assert "谢谢！您的名额已确认。" in html and "已确认" in html
    post_form(client, f"/volunteer/sign-ups/{declined.id}/decline", {}, page=url)
    db.session.expire_all()
    assert db.session.get(SignUp, accepted.id).status == "confirmed"
    assert db.session.get(SignUp, declined.id).status == "cancelled"


def test_nobody_else_can_touch_my_sign_up_and_drafts_stay_hidden(
        client, login, station, worker, make_volunteer, make_activity):
    community = station.town.communities[0]
    activity = make_activity(station, worker)
    draft = make_activity(station, worker, title="草稿", start="2030-03-05 09:00", status="draft")
    mine = activities.sign_up(activity, make_volunteer(community))
    db.session.commit()
    login(make_volunteer(community, name="别人"))
    url = f"/volunteer/activities/{activity.id}"
    assert post_form(client, f"/volunteer/sign-ups/{mine.id}/cancel", {}, page=url
                     ).status_code == 404
    assert client.get(f"/volunteer/activities/{draft.id}").status_code == 404
    assert post_form(client, f"/volunteer/activities/{draft.id}/sign-up", {}, page=url
                     ).status_code == 404
    assert client.get("/volunteer/activities/99999").status_code == 404
    db.session.expire_all()
    assert db.session.get(SignUp, mine.id).status == "confirmed"


def test_volunteer_pages_need_a_login(client):
    response = client.get("/volunteer/activities")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- my volunteer profile ---------------------------------------------------------------------

PROFILE = {"skills": ["first_aid", "photography"], "skills_other": "粤剧",
           "interest_groups": ["elderly"], "interest_themes": "敬老、助残, 禁毒",
           "availability": ["sat-am", "sun-pm"], "monthly_limit": "3",
           "id_number": "440115199001011231", "gender": "female", "consent": "yes"}


def test_saving_my_profile_with_consent_relinks_me_to_the_grid_social_worker(
        client, login, make_station, make_staff, make_volunteer):
    north, south = make_station(), make_station()
    make_staff(north, name="北社工")
    south_worker = make_staff(south, name="南社工")
    volunteer = make_volunteer(north.town.communities[0])
    login(volunteer)
    form = page(client, "/volunteer/profile")
    assert f'<optgroup label="{south.town.name}">' in form and "北社工" in form
    response = post_form(client, "/volunteer/profile",
                         {**PROFILE, "community_id": str(south.town.communities[1].id)},
                         follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "您的志愿者资料已保存" in html and "您的联系社工现在是 南社工" in html
    db.session.expire_all()
    profile = profiles.profile_for(volunteer)
    assert profile.linked_social_worker_id == south_worker.id
    assert profile.community_id == south.town.communities[1].id
    assert profile.skills == ["first_aid", "photography"] and profile.skills_other == "粤剧"
    assert profile.interest_groups == ["elderly"]
    assert profile.interest_themes == ["敬老", "助残", "禁毒"]
    assert profile.availability == ["sat-am", "sun-pm"] and profile.monthly_limit == 3
    assert profile.id_number == "440115199001011231" and profile.gender == "female"
    assert profile.consent_at is not None
    # The form shows what was saved, ticked.
    assert 'value="sat-am" checked' in html and 'value="first_aid" checked' in html
    assert "440115199001011231" in html and "敬老、助残、禁毒" in html


def test_skills_interests_and_availability_need_consent(client, login, station, worker,
                                                        make_volunteer):
    volunteer = make_volunteer(station.town.communities[0])
    login(volunteer)
    without = {key: value for key, value in PROFILE.items() if key != "consent"}
    response = post_form(client, "/volunteer/profile",
                         {**without, "community_id": str(station.town.communities[0].id)})
    assert response.status_code == 422
    assert "须经您同意才会保存：请勾选下方的同意选项，或清空这些内容" in response.get_data(as_text=True)
    db.session.expire_all()
    assert profiles.profile_for(volunteer).skills == []
    # The basic record alone is fine without consent.
    response = post_form(client, "/volunteer/profile", {
        "community_id": str(station.town.communities[1].id), "gender": "male",
        "monthly_limit": "2", "id_number": ""})
    assert response.status_code == 302
    db.session.expire_all()
    profile = profiles.profile_for(volunteer)
    assert profile.community_id == station.town.communities[1].id and profile.gender == "male"
    assert profile.consent_at is None


def test_a_wrong_id_number_is_refused(client, login, station, make_volunteer):
    volunteer = make_volunteer(station.town.communities[0])
    login(volunteer)
    response = post_form(client, "/volunteer/profile", {**PROFILE, "id_number": "440115199001011239"})
    assert response.status_code == 422
    assert "这不是有效的 18 位居民身份证号" in response.get_data(as_text=True)
    db.session.expire_all()
    assert profiles.profile_for(volunteer).id_number is None


def test_a_new_resident_opens_the_profile_form(client, login, make_user, station):
    login(make_user())
    html = page(client, "/volunteer/profile")
    assert "暂未安排" in html and 'name="availability" value="sun-eve"' in html
