"""The privacy notice and consents through the pages and the API: the notice is public and
linked, registration records the version agreed to (the page refuses without the tick), a new
version asks again at the next visit, optional consents are given and withdrawn (withdrawing
skills and availability clears them from the profile), and every change is audited."""

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import log_in, post_form, registration_code
from timebank.audit.models import AuditEntry
from timebank.consents import services as consents
from timebank.consents.models import Consent
from timebank.extensions import db
from volunteers.matching import services as matching
from volunteers.profiles.models import VolunteerProfile

FORM = {"name": "陈晓敏", "phone": "13800138000", "password": "a-long-pass",
        "privacy_version": "2026-12", "agree": "1"}


def audit_actions(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def consent_rows(**where) -> list[Consent]:
    statement = select(Consent).order_by(Consent.id)
    for name, value in where.items():
        statement = statement.where(getattr(Consent, name) == value)
    return list(db.session.scalars(statement))


@pytest.fixture
def publish(monkeypatch):
    """Publish a second version of the notice, in effect since 2026-12-10 (before the suite's
    day): ``publish()`` returns its version."""

    def do() -> str:
        monkeypatch.setattr(consents, "NOTICES", [
            *consents.NOTICES, consents.Notice("2026-12-10", date(2026, 12, 10),
                                               template="2026-12")])
        return "2026-12-10"

    return do


# --- the notice -----------------------------------------------------------------------------------

def test_the_notice_is_public_and_linked_from_the_footer_and_registration(client):
    notice = client.get("/privacy")
    assert notice.status_code == 200
    html = notice.get_data(as_text=True)
    assert "隐私政策" in html and "2026-12" in html
    for words in ("手机号码", "真实姓名", "身份证号码", "志愿服务时长", "实名注册", "i志愿",
                  "社工站", 'href="/me/data"', "区民政部门"):
        assert words in html, words
    register = client.get("/register").get_data(as_text=True)
    assert 'href="/privacy"' in register
    assert "我已阅读并同意" in register
    assert 'name="agree" value="1">' in register  # unticked
    assert 'href="/privacy"' in client.get("/login").get_data(as_text=True)  # the footer


def test_the_notice_reads_in_english_too(client):
    client.get("/lang/en")
    html = client.get("/privacy").get_data(as_text=True)
    assert "Real-name registration" in html or "real-name registration" in html


def test_the_api_names_the_current_version(client):
    body = client.get("/api/v1/privacy-notice").get_json()
    assert body == {"version": "2026-12", "effective": "2026-12-01", "url": "/privacy"}


# --- registration --------------------------------------------------------------------------------

def test_registering_without_the_tick_is_refused_and_creates_nothing(client, sms):
    code = registration_code(client, sms, FORM["phone"])
    form = {key: value for key, value in FORM.items() if key != "agree"}
    response = post_form(client, "/register", {**form, "sms_code": code})
    assert response.status_code == 422
    assert "请阅读并同意隐私政策" in response.get_data(as_text=True)
    assert consent_rows() == []
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "user.register")) == 0


def test_the_page_records_the_version_agreed_and_when(client, sms, pinned_clock):
    code = registration_code(client, sms, FORM["phone"])
    response = post_form(client, "/register", {**FORM, "sms_code": code})
    assert response.status_code == 302
    [row] = consent_rows()
    assert (row.purpose, row.notice_version, row.method) == ("privacy_notice", "2026-12", "self")
    assert row.given_at.date() == date(2026, 12, 16)
    assert audit_actions("consent.give")
    assert client.get("/").status_code == 200  # nothing more to ask


def test_the_api_records_a_version_and_refuses_a_stale_one(client):
    response = client.post("/api/v1/auth/register", json={
        "phone": "13800138001", "password": "a-long-pass", "name": "陈晓敏",
        "privacy_version": "2025-01"})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["privacy_version"]
    response = client.post("/api/v1/auth/register", json={
        "phone": "13800138001", "password": "a-long-pass", "name": "陈晓敏",
        "privacy_version": "2026-12"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["privacy_version"] == "2026-12" and body["privacy_consent_needed"] is False


def test_an_api_registration_without_a_version_is_asked_at_the_next_visit(client, sms):
    code = client.post("/api/v1/auth/register/code", json={"phone": "13800138002"})
    assert code.status_code == 202
    typed = re.search(r"\b(\d{6})\b", sms.to("13800138002")[-1]).group(1)
    response = client.post("/api/v1/auth/register", json={
        "phone": "13800138002", "password": "a-long-pass", "name": "陈晓敏", "sms_code": typed})
    assert response.status_code == 201
    assert response.get_json()["privacy_consent_needed"] is True
    assert response.get_json()["privacy_version"] is None
    post_form(client, "/login", {"phone": "13800138002", "password": "a-long-pass"})
    visit = client.get("/hours/")
    assert visit.status_code == 302
    assert visit.headers["Location"].startswith("/privacy/agree?next=")
    page = client.get(visit.headers["Location"]).get_data(as_text=True)
    assert "同意并继续" in page
    refused = post_form(client, "/privacy/agree", {"next": "/hours/", "version": "2026-12"},
                        page="/privacy/agree")
    assert refused.status_code == 422
    agreed = post_form(client, "/privacy/agree", {"next": "/hours/", "version": "2026-12",
                                                  "agree": "1"}, page="/privacy/agree")
    assert agreed.status_code == 302 and agreed.headers["Location"] == "/hours/"
    assert client.get("/hours/").status_code == 200


# --- a new version asks again ----------------------------------------------------------------

def test_a_new_version_asks_again_at_the_next_visit(client, make_user, publish):
    user = make_user(name="陈晓敏")  # agreed to 2026-12
    new_version = publish()
    log_in(client, user)
    visit = client.get("/hours/")
    assert visit.status_code == 302 and visit.headers["Location"].startswith("/privacy/agree")
    page = client.get(visit.headers["Location"]).get_data(as_text=True)
    assert "隐私政策已更新" in page and "2026-12-10" in page
    # What stays reachable: the notice, one's consents, logging out, the API (with a flag).
    for url in ("/privacy", "/me/consents"):
        assert client.get(url).status_code == 200, url
    me = client.get("/api/v1/me").get_json()
    assert me["privacy_consent_needed"] is True and me["privacy_version"] == "2026-12"
    agreed = post_form(client, "/privacy/agree", {"next": "/hours/", "version": new_version,
                                                  "agree": "1"}, page="/privacy/agree")
    assert agreed.headers["Location"] == "/hours/"
    assert client.get("/hours/").status_code == 200
    assert [row.notice_version for row in consent_rows(user_id=user.id)] \
        == ["2026-12", "2026-12-10"]


def test_the_api_agrees_to_the_current_version_only(client, make_user, api_token, publish):
    user = make_user()
    new_version = publish()
    headers = api_token(user)
    stale = client.post("/api/v1/me/consents", json={"purpose": "privacy_notice",
                                                     "version": "2026-12"}, headers=headers)
    assert stale.status_code == 422
    assert stale.get_json()["error"]["code"] == "stale_notice_version"
    given = client.post("/api/v1/me/consents", json={"purpose": "privacy_notice",
                                                     "version": new_version}, headers=headers)
    assert given.status_code == 201 and given.get_json()["notice_version"] == new_version
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert me["privacy_consent_needed"] is False and me["privacy_version"] == new_version


# --- optional consents -----------------------------------------------------------------------

def test_withdrawing_skills_clears_them_and_matching_stops_using_them(
        client, make_station, make_volunteer, api_token):
    station = make_station()
    volunteer = make_volunteer(station.town.communities[0], name="陈晓敏",
                               consent=True, skills=["first_aid"], availability=["sat_am"])
    headers = api_token(volunteer)
    assert volunteer.id in {record.id for record in matching.volunteer_records(2026, 12)}
    listed = client.get("/api/v1/me/consents", headers=headers).get_json()["items"]
    assert {item["purpose"] for item in listed} >= {"skills_availability", "privacy_notice"}
    assert consents.has_consent(volunteer, consents.SKILLS)
    response = client.post("/api/v1/me/consents/withdraw",
                           json={"purpose": "skills_availability"}, headers=headers)
    assert response.status_code == 200
    withdrawn = [item for item in response.get_json()["items"]
                 if item["purpose"] == "skills_availability"]
    assert withdrawn[0]["withdrawn_at"] is not None
    db.session.expire_all()
    profile = db.session.get(VolunteerProfile, volunteer.id)
    assert profile.consent_at is None
    assert (profile.skills, profile.availability) == ([], [])
    assert not consents.has_consent(volunteer, consents.SKILLS)
    [entry] = audit_actions("consent.withdraw")
    assert entry.details["purpose"] == "skills_availability"
    assert volunteer.id not in {record.id for record in matching.volunteer_records(2026, 12)}


def test_the_profile_form_consent_is_a_consent_record(make_station, make_volunteer):
    station = make_station()
    volunteer = make_volunteer(station.town.communities[0], consent=True, skills=["first_aid"])
    [row] = consent_rows(user_id=volunteer.id, purpose="skills_availability")
    assert row.withdrawn_at is None and row.method == "self"


def test_the_consents_page_gives_and_withdraws(client, make_user):
    user = make_user(name="陈晓敏")
    log_in(client, user)
    html = client.get("/me/consents").get_data(as_text=True)
    assert "我的授权" in html and "政治面貌" in html and "照片" in html
    assert "/me/consents/photos/give" in html
    given = post_form(client, "/me/consents/photos/give", {}, page="/me/consents")
    assert given.status_code == 302
    assert consents.has_consent(user, consents.PHOTOS)
    html = client.get("/me/consents").get_data(as_text=True)
    assert "/me/consents/photos/withdraw" in html
    post_form(client, "/me/consents/photos/withdraw", {}, page="/me/consents")
    assert not consents.has_consent(user, consents.PHOTOS)
    assert [entry.details["purpose"] for entry in audit_actions("consent.give")] == ["photos"]
    assert client.post("/me/consents/nonsense/give",
                       data={"csrf_token": ""}).status_code in (400, 404)


def test_party_membership_is_asked_through_has_consent(client, make_user, api_token):
    user = make_user()
    headers = api_token(user)
    assert not consents.has_consent(user, consents.PARTY)
    assert client.post("/api/v1/me/consents", json={"purpose": "party_membership"},
                       headers=headers).status_code == 201
    assert consents.has_consent(user, consents.PARTY)
    again = client.post("/api/v1/me/consents", json={"purpose": "party_membership"},
                        headers=headers)
    assert again.status_code == 201  # the same record, not a second one
    assert len(consent_rows(user_id=user.id, purpose="party_membership")) == 1


def test_the_notice_agreement_is_not_withdrawn_here(client, make_user, api_token):
    user = make_user()
    response = client.post("/api/v1/me/consents/withdraw", json={"purpose": "privacy_notice"},
                           headers=api_token(user))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "privacy_not_withdrawable"
    bad = client.post("/api/v1/me/consents", json={"purpose": "everything"},
                      headers=api_token(user))
    assert bad.status_code == 422
