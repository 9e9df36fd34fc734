"""The phone verified by an SMS code: at registration (page and API), and at the first visit of
an account whose number nobody proved (made by staff, imported, or registered through the API
without a code). Codes are single-use, expire after 10 minutes, die after 5 wrong tries, and
sending them is limited per phone and per address (429), in the rate-limit storage."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, log_in, post_form, registration_code
from timebank.accounts import services as users
from timebank.accounts.models import PhoneCode
from timebank.accounts.permissions import Role
from timebank.audit.models import AuditEntry
from timebank.config import DEFAULTS
from timebank.extensions import db

PHONE_LIMIT, TRIES = 3, 5
assert DEFAULTS["PHONE_CODE_PHONE_LIMIT"].startswith(f"{PHONE_LIMIT} per 15 minutes")
assert DEFAULTS["PHONE_CODE_TRIES"] == TRIES and DEFAULTS["PHONE_CODE_MINUTES"] == 10
FORM = {"name": "陈晓敏", "phone": "13800138000", "password": "a-long-pass",
        "privacy_version": "2026-12", "agree": "1"}


def texted(sms, phone: str) -> str:
    texts = sms.to(phone)
    assert texts, f"nothing was texted to {phone}"
    return re.search(r"\b(\d{6})\b", texts[-1]).group(1)


def ask_code(client, phone: str, address: str = "198.51.100.7"):
    return client.post("/api/v1/auth/register/code", json={"phone": phone},
                       environ_base={"REMOTE_ADDR": address})


def register(client, phone: str, code: str | None = None, name: str = "陈晓敏",
             address: str = "198.51.100.7"):
    body = {"phone": phone, "password": PASSWORD, "name": name}
    if code is not None:
        body["sms_code"] = code
    return client.post("/api/v1/auth/register", json=body,
                       environ_base={"REMOTE_ADDR": address})


def audit_rows(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10 ** 6:06d}"


# --- registration by API ------------------------------------------------------------------------

def test_a_code_is_the_same_answer_for_a_free_and_a_taken_number(client, make_user, sms):
    make_user(phone="13800138009")
    free, taken = ask_code(client, "13800138008"), ask_code(client, "13800138009")
    assert free.status_code == taken.status_code == 202
    assert free.get_json()["status"] == taken.get_json()["status"] == "sent"
    assert len(sms.to("13800138008")) == len(sms.to("13800138009")) == 1
    assert sms.templates[-1][1] == "phone_code"
    row = db.session.scalar(select(PhoneCode).where(PhoneCode.phone == "13800138008"))
    assert texted(sms, "13800138008") not in row.code_hash  # only an HMAC is kept


def test_a_valid_code_verifies_the_phone(client, sms):
    ask_code(client, "13800138000")
    response = register(client, "13800138000", texted(sms, "13800138000"))
    assert response.status_code == 201
    assert response.get_json()["phone_verified"] is True
    assert audit_rows("user.phone_verified")


def test_without_a_code_the_account_is_made_unverified(client):
    response = register(client, "13800138000")
    assert response.status_code == 201
    assert response.get_json()["phone_verified"] is False
    assert users.get_by_phone("13800138000").phone_verified_at is None


def test_a_wrong_code_is_refused_and_creates_nothing(client, sms):
    ask_code(client, "13800138000")
    response = register(client, "13800138000", wrong(texted(sms, "13800138000")))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid_code"
    assert users.get_by_phone("13800138000") is None


def test_five_wrong_codes_void_the_code(client, sms):
    ask_code(client, "13800138000")
    code = texted(sms, "13800138000")
    for _ in range(TRIES):
        assert register(client, "13800138000", wrong(code)).status_code == 422
    response = register(client, "13800138000", code)
    assert response.status_code == 422
    assert "已失效" in response.get_json()["error"]["fields"]["sms_code"][0]
    assert users.get_by_phone("13800138000") is None


def test_an_expired_code_is_refused(client, sms, pinned_clock):
    ask_code(client, "13800138000")
    code = texted(sms, "13800138000")
    pinned_clock.shift(timedelta(minutes=10, seconds=1))
    response = register(client, "13800138000", code)
    assert response.status_code == 422
    assert "已过期" in response.get_json()["error"]["fields"]["sms_code"][0]


def test_a_code_is_used_once(client, sms):
    ask_code(client, "13800138000")
    code = texted(sms, "13800138000")
    assert register(client, "13800138000", code).status_code == 201
    again = register(client, "13800138000", code, name="别人")
    assert again.status_code == 422


def test_codes_for_one_number_are_limited(client, sms):
    for index in range(PHONE_LIMIT):
        assert ask_code(client, "13800138000", f"198.51.100.{index + 1}").status_code == 202
    refused = ask_code(client, "13800138000", "198.51.100.99")
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert len(sms.to("13800138000")) == PHONE_LIMIT


# --- registration by page -----------------------------------------------------------------------

def test_the_page_asks_for_a_code_and_refuses_without_one(client, sms):
    response = post_form(client, "/register", FORM)
    assert response.status_code == 422
    assert 'id="e-sms_code"' in response.get_data(as_text=True)
    assert users.get_by_phone(FORM["phone"]) is None


def test_the_page_sends_a_code_without_javascript_and_keeps_the_form(client, sms):
    response = post_form(client, "/register", {"name": "陈晓敏", "phone": "13800138000",
                                               "send_code": "1"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'value="陈晓敏"' in html and 'value="13800138000"' in html
    assert "138****8000" in html
    assert len(sms.to("13800138000")) == 1


def test_the_page_refuses_a_wrong_code(client, sms):
    code = registration_code(client, sms, FORM["phone"])
    response = post_form(client, "/register", {**FORM, "sms_code": wrong(code)})
    assert response.status_code == 422
    assert "验证码不正确" in response.get_data(as_text=True)


def test_the_page_shows_the_rate_limit(client, sms):
    for _ in range(PHONE_LIMIT):
        registration_code(client, sms, FORM["phone"])
    response = post_form(client, "/register", {"phone": FORM["phone"], "send_code": "1"})
    assert response.status_code == 429


# --- a number nobody proved -------------------------------------------------------------------

def test_a_verified_registration_takes_a_number_from_an_unverified_account(client, sms):
    squatter = register(client, "13800138000", name="冒名者").get_json()
    ask_code(client, "13800138000")
    response = register(client, "13800138000", texted(sms, "13800138000"))
    assert response.status_code == 201
    owner = response.get_json()
    assert owner["id"] != squatter["id"] and owner["phone_verified"] is True
    old = users.get_user(squatter["id"])
    assert not old.active and old.phone == f"0{old.id:010d}"
    [entry] = audit_rows("user.phone_released")
    assert entry.subject == f"user:{old.id}"
    assert client.post("/api/v1/auth/token", json={"phone": "13800138000",
                                                   "password": PASSWORD}).status_code == 200


def test_a_staff_account_is_never_taken(client, make_user, sms):
    staff = make_user(Role.SOCIAL_WORKER, phone="13800138000")
    staff.phone_verified_at = None
    db.session.commit()
    ask_code(client, "13800138000")
    response = register(client, "13800138000", texted(sms, "13800138000"))
    assert response.status_code == 409
    assert users.get_user(staff.id).active


# --- the first visit of an account someone else made ---------------------------------------------

@pytest.fixture
def staff_made(make_station, make_staff):
    """A social worker whose account a station manager made (phone not verified)."""
    station = make_station()
    manager = make_staff(station, Role.STATION_MANAGER)
    user, _password = users.create_staff({"name": "新社工", "phone": "13800138010",
                                          "password": PASSWORD, "role": "social_worker",
                                          "station_id": station.id, "grid_team_id": None,
                                          "reason": None}, by=manager)
    db.session.commit()
    return user


def test_a_staff_made_account_verifies_at_its_first_visit(client, staff_made, sms):
    log_in(client, staff_made)
    visit = client.get("/station/")
    assert visit.status_code == 302
    assert visit.headers["Location"].startswith("/auth/verify-phone")
    page = client.get("/auth/verify-phone").get_data(as_text=True)
    assert "138****8010" in page
    post_form(client, "/auth/verify-phone", {"send_code": "1"})
    code = texted(sms, "13800138010")
    refused = post_form(client, "/auth/verify-phone", {"code": wrong(code)})
    assert refused.status_code == 422
    done = post_form(client, "/auth/verify-phone", {"code": code, "next": "/hours/"},
                     page="/auth/verify-phone")
    assert done.status_code == 302 and done.headers["Location"] == "/hours/"
    assert users.get_user(staff_made.id).phone_verified_at is not None
    # Then the privacy notice, which they have not agreed to yet.
    assert client.get("/hours/").headers["Location"].startswith("/privacy/agree")


def test_the_api_tells_and_verifies(client, staff_made, sms, api_token):
    headers = api_token(staff_made)
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert me["phone_verified"] is False
    assert client.post("/api/v1/me/phone-verification/code",
                       headers=headers).status_code == 202
    code = texted(sms, "13800138010")
    bad = client.post("/api/v1/me/phone-verification", json={"code": wrong(code)},
                      headers=headers)
    assert bad.status_code == 422
    good = client.post("/api/v1/me/phone-verification", json={"code": code}, headers=headers)
    assert good.status_code == 200 and good.get_json()["phone_verified"] is True


def test_an_api_registration_without_a_code_verifies_at_the_next_visit(client):
    register(client, "13800138000")
    post_form(client, "/login", {"phone": "13800138000", "password": PASSWORD})
    visit = client.get("/hours/")
    assert visit.headers["Location"].startswith("/auth/verify-phone")
    assert client.post("/logout", data={}).status_code in (302, 400)


def test_no_phone_number_stays_in_the_codes_longer_than_a_day(client, sms, pinned_clock):
    ask_code(client, "13800138000")
    pinned_clock.shift(timedelta(hours=24, minutes=1))
    ask_code(client, "13800138001", "198.51.100.8")
    assert [row.phone for row in db.session.scalars(select(PhoneCode))] == ["13800138001"]


# --- a district with no SMS gateway yet ----------------------------------------------------------

@pytest.fixture
def no_gateway(app):
    """Production before `SMS_GATEWAY` is set: nothing can be texted."""
    from timebank.notifications.sms import EXTENSION, MissingGateway

    app.extensions[EXTENSION] = MissingGateway()


def test_without_a_gateway_the_page_registers_without_a_code(client, no_gateway):
    page = client.get("/register").get_data(as_text=True)
    assert 'name="sms_code"' not in page and 'name="send_code"' not in page
    response = post_form(client, "/register", FORM)
    assert response.status_code == 302
    user = users.get_by_phone(FORM["phone"])
    assert user is not None and user.phone_verified_at is None
    # Nobody could type a code, so the first visit is not stopped for one.
    assert client.get("/hours/").status_code == 200


def test_without_a_gateway_a_staff_made_account_is_not_stopped(client, staff_made, no_gateway):
    log_in(client, staff_made)
    visit = client.get("/hours/")
    assert visit.status_code == 302 and visit.headers["Location"].startswith("/privacy/agree")
