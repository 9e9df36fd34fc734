"""Training and qualifications through HTTP: the API (courses, sessions, attendance by staff
and by scan, my training, paper qualifications, waivers), the station's pages, a matching run
that skips a volunteer without the required qualification, and the hours pages."""

import re
from datetime import timedelta

from sqlalchemy import func, select

from tests.conftest import log_in, page, post_form
from timebank.accounts.permissions import Role
from timebank.clock import local, now
from timebank.extensions import db
from timebank.ledger.models import Transfer
from volunteers.matching import scoring as matching
from volunteers.training import services as training
from volunteers.training.models import TrainingAttendance, TrainingSession


def at(moment) -> str:
    return local(moment).isoformat()


def test_staff_create_a_course_and_session_and_record_attendance_by_api(
        client, api_token, station, worker, make_volunteer, first_aid):
    staff = api_token(worker)
    response = client.post("/api/v1/training-courses", json={
        "title": "应急救护培训", "organiser": "南沙区红十字会", "qualification_id": first_aid.id},
        headers=staff)
    assert response.status_code == 201, response.get_json()
    course = response.get_json()
    assert course["station_id"] == station.id and course["qualification"] == "急救证"
    start = now() + timedelta(days=1)
    response = client.post("/api/v1/training-sessions", json={
        "course_id": course["id"], "trainer": "王医生", "place": "社工站",
        "starts_at": at(start), "ends_at": at(start + timedelta(hours=3))}, headers=staff)
    assert response.status_code == 201, response.get_json()
    session = response.get_json()
    assert session["minutes"] == 180

    listed = client.get("/api/v1/training-sessions", headers=staff).get_json()
    assert [row["id"] for row in listed["items"]] == [session["id"]]

    volunteer = make_volunteer(station.town.communities[0], name="陈晓敏")
    url = f"/api/v1/training-sessions/{session['id']}/attendance"
    response = client.post(url, json={"user_id": volunteer.id}, headers=staff)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "session_not_held"
    db.session.rollback()
    assert db.session.scalar(select(func.count(TrainingAttendance.id))) == 0

    # The session is held: move it to yesterday (as time passing would).
    row = db.session.get(TrainingSession, session["id"])
    row.starts_at, row.ends_at = now() - timedelta(days=1), now() - timedelta(days=1, hours=-3)
    db.session.commit()
    response = client.post(url, json={"user_id": volunteer.id}, headers=staff)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["method"] == "staff"
    assert client.post(url, json={"user_id": volunteer.id}, headers=staff).status_code == 200
    assert client.post(url, json={"user_id": 2_000_000}, headers=staff).status_code == 422
    listed = client.get(url, headers=staff).get_json()
    assert [row["user_name"] for row in listed] == ["陈晓敏"]

    mine = client.get("/api/v1/me/training", headers=api_token(volunteer)).get_json()
    assert mine["training_minutes"] == 180
    [grant] = mine["qualifications"]
    assert grant["qualification"] == "急救证" and grant["held_today"] and grant["source"] == "training"


def test_residents_and_other_stations_are_refused(client, api_token, station, worker,
                                                  make_volunteer, make_session, make_station,
                                                  make_staff):
    session = make_session(station, worker)
    volunteer = make_volunteer(station.town.communities[0])
    assert client.get("/api/v1/training-courses", headers=api_token(volunteer)).status_code == 403
    other = api_token(make_staff(make_station(), name="别站"))
    response = client.post(f"/api/v1/training-sessions/{session.id}/attendance",
                           json={"user_id": volunteer.id}, headers=other)
    assert response.status_code == 403
    response = client.post("/api/v1/qualifications", json={"name": "潜水证"},
                           headers=api_token(worker))
    assert response.status_code == 403


def test_a_volunteer_scans_in_the_window_by_api(client, api_token, station, worker,
                                                make_volunteer, make_session, first_aid):
    session = make_session(station, worker, qualification=first_aid)
    later = make_session(station, worker, start=timedelta(hours=5))
    headers = api_token(make_volunteer(station.town.communities[0]))
    token = training.make_code(session)
    response = client.post("/api/v1/training-sessions/scan", json={"token": token}, headers=headers)
    assert response.status_code == 201, response.get_json()
    again = client.post("/api/v1/training-sessions/scan", json={"token": token}, headers=headers)
    assert again.status_code == 200 and again.get_json()["id"] == response.get_json()["id"]
    early = client.post("/api/v1/training-sessions/scan",
                        json={"token": training.make_code(later)}, headers=headers)
    assert early.status_code == 409
    assert early.get_json()["error"]["code"] == "outside_session_window"
    forged = client.post("/api/v1/training-sessions/scan", json={"token": "abc.def"},
                         headers=headers)
    assert forged.status_code == 404


def test_expired_qualification_is_refused_at_sign_up_naming_it_and_a_waiver_lets_them_in(
        client, api_token, station, worker, make_volunteer, make_activity, first_aid):
    activity = make_activity(station, worker, required_qualification_id=first_aid.id)
    volunteer = make_volunteer(station.town.communities[0], name="黄志强")
    staff, mine = api_token(worker), api_token(volunteer)
    day = local(activity.starts_at).date()
    response = client.post(f"/api/v1/volunteers/{volunteer.id}/qualifications", json={
        "qualification_id": first_aid.id, "obtained_on": (day - timedelta(days=1100)).isoformat(),
        "expires_on": (day - timedelta(days=1)).isoformat(), "certificate_number": "GZ-RC-0001"},
        headers=staff)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["held_today"] is True  # valid today, expired on the day

    refused = client.post(f"/api/v1/activities/{activity.id}/signups", json={}, headers=mine)
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "qualification_required" and "急救证" in error["message"]

    activity_body = client.get(f"/api/v1/activities?month={day:%Y-%m}").get_json()
    shown = [row for row in activity_body["items"] if row["id"] == activity.id][0] \
        if isinstance(activity_body, dict) else None
    if shown is not None:
        assert shown["required_qualification"] == "急救证"

    url = f"/api/v1/activities/{activity.id}/qualification-waivers"
    assert client.post(url, json={"user_id": volunteer.id, "reason": ""},
                       headers=staff).status_code == 422
    assert client.post(url, json={"user_id": volunteer.id, "reason": "x"},
                       headers=mine).status_code == 403
    response = client.post(url, json={"user_id": volunteer.id, "reason": "执业护士，现场查验"},
                           headers=staff)
    assert response.status_code == 201, response.get_json()
    assert client.post(url, json={"user_id": volunteer.id, "reason": "再次"},
                       headers=staff).status_code == 409
    signed = client.post(f"/api/v1/activities/{activity.id}/signups", json={}, headers=mine)
    assert signed.status_code == 201, signed.get_json()


def test_matching_never_proposes_a_volunteer_without_the_qualification(
        client, api_token, station, worker, make_volunteer, make_activity, first_aid):
    activity = make_activity(station, worker, title="急救站值守", slots=3,
                             required_qualification_id=first_aid.id)
    opening = matching.Opening(id=activity.id, starts_at=activity.starts_at,
                               ends_at=activity.ends_at, slots=1)
    free = sorted(matching.day_slots(opening, local(now()).tzinfo))
    first = station.town.communities[0]
    holder = make_volunteer(first, name="陈晓敏", consent=True, availability=free)
    lacking = make_volunteer(first, name="黄志强", consent=True, availability=free,
                             skills=["first_aid"])
    waived = make_volunteer(first, name="李小红", consent=True, availability=free)
    training.record_paper(worker, holder, qualification_id=first_aid.id,
                          obtained_on=local(now()).date(), certificate_number="HZ-1")
    training.grant_waiver(activity, waived.id, reason="医生", by=worker)
    db.session.commit()
    response = client.post("/api/v1/matching/runs",
                           json={"month": local(activity.starts_at).strftime("%Y-%m")},
                           headers=api_token(worker))
    assert response.status_code == 201, response.get_json()
    proposed = {row["user_id"] for row in response.get_json()["proposals"]}
    assert lacking.id not in proposed
    assert proposed == {holder.id, waived.id}


def test_training_hours_show_apart_on_the_hours_pages_and_never_in_the_ledger(
        client, station, worker, make_volunteer, make_session, first_aid):
    volunteer = make_volunteer(station.town.communities[0], name="陈晓敏")
    session = make_session(station, worker, start=timedelta(days=-2), qualification=first_aid)
    training.record_attendance(session, volunteer.id, by=worker)
    db.session.commit()
    log_in(client, volunteer)
    html = page(client, "/hours/")
    section = html[html.index('class="card training-hours"'):]
    assert "培训时长" in section and 'data-minutes="120"' in section and "急救证" in section
    balance = re.search(r'class="balance" data-minutes="(\d+)"', html).group(1)
    assert balance == "0"
    assert db.session.scalar(select(func.count(Transfer.id))) == 0
    mine = page(client, "/volunteer/training")
    assert "2小时" in mine or "2 小时" in mine or "120" in mine
    assert "急救证" in mine


def test_station_pages_create_a_course_and_a_session(client, station, worker, first_aid):
    log_in(client, worker)
    html = page(client, "/station/training")
    assert "培训" in html
    response = post_form(client, "/station/training/courses",
                         {"title": "禁毒宣传员培训", "organiser": "南沙区禁毒办",
                          "qualification_id": str(first_aid.id)}, page="/station/training")
    assert response.status_code == 302
    course = training.db.session.scalars(training.courses_statement(worker, station.id)).first()
    day = (local(now()).date() + timedelta(days=3)).isoformat()
    url = f"/station/training/courses/{course.id}/sessions/new"
    bad = post_form(client, url, {"day": day, "start_time": "10:00", "end_time": "09:00"})
    assert bad.status_code == 422 and "结束" in bad.get_data(as_text=True)
    response = post_form(client, url, {"day": day, "start_time": "09:00", "end_time": "11:30",
                                       "trainer": "王老师", "place": "活动室"})
    assert response.status_code == 302, response.get_data(as_text=True)
    html = page(client, response.headers["Location"])
    assert "禁毒宣传员培训" in html and "code.svg" in html
    # Not yet held: no hand-recording form.
    assert 'name="phone"' not in html
    svg = client.get(response.headers["Location"] + "/code.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"


def test_staff_record_a_paper_qualification_and_a_waiver_on_pages(
        client, station, worker, make_volunteer, make_activity, first_aid):
    volunteer = make_volunteer(station.town.communities[0], name="陈晓敏")
    activity = make_activity(station, worker, required_qualification_id=first_aid.id)
    log_in(client, worker)
    url = f"/station/volunteers/{volunteer.id}/training"
    response = post_form(client, url, {"qualification_id": str(first_aid.id),
                                       "certificate_number": "HK-1",
                                       "obtained_on": local(now()).date().isoformat()})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "HK-1" in page(client, url)
    detail = page(client, f"/station/activities/{activity.id}")
    assert "急救证" in detail
    waivers = f"/station/activities/{activity.id}/waivers"
    other = make_volunteer(station.town.communities[0], name="黄志强")
    response = post_form(client, waivers, {"phone": other.phone, "reason": "持护士执业证"})
    assert response.status_code == 302
    assert "持护士执业证" in page(client, waivers)
    assert post_form(client, waivers, {"phone": "13999999999", "reason": "x"}).status_code == 422


def test_a_district_admin_adds_a_qualification(client, api_token, make_user):
    admin = make_user(Role.DISTRICT_ADMIN, name="区管理员")
    response = client.post("/api/v1/qualifications", json={"name": "潜水证", "valid_months": 24},
                           headers=api_token(admin))
    assert response.status_code == 201
    names = [row["name"] for row in client.get("/api/v1/qualifications").get_json()["items"]]
    assert "潜水证" in names


def test_the_scan_landing_page_records_once_and_refuses_outside_the_window(
        client, station, worker, make_volunteer, make_session):
    volunteer = make_volunteer(station.town.communities[0])
    session = make_session(station, worker)
    later = make_session(station, worker, start=timedelta(hours=4))
    log_in(client, volunteer)
    url = f"/volunteer/training/t/{training.make_code(session)}"
    assert "确认签到" in page(client, url)
    response = post_form(client, url, {})
    assert response.status_code == 200 and "签到成功" in response.get_data(as_text=True)
    assert "您的出勤已登记" in page(client, url)
    early = f"/volunteer/training/t/{training.make_code(later)}"
    response = post_form(client, early, {})
    assert response.status_code == 409 and "仅在" in response.get_data(as_text=True)
    assert page(client, "/volunteer/training/t/forged.code", status=404)
    db.session.rollback()
    assert db.session.scalar(select(func.count(TrainingAttendance.id))) == 1


def test_the_station_activity_form_sets_the_required_qualification(client, station, worker,
                                                                   first_aid):
    from tests.volunteers.activities.test_station import activity_form
    from volunteers.activities.models import Activity

    log_in(client, worker)
    assert "所需资质" in page(client, "/station/activities/new")
    form = activity_form(community_id=str(station.town.communities[0].id),
                         required_qualification_id=str(first_aid.id))
    bad = post_form(client, "/station/activities/new",
                    {**form, "required_qualification_id": "99999"})
    assert bad.status_code == 422
    response = post_form(client, "/station/activities/new", form)
    assert response.status_code == 302, response.get_data(as_text=True)
    created = db.session.scalar(select(Activity).order_by(Activity.id.desc()))
    assert created.required_qualification_id == first_aid.id
    assert "急救证" in page(client, response.headers["Location"])
    shown = client.get(f"/api/v1/activities/{created.id}").get_json()
    assert shown["required_qualification"] == "急救证"
    assert shown["required_qualification_id"] == first_aid.id


def test_staff_see_training_hours_on_the_members_hours_page(client, station, worker,
                                                            make_volunteer, make_session):
    volunteer = make_volunteer(station.town.communities[0], name="陈晓敏")
    training.record_attendance(make_session(station, worker, start=timedelta(days=-1),
                                            minutes=90), volunteer.id, by=worker)
    db.session.commit()
    log_in(client, worker)
    html = page(client, f"/staff/members/{volunteer.id}/hours")
    section = html[html.index('class="card training-hours"'):]
    assert 'data-minutes="90"' in section and f"/station/volunteers/{volunteer.id}/training" in section
    record = page(client, f"/station/volunteers/{volunteer.id}/training")
    assert "培训记录" in record and 'data-minutes="90"' in record
