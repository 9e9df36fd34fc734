"""Recovering a forgotten password: a one-time code from staff (24 hours) or by SMS (minutes),
through the pages and the API, with the SMS test double (`sms` fixture) in place of a gateway.

Codes are single-use, expire, void the older unused code of their kind, and die after a few
wrong tries; asking for SMS codes is limited per phone and per address in the rate-limit
storage (even with RATELIMIT_ENABLED off, as in these tests), and an unknown phone gets the
same answer as a registered one and is texted nothing.
"""

import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from tests.concurrency import run_at_once
from tests.conftest import PASSWORD, log_in, post_form
from timebank.accounts import recovery
from timebank.accounts.models import PasswordResetCode
from timebank.accounts.permissions import Role
from timebank.audit.models import AuditEntry
from timebank.config import DEFAULTS
from timebank.extensions import db
from timebank.notifications import sms as sms_module

NEW_PASSWORD = "a-brand-new-pass"
PHONE_LIMIT, ADDRESS_LIMIT, TRIES = 3, 10, 5  # the first budgets of the defaults
assert DEFAULTS["PASSWORD_RESET_PHONE_LIMIT"].startswith(f"{PHONE_LIMIT} per 15 minutes")
assert DEFAULTS["PASSWORD_RESET_ADDRESS_LIMIT"].startswith(f"{ADDRESS_LIMIT} per hour")
assert DEFAULTS["PASSWORD_RESET_CODE_TRIES"] == TRIES
SMS_CODE = re.compile(r"\b(\d{6})\b")
STAFF_CODE = re.compile(r'class="reset-code"[^>]*>(\d{4} \d{4})<')


def texted_code(sms, phone: str) -> str:
    texts = sms.to(phone)
    assert texts, f"nothing was texted to {phone}"
    return SMS_CODE.search(texts[-1]).group(1)


def forgot(client, phone: str, address: str = "198.51.100.7"):
    return client.post("/api/v1/auth/password/forgot", json={"phone": phone},
                       environ_base={"REMOTE_ADDR": address})


def reset(client, phone: str, code: str, password: str = NEW_PASSWORD, address="198.51.100.7"):
    return client.post("/api/v1/auth/password/reset",
                       json={"phone": phone, "code": code, "new_password": password},
                       environ_base={"REMOTE_ADDR": address})


def audit_rows(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                   .order_by(AuditEntry.id)))


def can_log_in(client, phone: str, password: str) -> bool:
    return client.post("/api/v1/auth/token",
                       json={"phone": phone, "password": password}).status_code == 200


@pytest.fixture
def member_and_staff(make_station, make_staff, make_volunteer):
    """A volunteer of a station, and a social worker of the same station."""
    station = make_station()
    worker = make_staff(station, Role.SOCIAL_WORKER, name="李社工")
    member = make_volunteer(station.town.communities[0], name="陈晓敏")
    return member, worker, station


# --- self-service by SMS --------------------------------------------------------------------------

def test_sms_reset_through_the_pages_end_to_end(client, make_user, sms):
    user = make_user(name="陈晓敏")
    login_page = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in login_page and "忘记密码？" in login_page

    response = post_form(client, "/password/forgot", {"phone": user.phone})
    assert response.status_code == 302 and response.headers["Location"] == "/password/reset"
    page = client.get("/password/reset").get_data(as_text=True)
    assert "验证码已发送" in page
    assert f'value="{user.phone}"' in page  # the number carries over, outside the URL
    code = texted_code(sms, user.phone)
    assert "10 分钟内有效" in sms.to(user.phone)[0]
    assert sms.templates == [(user.phone, "password_reset", {"code": code, "minutes": 10})]

    response = post_form(client, "/password/reset",
                         {"phone": user.phone, "code": code, "new_password": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "密码已重设" in client.get("/login").get_data(as_text=True)
    log_in(client, user, NEW_PASSWORD)
    assert not can_log_in(client, user.phone, PASSWORD)
    assert [row.details["kind"] for row in audit_rows("user.password_reset")] == ["sms"]


def test_sms_reset_through_the_api_ends_other_logins_and_tokens(client, make_user, sms, api_token):
    user = make_user()
    old_token = api_token(user)
    response = forgot(client, user.phone)
    assert response.status_code == 202
    assert response.get_json()["status"] == "sent"
    response = reset(client, user.phone, texted_code(sms, user.phone))
    assert response.status_code == 200 and response.get_json()["status"] == "changed"
    assert client.get("/api/v1/me", headers=old_token).status_code == 401
    assert can_log_in(client, user.phone, NEW_PASSWORD)


def test_unknown_phone_gets_the_same_answer_and_nothing_is_sent(client, make_user, sms):
    user = make_user()
    known, unknown = forgot(client, user.phone), forgot(client, "13912345678")
    assert (unknown.status_code, unknown.get_json()) == (known.status_code, known.get_json())
    assert sms.to("13912345678") == [] and len(sms.sent) == 1
    # The pages too: the same redirect and the same message, with the number masked.
    flashes = []
    for phone in (user.phone, "13912345678"):
        response = post_form(client, "/password/forgot", {"phone": phone})
        assert response.headers["Location"] == "/password/reset"
        page = client.get("/password/reset").get_data(as_text=True)
        flash = re.search(r'<div class="flash[^>]*>([^<]*)<', page).group(1)
        flashes.append(flash.replace(f"{phone[:3]}****{phone[-4:]}", "PHONE"))
    assert flashes[0] == flashes[1] and "验证码已发送" in flashes[0]
    assert len(sms.sent) == 2
    # A wrong code for an unknown phone reads like a wrong code for a known one.
    code = texted_code(sms, user.phone)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert reset(client, "13912345678", wrong).get_json() == reset(client, user.phone, wrong).get_json()


def test_a_used_code_is_refused_the_second_time(client, make_user, sms):
    user = make_user()
    forgot(client, user.phone)
    code = texted_code(sms, user.phone)
    assert reset(client, user.phone, code).status_code == 200
    again = reset(client, user.phone, code, password="yet-another-pass")
    assert again.status_code == 422
    assert again.get_json()["error"]["fields"]["code"] == ["此验证码已使用过，请重新获取。"]
    assert can_log_in(client, user.phone, NEW_PASSWORD)


def test_a_code_brought_twice_at_once_sets_one_password(app, make_user, sms):
    user = make_user()
    recovery.request_sms_code(user.phone, "192.0.2.9")
    db.session.commit()
    code = texted_code(sms, user.phone)
    results = run_at_once(app, lambda i: recovery.reset_password(
        user.phone, code, f"password-number-{i}", "192.0.2.9"), threads=4)
    assert sum(not isinstance(result, Exception) for result in results) == 1
    assert all(isinstance(result, recovery.InvalidInput) for result in results
               if isinstance(result, Exception))
    assert len(audit_rows("user.password_reset")) == 1


def test_an_expired_sms_code_is_refused(client, make_user, sms, pinned_clock):
    user = make_user()
    forgot(client, user.phone)
    code = texted_code(sms, user.phone)
    pinned_clock.shift(timedelta(minutes=10, seconds=1))
    response = reset(client, user.phone, code)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["code"] == ["此验证码已过期，请重新获取。"]
    assert can_log_in(client, user.phone, PASSWORD)


def test_wrong_tries_use_up_a_code(client, make_user, sms):
    user = make_user()
    forgot(client, user.phone)
    code = texted_code(sms, user.phone)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(TRIES):
        response = reset(client, user.phone, wrong)
        assert response.status_code == 422
        assert response.get_json()["error"]["code"] == "invalid_code"
    row = db.session.scalar(select(PasswordResetCode))
    assert row.wrong_tries == TRIES and row.voided_at is not None  # committed despite the 422
    response = reset(client, user.phone, code)
    assert response.status_code == 422
    assert "已失效" in response.get_json()["error"]["fields"]["code"][0]
    assert can_log_in(client, user.phone, PASSWORD)


def test_a_new_code_voids_the_older_unused_one(client, make_user, sms):
    user = make_user()
    forgot(client, user.phone)
    first = texted_code(sms, user.phone)
    forgot(client, user.phone)
    second = texted_code(sms, user.phone)
    if first != second:
        assert reset(client, user.phone, first).status_code == 422
    assert reset(client, user.phone, second).status_code == 200


def test_codes_are_stored_only_hashed(client, make_user, sms):
    user = make_user()
    forgot(client, user.phone)
    code = texted_code(sms, user.phone)
    row = db.session.scalar(select(PasswordResetCode))
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert all(code not in str(entry.details) for entry in audit_rows("user.password_reset_code"))


def test_codes_for_one_phone_are_limited_from_any_address(client, make_user, sms):
    user = make_user()
    statuses = [forgot(client, user.phone, address=f"203.0.113.{n}").status_code
                for n in range(PHONE_LIMIT + 1)]
    assert statuses == [202] * PHONE_LIMIT + [429]
    refused = forgot(client, user.phone, address="203.0.113.99").get_json()["error"]
    assert refused["code"] == "rate_limited"
    assert refused["message"] == "该手机号获取验证码过于频繁，请稍后再试。"
    assert len(sms.to(user.phone)) == PHONE_LIMIT
    # An unknown number is limited the same way, so a 429 tells nothing about registration.
    assert [forgot(client, "13912345678", address=f"203.0.113.{n}").status_code
            for n in range(PHONE_LIMIT + 1)][-1] == 429


def test_codes_from_one_address_are_limited(client, make_user, sms):
    phones = [make_user().phone for _ in range(ADDRESS_LIMIT + 1)]
    statuses = [forgot(client, phone, address="192.0.2.1").status_code for phone in phones]
    assert statuses == [202] * ADDRESS_LIMIT + [429]
    assert "网络" in forgot(client, phones[-1], address="192.0.2.1").get_json()["error"]["message"]
    assert forgot(client, phones[-1], address="192.0.2.2").status_code == 202
    # The page says so too, with a 429.
    response = post_form(client, "/password/forgot", {"phone": phones[0]},
                         environ_base={"REMOTE_ADDR": "192.0.2.1"})
    assert response.status_code == 429
    assert "过于频繁" in response.get_data(as_text=True)


def test_the_limits_hold_across_workers_on_redis(make_app, make_user, redis_url):
    """Two apps (as two gunicorn workers) on one Redis count one budget per phone."""
    workers = [make_app(RATELIMIT_STORAGE_URI=redis_url,
                        SMS_GATEWAY="timebank.notifications.sms:RecordingGateway")
               for _ in range(2)]
    phone = make_user().phone
    statuses = []
    for n in range(PHONE_LIMIT + 1):
        worker = workers[n % 2]
        with worker.app_context():
            statuses.append(forgot(worker.test_client(), phone, f"203.0.113.{n}").status_code)
    assert statuses == [202] * PHONE_LIMIT + [429]
    sent = sum(len(worker.extensions[sms_module.EXTENSION].sent) for worker in workers)
    assert sent == PHONE_LIMIT


def test_the_text_leaves_only_after_the_commit(app, make_user, sms):
    user = make_user()
    recovery.request_sms_code(user.phone, "192.0.2.9")
    assert sms.sent == []
    db.session.rollback()
    assert sms.sent == [] and db.session.scalar(select(PasswordResetCode)) is None
    recovery.request_sms_code(user.phone, "192.0.2.9")
    db.session.commit()
    assert len(sms.to(user.phone)) == 1


def test_a_failing_gateway_is_logged_and_the_answer_stays_the_same(app, client, make_user, caplog):
    class Broken:
        def send(self, phone, text, *, template, params):
            raise sms_module.SmsError("provider down")

    app.extensions[sms_module.EXTENSION] = Broken()
    user = make_user()
    assert forgot(client, user.phone).status_code == 202
    assert "could not be sent" in caplog.text
    assert user.phone not in caplog.text  # the log masks the number


def test_inactive_accounts_get_no_code(client, make_user, sms):
    user = make_user()
    user.active = False
    db.session.commit()
    assert forgot(client, user.phone).status_code == 202
    assert sms.sent == []


# --- from staff -------------------------------------------------------------------------------------

def test_staff_reset_through_the_pages_end_to_end(client, member_and_staff, login):
    member, worker, _station = member_and_staff
    login(worker)
    page = client.get(f"/staff/members/{member.id}/hours").get_data(as_text=True)
    assert "发放重设密码验证码" in page
    response = post_form(client, f"/staff/members/{member.id}/password-reset",
                         {"reason": "本人到站，忘记密码"}, page=f"/staff/members/{member.id}/hours")
    assert response.status_code == 200
    shown = response.get_data(as_text=True)
    code = STAFF_CODE.search(shown).group(1)
    assert "24 小时" in shown
    assert response.headers["Cache-Control"].startswith("no-store")
    issued = audit_rows("user.password_reset_code")
    assert [(row.actor_id, row.subject, row.reason, row.details["kind"]) for row in issued] == \
        [(worker.id, f"user:{member.id}", "本人到站，忘记密码", "staff")]
    post_form(client, "/logout", {}, page="/")

    # The member types it as it was read out, with the space.
    response = post_form(client, "/password/reset",
                         {"phone": member.phone, "code": code, "new_password": NEW_PASSWORD})
    assert response.status_code == 302
    log_in(client, member, NEW_PASSWORD)
    assert [row.details["kind"] for row in audit_rows("user.password_reset")] == ["staff"]


def test_staff_reset_through_the_api(client, member_and_staff, api_token):
    member, worker, _station = member_and_staff
    response = client.post(f"/api/v1/users/{member.id}/password-reset-codes", json={},
                           headers=api_token(worker))
    assert response.status_code == 201
    body = response.get_json()
    assert body["user_id"] == member.id and re.fullmatch(r"\d{8}", body["code"])
    assert audit_rows("user.password_reset_code")[0].reason is None
    assert reset(client, member.phone, body["code"]).status_code == 200
    assert reset(client, member.phone, body["code"], password="third-pass-1").status_code == 422


def test_a_staff_code_lasts_24_hours(client, member_and_staff, api_token, pinned_clock):
    member, worker, _station = member_and_staff
    headers = api_token(worker)
    codes = [client.post(f"/api/v1/users/{member.id}/password-reset-codes", json={},
                         headers=headers).get_json()["code"] for _ in range(2)]
    pinned_clock.shift(timedelta(hours=23, minutes=59))
    if codes[0] != codes[1]:
        assert "已失效" in reset(client, member.phone, codes[0]).get_json()["error"]["fields"]["code"][0]
    pinned_clock.shift(timedelta(minutes=2))
    response = reset(client, member.phone, codes[1])
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["code"] == ["此验证码已过期，请重新获取。"]


def test_a_staff_code_and_an_sms_code_do_not_void_each_other(client, member_and_staff, api_token, sms):
    member, worker, _station = member_and_staff
    staff_code = client.post(f"/api/v1/users/{member.id}/password-reset-codes", json={},
                             headers=api_token(worker)).get_json()["code"]
    forgot(client, member.phone)  # someone else asking for an SMS code cannot spoil it
    assert reset(client, member.phone, staff_code).status_code == 200
    # Using one voids the other.
    assert reset(client, member.phone, texted_code(sms, member.phone)).status_code == 422


def test_staff_of_another_station_are_refused(client, member_and_staff, make_station, make_staff,
                                              login, api_token):
    member, _worker, _station = member_and_staff
    stranger = make_staff(make_station(), Role.STATION_MANAGER, name="别站主管")
    response = client.post(f"/api/v1/users/{member.id}/password-reset-codes", json={},
                           headers=api_token(stranger))
    assert response.status_code == 403
    login(stranger)
    response = post_form(client, f"/staff/members/{member.id}/password-reset", {}, page="/")
    assert response.status_code == 403
    assert db.session.scalar(select(PasswordResetCode)) is None
    assert audit_rows("user.password_reset_code") == []


def test_a_deactivated_account_gets_no_staff_code(client, member_and_staff, api_token):
    member, worker, _station = member_and_staff
    headers = api_token(worker)
    member.active = False
    db.session.commit()
    response = client.post(f"/api/v1/users/{member.id}/password-reset-codes", json={},
                           headers=headers)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "user_inactive"


def test_staff_may_reset_only_lower_ranks(client, member_and_staff, make_staff, make_user, api_token):
    member, worker, station = member_and_staff
    manager = make_staff(station, Role.STATION_MANAGER, name="王主管")
    admin = make_user(Role.DISTRICT_ADMIN, name="区管理员")

    def issue(by, whom):
        return client.post(f"/api/v1/users/{whom.id}/password-reset-codes", json={},
                           headers=api_token(by)).status_code

    assert issue(worker, manager) == 403  # a social worker cannot take over a manager's account
    assert issue(worker, worker) == 403
    assert issue(manager, worker) == 201
    assert issue(manager, admin) == 403
    assert issue(admin, manager) == 201 and issue(admin, member) == 201
    resident = make_user(Role.RESIDENT)
    assert issue(resident, member) == 403
    assert client.post("/api/v1/users/999999/password-reset-codes", json={},
                       headers=api_token(admin)).status_code == 404


def test_the_staff_page_shows_the_button_only_to_who_may_use_it(client, member_and_staff,
                                                               make_station, make_staff, login):
    member, worker, station = member_and_staff
    manager = make_staff(station, Role.STATION_MANAGER, name="王主管")
    login(worker)
    assert "发放重设密码验证码" not in client.get(f"/staff/members/{manager.id}/hours").get_data(as_text=True)


# --- the gateway ------------------------------------------------------------------------------------

def test_the_gateway_is_chosen_by_sms_gateway(make_app):
    other = make_app(SMS_GATEWAY="timebank.notifications.sms:RecordingGateway")
    assert isinstance(other.extensions[sms_module.EXTENSION], sms_module.RecordingGateway)


def test_development_writes_texts_to_the_log(app, caplog):
    assert isinstance(app.extensions[sms_module.EXTENSION], sms_module.ConsoleGateway)
    sms_module.gateway().send("13800000001", "hello")
    assert "SMS to 13800000001: hello" in caplog.text


def test_production_without_a_gateway_says_so_and_sends_nothing(caplog):
    bare = Flask(__name__)
    bare.config.update(APP_ENV="production", SMS_GATEWAY="")
    sms_module.init_app(bare)
    gateway = bare.extensions[sms_module.EXTENSION]
    assert isinstance(gateway, sms_module.MissingGateway)
    assert "SMS_GATEWAY is not configured" in caplog.text
    with pytest.raises(sms_module.SmsError):
        gateway.send("13800000001", "hello")
