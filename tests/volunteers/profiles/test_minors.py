"""Minors (issue #21): the age from the ID number or the date of birth, a guardian's consent
before a minor signs up, children under 14 registered only by the station, an activity's
minimum age (also in matching), and the insurance of risky activities. The suite's clock is
2026-12-16 10:00 in Shanghai; activities are tomorrow, 2026-12-17."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import log_in, post_form
from timebank.accounts.services import get_by_phone
from timebank.audit.models import AuditEntry
from timebank.errors import Conflict, InvalidInput
from timebank.extensions import db
from volunteers.activities import services as activities
from volunteers.activities.models import SignUp
from volunteers.checkins import services as checkins
from volunteers.matching import services as match_runs
from volunteers.profiles import services as profiles
from volunteers.profiles.models import VolunteerProfile


def id_number(born: str, serial: str = "123") -> str:
    """A valid resident ID number (check digit and all) for a birth date ``YYYYMMDD``."""
    body = "440115" + born + serial
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def error_of(response) -> dict:
    body = response.get_json()
    assert set(body) == {"error"}, body
    return body["error"]


def minor(make_volunteer, community, born: date, *, consent=False, staff=None, name="少年志愿者"):
    """A volunteer born on `born`, with a guardian's consent recorded if `consent`."""
    user = make_volunteer(community, name=name)
    profile = profiles.profile_for(user)
    profile.birth_date = born
    if staff is not None:
        profile.registered_by_staff_id = staff.id
    if consent:
        profiles.record_guardian(profile, {"guardian_name": "家长", "guardian_phone": "13987650000",
                                           "guardian_relationship": "mother", "declaration": True},
                                 by=user)
    db.session.commit()
    return user


GUARDIAN = {"guardian_name": "陈家长", "guardian_phone": "13987650001",
            "guardian_relationship": "father"}


# --- age ------------------------------------------------------------------------------------------

def test_age_comes_from_the_id_number_or_the_birth_date(app):
    by_id = VolunteerProfile(id_number=id_number("20101216"))
    assert profiles.birth_from_id(by_id.id_number) == date(2010, 12, 16)
    assert profiles.age_on(by_id, date(2026, 12, 16)) == 16  # the birthday itself counts
    assert profiles.age_on(by_id, date(2026, 12, 15)) == 15
    by_date = VolunteerProfile(birth_date=date(2008, 2, 29))
    assert profiles.age_on(by_date, date(2026, 2, 28)) == 17  # no 29 February in 2026
    assert profiles.age_on(by_date, date(2026, 3, 1)) == 18
    assert profiles.age_on(by_date, date(2028, 2, 29)) == 20
    assert profiles.age_on(VolunteerProfile(), date(2026, 12, 16)) is None


def test_an_id_number_and_a_birth_date_that_disagree_are_refused(make_volunteer, make_station):
    user = make_volunteer(make_station().town.communities[0])
    with pytest.raises(InvalidInput) as refused:
        profiles.update_profile(profiles.profile_for(user), {
            "id_number": id_number("19900101"), "birth_date": date(1990, 1, 2)})
    assert "birth_date" in refused.value.fields
    db.session.rollback()
    profiles.update_profile(profiles.profile_for(user), {
        "id_number": id_number("19900101"), "birth_date": date(1990, 1, 1)})


# --- a guardian's consent before a minor signs up -----------------------------------------------

def test_a_16_year_old_is_refused_without_a_guardian_then_signs_up_after_consent(
        client, make_station, make_staff, make_volunteer, make_activity, api_token):
    station = make_station()
    activity = make_activity(station, make_staff(station))
    teen = minor(make_volunteer, station.town.communities[0], date(2010, 6, 1))
    headers = api_token(teen)
    refused = client.post(f"/api/v1/activities/{activity.id}/signups", headers=headers)
    assert refused.status_code == 409
    assert error_of(refused)["code"] == "guardian_consent_needed"
    assert error_of(refused)["fields"]["guardian_page"] == ["/volunteer/guardian"]
    # The guardian must tick the declaration, and give their own number.
    undeclared = client.put("/api/v1/me/guardian", headers=headers, json=GUARDIAN)
    assert undeclared.status_code == 422 and "declaration" in error_of(undeclared)["fields"]
    own_phone = client.put("/api/v1/me/guardian", headers=headers,
                           json={**GUARDIAN, "guardian_phone": teen.phone, "declaration": True})
    assert own_phone.status_code == 422 and "guardian_phone" in error_of(own_phone)["fields"]
    consented = client.put("/api/v1/me/guardian", headers=headers,
                           json={**GUARDIAN, "declaration": True})
    assert consented.status_code == 200, consented.get_json()
    body = consented.get_json()
    assert body["age"] == 16
    assert body["guardian"]["phone"] == "13987650001"  # the volunteer sees it whole
    assert body["guardian"]["consent_method"] == "declaration"
    signed = client.post(f"/api/v1/activities/{activity.id}/signups", headers=headers)
    assert signed.status_code == 201, signed.get_json()


def test_staff_see_the_guardians_phone_masked_and_record_a_paper_consent(
        client, make_station, make_staff, make_volunteer):
    station = make_station()
    worker = make_staff(station)
    teen = minor(make_volunteer, station.town.communities[0], date(2011, 3, 3))
    log_in(client, worker)
    url = f"/station/volunteers/{teen.id}/guardian"
    missing = post_form(client, url, GUARDIAN)
    assert missing.status_code == 422  # the paper form must be ticked
    done = post_form(client, url, {**GUARDIAN, "consent_on_paper": "yes"})
    assert done.status_code == 302
    profile = db.session.get(VolunteerProfile, teen.id)
    db.session.refresh(profile)
    assert profile.guardian_consent_method == "paper" and profile.guardian_consent_by_id == worker.id
    assert db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "volunteer.guardian_consent"))
    html = client.get(url).get_data(as_text=True)
    assert "139****0001" in html and "13987650001" not in html


# --- children under 14 ------------------------------------------------------------------------------

def test_a_13_year_old_cannot_register_themselves_but_staff_can_register_them(
        client, make_station, make_staff, make_volunteer, make_activity, api_token):
    station = make_station()
    worker = make_staff(station)
    community = station.town.communities[0]
    child = make_volunteer(community, name="自己注册的孩子")
    refused = client.put("/api/v1/me/volunteer-profile", headers=api_token(child),
                         json={"birth_date": "2013-06-01"})
    assert refused.status_code == 422
    assert "station" in str(error_of(refused)["fields"]["birth_date"]) \
        or "站" in str(error_of(refused)["fields"]["birth_date"])
    by_id = client.put("/api/v1/me/volunteer-profile", headers=api_token(child),
                       json={"id_number": id_number("20130601")})
    assert by_id.status_code == 422 and "id_number" in error_of(by_id)["fields"]
    # Entered some other way (an import), the age still stops the sign-up.
    profile = profiles.profile_for(child)
    profile.birth_date = date(2013, 6, 1)
    db.session.commit()
    activity = make_activity(station, worker)
    with pytest.raises(Conflict) as stopped:
        activities.sign_up(activity, child)
    assert stopped.value.code == "staff_registration_needed"
    db.session.rollback()

    log_in(client, worker)
    form = {"name": "小明", "phone": "13600001313", "birth_date": "2013-06-01",
            "community_id": str(community.id), **GUARDIAN}
    same_phone = post_form(client, "/station/volunteers/new-child",
                           {**form, "guardian_phone": "13600001313"})
    assert same_phone.status_code == 422
    registered = post_form(client, "/station/volunteers/new-child", form)
    assert registered.status_code == 302, registered.get_data(as_text=True)
    db.session.rollback()
    kid = get_by_phone("13600001313")
    kid_profile = db.session.get(VolunteerProfile, kid.id)
    assert kid_profile.registered_by_staff_id == worker.id
    assert kid_profile.guardian_consent_method == "paper"
    assert db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "volunteer.register_child", AuditEntry.actor_id == worker.id))
    assert activities.sign_up(activity, kid).status == "confirmed"
    db.session.commit()


def test_the_self_registration_page_refuses_a_birth_date_under_14(client, make_station,
                                                                     make_volunteer):
    child = make_volunteer(make_station().town.communities[0])
    log_in(client, child)
    response = post_form(client, "/volunteer/profile", {"birth_date": "2014-01-01",
                                                         "monthly_limit": "2"})
    assert response.status_code == 422
    db.session.rollback()
    assert db.session.get(VolunteerProfile, child.id).birth_date is None


# --- an activity's minimum age -----------------------------------------------------------------------

def test_below_the_minimum_age_is_409_naming_the_minimum(
        client, make_station, make_staff, make_volunteer, make_activity, api_token):
    station = make_station()
    community = station.town.communities[0]
    activity = make_activity(station, make_staff(station), min_age=16)
    assert client.get(f"/api/v1/activities/{activity.id}").get_json()["min_age"] == 16
    fifteen = minor(make_volunteer, community, date(2011, 12, 18), consent=True)
    refused = client.post(f"/api/v1/activities/{activity.id}/signups", headers=api_token(fifteen))
    assert refused.status_code == 409
    error = error_of(refused)
    assert error["code"] == "below_minimum_age" and "16" in error["message"]
    unknown = make_volunteer(community, name="没填年龄")
    asked = client.post(f"/api/v1/activities/{activity.id}/signups", headers=api_token(unknown))
    assert asked.status_code == 409 and error_of(asked)["code"] == "age_unknown"
    # Sixteen on the activity's day (17 December), with consent: in.
    sixteen = minor(make_volunteer, community, date(2010, 12, 17), consent=True, name="刚满16")
    assert client.post(f"/api/v1/activities/{activity.id}/signups",
                       headers=api_token(sixteen)).status_code == 201


def test_a_walk_in_below_the_minimum_age_is_refused(make_station, make_staff, make_volunteer,
                                                   make_activity):
    station = make_station()
    activity = make_activity(station, make_staff(station), min_age=18, allow_walk_ins=True)
    teen = minor(make_volunteer, station.town.communities[0], date(2010, 1, 1), consent=True)
    with pytest.raises(Conflict) as refused:
        checkins.check_in(activity, teen, at=activity.starts_at)
    assert refused.value.code == "below_minimum_age"


def test_matching_never_proposes_a_volunteer_below_the_minimum_age(
        make_station, make_staff, make_volunteer, make_activity):
    station = make_station()
    worker = make_staff(station)
    activity = make_activity(station, worker, min_age=16, slots=5)
    free = ["thu-am"]  # 17 December 2026 is a Thursday
    community = station.town.communities[0]
    adult = make_volunteer(community, name="成年人", consent=True, availability=free,
                           birth_date=date(1990, 5, 5))
    young = minor(make_volunteer, community, date(2012, 1, 1), consent=True, name="十四岁")
    profiles.update_profile(profiles.profile_for(young), {"consent": True, "availability": free})
    unknown = make_volunteer(community, name="不知年龄", consent=True, availability=free)
    db.session.commit()
    run = match_runs.run_matching(activity.starts_at.year, activity.starts_at.month, station.id,
                                  by=worker)
    db.session.commit()
    proposed = {proposal.user_id for proposal in run.proposals}
    assert adult.id in proposed
    assert young.id not in proposed and unknown.id not in proposed


# --- insurance of risky activities ------------------------------------------------------------------

def test_a_risky_activity_is_published_only_with_an_insurance_reference(
        client, make_station, make_staff, api_token):
    station = make_station()
    worker = make_staff(station)
    headers = api_token(worker)
    start = "2026-12-20T09:00:00+08:00"
    body = {"title": "江边清洁", "community_id": station.town.communities[0].id,
            "starts_at": start, "ends_at": "2026-12-20T11:00:00+08:00", "slots": 5,
            "risky": True, "status": "published"}
    refused = client.post("/api/v1/activities", headers=headers, json=body)
    assert refused.status_code == 422
    assert "insurance_reference" in error_of(refused)["fields"]
    draft = client.post("/api/v1/activities", headers=headers, json={**body, "status": "draft"})
    assert draft.status_code == 201
    created = draft.get_json()
    assert (created["risky"], created["insurance_reference"], created["min_age"]) == (True, "", None)
    url = f"/api/v1/activities/{created['id']}"
    assert client.patch(url, headers=headers, json={"status": "published"}).status_code == 422
    published = client.patch(url, headers=headers, json={
        "status": "published", "insurance_reference": "PICC-2026-0012"})
    assert published.status_code == 200, published.get_json()


def test_each_participants_cover_is_recorded_and_shown_to_staff(
        client, make_station, make_staff, make_volunteer, make_activity):
    station = make_station()
    worker = make_staff(station)
    community = station.town.communities[0]
    activity = make_activity(station, worker, risky=True, insurance_reference="PICC-2026-0012",
                             allow_walk_ins=True)
    signed = make_volunteer(community, name="报名的人")
    walked = make_volunteer(community, name="现场来的人")
    entry = activities.sign_up(activity, signed)
    db.session.commit()
    assert entry.insurance_reference == "PICC-2026-0012" and entry.insured_at is not None
    checkins.check_in(activity, walked, at=activity.starts_at + timedelta(minutes=5))
    db.session.commit()
    walk_in = db.session.scalar(select(SignUp).where(SignUp.user_id == walked.id))
    assert walk_in.insurance_reference == "PICC-2026-0012"
    log_in(client, worker)
    html = client.get(f"/station/activities/{activity.id}").get_data(as_text=True)
    assert html.count("PICC-2026-0012") >= 3  # the activity, and each participant's cover


def test_a_paper_consent_recorded_by_staff_lets_an_imported_child_sign_up(
        make_station, make_staff, make_volunteer, make_activity):
    station = make_station()
    worker = make_staff(station)
    activity = make_activity(station, worker)
    child = minor(make_volunteer, station.town.communities[0], date(2014, 2, 2))  # imported, 12
    with pytest.raises(Conflict):
        activities.sign_up(activity, child)
    db.session.rollback()
    profiles.record_guardian(profiles.profile_for(child), {**GUARDIAN, "consent_on_paper": True},
                             by=worker)
    db.session.commit()
    assert profiles.profile_for(child).registered_by_staff_id == worker.id
    assert activities.sign_up(activity, child).status == "confirmed"
    db.session.commit()
