"""The JSON API: auth, error shapes, the OpenAPI document."""

from openapi_spec_validator import validate

from tests.conftest import PASSWORD, csrf_token
from timebank.accounts.permissions import Role


def error_of(response) -> dict:
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


def test_register_returns_201_and_the_user_shape(client):
    response = client.post("/api/v1/auth/register",
                           json={"phone": "+86 138 0013 8000", "password": "a-long-pass",
                                 "name": "陈晓敏", "community_id": None})
    assert response.status_code == 201
    user = response.get_json()
    assert set(user) == {"id", "name", "phone", "roles", "station_id", "community_id",
                         "linked_social_worker_id", "phone_verified", "privacy_version",
                         "privacy_consent_needed"}
    # An old client sends no code and no notice version: the account is made, not verified.
    assert user["phone_verified"] is False and user["privacy_consent_needed"] is True
    assert user["phone"] == "13800138000"
    assert user["roles"] == ["resident"]


def test_duplicate_registration_is_409(client, make_user):
    make_user(phone="13800138000")
    response = client.post("/api/v1/auth/register",
                           json={"phone": "13800138000", "password": "a-long-pass", "name": "陈晓敏"})
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "phone_taken"
    assert error["fields"] == {"phone": ["该手机号已注册。"]}


def test_malformed_body_is_400(client):
    response = client.post("/api/v1/auth/register", data="not json",
                           content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_json"
    response = client.post("/api/v1/auth/register", json=["a", "list"])
    assert response.status_code == 400


def test_invalid_fields_are_422_with_messages_per_field(client):
    response = client.post("/api/v1/auth/register", json={"phone": "123", "password": "x"})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_failed"
    assert set(error["fields"]) == {"phone", "password", "name"}
    assert error["fields"]["name"] == ["此项为必填项。"]


def test_messages_follow_accept_language(client):
    response = client.post("/api/v1/auth/register", json={},
                           headers={"Accept-Language": "en-US,en;q=0.9"})
    assert error_of(response)["fields"]["name"] == ["Missing data for required field."]


def test_token_auth_and_me(client, make_user, api_token):
    user = make_user(name="李志华")
    response = client.post("/api/v1/auth/token", json={"phone": user.phone, "password": PASSWORD})
    body = response.get_json()
    assert set(body) == {"token", "expires_at"}
    assert "+00:00" in body["expires_at"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.get_json()["name"] == "李志华"
    assert me.get_json()["phone"] == user.phone


def test_wrong_password_for_a_token_is_401(client, make_user):
    user = make_user()
    response = client.post("/api/v1/auth/token", json={"phone": user.phone, "password": "nope-nope"})
    assert response.status_code == 401
    assert error_of(response)["code"] == "invalid_credentials"


def test_missing_or_forged_token_is_401(client, make_user, api_token):
    assert error_of(client.get("/api/v1/me"))["code"] == "unauthorized"
    headers = api_token(make_user())
    forged = {"Authorization": headers["Authorization"][:-3] + "abc"}
    assert client.get("/api/v1/me", headers=forged).status_code == 401


def test_changing_the_password_revokes_tokens(client, make_user, api_token):
    from timebank.accounts.services import change_password
    from timebank.extensions import db

    user = make_user()
    headers = api_token(user)
    change_password(user, PASSWORD, "a-brand-new-one")
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_role_refusal_is_json_403(app, client, make_user, api_token):
    """A staff-only API route answers a resident with the 403 error shape."""
    from flask import jsonify

    from timebank.accounts.api import bp
    from timebank.accounts.permissions import role_required

    @role_required(Role.STATION_MANAGER)
    def staff_only():
        return jsonify(ok=True)

    app.add_url_rule(f"{bp.url_prefix}/test-staff-only", "test_staff_only", staff_only)
    response = client.get("/api/v1/test-staff-only", headers=api_token(make_user(Role.RESIDENT)))
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    response = client.get("/api/v1/test-staff-only",
                          headers=api_token(make_user(Role.STATION_MANAGER)))
    assert response.get_json() == {"ok": True}


def test_cookie_authenticated_writes_need_the_csrf_header(app, client, make_user, login):
    login(make_user())
    response = client.post("/api/v1/auth/register",
                           json={"phone": "13800138000", "password": "a-long-pass", "name": "某某"})
    assert response.status_code == 400
    assert error_of(response)["code"] == "csrf_failed"
    token = csrf_token(client, "/profile")
    response = client.post("/api/v1/auth/register", headers={"X-CSRFToken": token},
                           json={"phone": "13800138000", "password": "a-long-pass", "name": "某某"})
    assert response.status_code == 201


def test_phone_is_masked_for_everyone_but_the_person(app, make_user):
    """Minimum necessary (issue #21): staff see a resident's phone masked too; they reveal it
    by the audited reveal (tests/timebank/privacy)."""
    from timebank.accounts.api import user_json

    resident, other = make_user(), make_user()
    masked = resident.phone[:3] + "****" + resident.phone[-4:]
    with app.test_request_context():
        from flask_login import login_user

        login_user(other)
        assert user_json(resident)["phone"] == masked
        login_user(make_user(Role.SOCIAL_WORKER))
        assert user_json(resident)["phone"] == masked
        login_user(resident)
        assert user_json(resident)["phone"] == resident.phone


def test_openapi_document_is_valid_and_lists_the_routes(client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    assert {"/api/v1/auth/register", "/api/v1/auth/token", "/api/v1/me", "/api/v1/accounts/me",
            "/api/v1/accounts/me/entries", "/api/v1/transfers"} <= set(document["paths"])
    transfers = document["paths"]["/api/v1/transfers"]["post"]
    assert {"201", "401", "409", "422"} <= set(transfers["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in transfers["parameters"])
    register = document["paths"]["/api/v1/auth/register"]["post"]
    assert {"201", "400", "409", "422"} <= set(register["responses"])
    assert "password" in document["components"]["schemas"]["Register"]["properties"]
