"""Bad input gets a clear 4xx, never a 500, on every database.

One test per class of bad input found by fuzzing: integers past PostgreSQL's ``integer``, NUL
bytes, months and dates out of range, JSON nested too deep, lone surrogates, fractional minutes,
oversized bodies, and the answers the OpenAPI document promises (pages, nested field errors,
the ``Allow`` header).
"""

import pytest

from tests.conftest import post_form
from timebank.accounts.permissions import Role

TOO_BIG = 3_000_000_000  # past 2**31 - 1


def _error(response, status):
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


@pytest.fixture
def resident_headers(make_user, api_token):
    return api_token(make_user(name="王居民"))


@pytest.fixture
def social_worker(make_station, make_staff):
    return make_staff(make_station())


# --- 1. integers beyond the database's integer ---------------------------------------------------

@pytest.mark.parametrize("url", ["/api/v1/activities/3000000000", "/api/v1/themes/3000000000",
                                 "/api/v1/help-requests/3000000000",
                                 "/api/v1/activities/99999999999999999999999/signups"])
def test_ids_past_the_integer_range_are_not_found(client, resident_headers, url):
    method = client.post if url.endswith("signups") else client.get
    response = method(url, headers=resident_headers)
    assert response.status_code in (404, 405)
    if response.status_code == 404:
        assert response.get_json()["error"]["code"] == "not_found"


def test_a_public_activity_id_past_the_range_is_a_404(client):
    _error(client.get(f"/api/v1/activities/{TOO_BIG}"), 404)


@pytest.mark.parametrize("query", [f"page={TOO_BIG}", "page=99999999999999999999999",
                                   f"page={TOO_BIG}&per_page=100", "page=-5&per_page=0"])
def test_a_page_past_the_range_is_an_empty_page(client, resident_headers, query):
    for url in ("/api/v1/activities", "/api/v1/help-requests", "/api/v1/service-offers",
                "/api/v1/me/signups", "/api/v1/accounts/me/entries", "/api/v1/pools"):
        response = client.get(f"{url}?{query}", headers=resident_headers)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
        assert response.get_json()["items"] == []


def test_html_pages_past_the_range_answer_too(client, make_user, login):
    login(make_user())
    assert client.get(f"/hours/?page={TOO_BIG}").status_code == 200
    assert client.get(f"/volunteer/activities?theme_id={TOO_BIG}").status_code == 200


@pytest.mark.parametrize("body", [{"to_user_id": TOO_BIG, "minutes": 10},
                                  {"to_user_id": str(TOO_BIG), "minutes": 10},
                                  {"to_user_id": 1, "minutes": -TOO_BIG}])
def test_integers_past_the_range_in_json_are_refused(client, resident_headers, body):
    error = _error(client.post("/api/v1/transfers", json=body, headers=resident_headers), 422)
    assert set(error["fields"]) <= {"to_user_id", "minutes"}


def test_a_filter_past_the_range_is_refused(client):
    error = _error(client.get(f"/api/v1/activities?station_id={TOO_BIG}"), 422)
    assert "station_id" in error["fields"]


# --- 2. NUL bytes ------------------------------------------------------------------------------------

def test_nul_in_a_query_string_is_refused(client):
    error = _error(client.get("/api/v1/activities?month=2026-03%00"), 422)
    assert error["fields"] == {"month": [error["fields"]["month"][0]]}


def test_nul_in_a_json_string_is_refused(client):
    error = _error(client.post("/api/v1/auth/register", json={
        "phone": "13900000001", "password": "correct horse 9", "name": "王\x00五"}), 422)
    assert "name" in error["fields"]


def test_nul_in_a_nested_json_string_names_its_place(client):
    error = _error(client.post("/api/v1/auth/token", json={
        "phone": "13900000001", "password": "x", "extra": [{"note": "a\x00"}]}), 422)
    assert error["fields"] == {"extra": {"0": {"note": [error["fields"]["extra"]["0"]["note"][0]]}}}


def test_nul_in_a_form_field_is_refused(client):
    response = post_form(client, "/login", {"phone": "139\x0000000000", "password": "x"})
    assert response.status_code == 422
    assert "text/html" in response.content_type


# --- 3. months and dates out of range ------------------------------------------------------------

@pytest.mark.parametrize("month", ["9999-12", "0000-01", "0001-01", "1999-12", "2101-01"])
def test_months_out_of_range_are_refused_by_the_api(client, month):
    for url in ("/api/v1/activities", "/api/v1/themes"):
        error = _error(client.get(f"{url}?month={month}"), 422)
        assert "month" in error["fields"]


def test_month_range_edges_are_accepted(client):
    for month in ("2000-01", "2100-12"):
        assert client.get(f"/api/v1/activities?month={month}").status_code == 200


@pytest.mark.parametrize("month", ["9999-12", "0000-01", "0001-01"])
def test_months_out_of_range_on_pages_and_exports_never_fail(client, make_user, login, month):
    admin = make_user(Role.DISTRICT_ADMIN)
    login(admin)
    assert client.get(f"/volunteer/activities?month={month}").status_code == 200
    for url in (f"/reports/?from={month}", f"/reports/?to={month}",
                f"/reports/exports/volunteers.csv?from={month}",
                f"/api/v1/reports/summary?from={month}"):
        response = client.get(url)
        assert 400 <= response.status_code < 500, (url, response.status_code)


def test_a_matching_run_for_a_month_out_of_range_is_refused(client, social_worker, api_token):
    response = client.post("/api/v1/matching/runs", json={"month": "9999-12"},
                           headers=api_token(social_worker))
    assert "month" in _error(response, 422)["fields"]


@pytest.mark.parametrize("start", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:00:00-12:00"])
def test_an_activity_out_of_range_is_refused(client, social_worker, api_token, start):
    response = client.post("/api/v1/activities", headers=api_token(social_worker), json={
        "title": "长者探访", "community_id": 1, "slots": 5,
        "starts_at": start, "ends_at": "2026-03-14T11:00:00+08:00"})
    assert "starts_at" in _error(response, 422)["fields"]


@pytest.mark.parametrize("period", ["from=0001-01-01", "to=9999-12-31", "from=0001-01-01&to=0001-01-02"])
def test_certificate_periods_out_of_range_are_refused(client, resident_headers, make_user, login,
                                                      period):
    error = _error(client.get(f"/api/v1/accounts/me/certificate?{period}", headers=resident_headers),
                   422)
    assert set(error["fields"]) <= {"from", "to"}
    login(make_user())
    page = client.get(f"/volunteer/certificate?{period}")  # the form shows the error
    assert page.status_code == 200 and "2000" in page.get_data(as_text=True)


# --- 4. JSON nested too deep ------------------------------------------------------------------------

@pytest.mark.parametrize("depth", [40, 1000, 100_000])
def test_deeply_nested_json_is_malformed(client, depth):
    body = '{"phone": ' + "[" * depth + "]" * depth + "}"
    response = client.post("/api/v1/auth/token", data=body, content_type="application/json")
    assert _error(response, 400)["code"] == "malformed_json"


# --- 5. lone surrogates ------------------------------------------------------------------------------

def test_a_lone_surrogate_in_a_memo_is_refused(client, resident_headers):
    body = '{"to_user_id": 1, "minutes": 10, "memo": "thanks \\ud800"}'
    response = client.post("/api/v1/transfers", data=body, content_type="application/json",
                           headers=resident_headers)
    assert "memo" in _error(response, 422)["fields"]


# --- 6. fractional minutes ---------------------------------------------------------------------------

def test_fractional_minutes_are_refused_on_approval_and_transfer(client, social_worker, api_token,
                                                                 resident_headers):
    response = client.post("/api/v1/checkins/1/approve", json={"minutes": 1.5},
                           headers=api_token(social_worker))
    assert "minutes" in _error(response, 422)["fields"]
    response = client.post("/api/v1/transfers", json={"to_user_id": 1, "minutes": 1.5},
                           headers=resident_headers)
    assert "minutes" in _error(response, 422)["fields"]


# --- 7. request size --------------------------------------------------------------------------------

def test_a_body_over_one_mebibyte_is_too_large(client):
    body = '{"phone": "' + "1" * (1024 * 1024 + 1) + '"}'
    response = client.post("/api/v1/auth/token", data=body, content_type="application/json")
    assert _error(response, 413)["code"] == "too_large"


# --- 8. the document equals the responses -------------------------------------------------------

def test_paged_lists_are_documented_as_pages(client, resident_headers):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/help-requests", "/api/v1/service-offers"):
        schema = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        page = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        assert {"items", "page", "per_page", "total"} <= set(page["properties"])
        body = client.get(path, headers=resident_headers).get_json()
        assert {"items", "page", "per_page", "total"} <= set(body)


def test_the_error_schema_allows_nested_field_errors(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    allowed = spec["components"]["schemas"]["ErrorBody"]["properties"]["fields"]["additionalProperties"]
    assert {"type": "object"} in allowed["anyOf"]


def test_a_wrong_method_names_the_allowed_ones(client):
    response = client.put("/api/v1/me")
    _error(response, 405)
    assert "GET" in response.headers["Allow"]
    html = client.delete("/login")
    assert html.status_code == 405 and "POST" in html.headers["Allow"]


def test_a_report_filter_past_the_range_is_refused(client, make_user, api_token):
    headers = api_token(make_user(Role.DISTRICT_ADMIN))
    response = client.get(f"/api/v1/reports/summary?station_id={TOO_BIG}", headers=headers)
    assert "station_id" in _error(response, 422)["fields"]
