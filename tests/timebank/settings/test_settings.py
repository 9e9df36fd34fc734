"""District settings: stored values win, the app's configuration is the fallback, the page
and the API validate, require a reason and audit old → new; only district administrators."""

import pytest
from sqlalchemy import select

from tests.conftest import log_in, page, post_form
from timebank.accounts.permissions import Role
from timebank.audit.models import AuditEntry
from timebank.errors import InvalidInput, PermissionDenied
from timebank.exchange.pools import services as pools
from timebank.extensions import db
from timebank.settings import services as settings
from volunteers.checkins import services as checkins


@pytest.fixture
def district_admin(make_user):
    return make_user(Role.DISTRICT_ADMIN, name="区管理员")


def test_settings_fall_back_to_the_apps_configuration(app):
    app.config["CHECKIN_ROUNDING_MINUTES"] = 5
    assert settings.value("CHECKIN_ROUNDING_MINUTES") == 5
    assert settings.value("POOL_GRANT_MONTHLY_CAP_MINUTES") == 1200
    assert pools.monthly_cap() == 1200
    with pytest.raises(KeyError):
        settings.value("SECRET_KEY")


def test_a_stored_setting_wins_and_is_audited(app, district_admin):
    changed = settings.update({"CHECKIN_ROUNDING_MINUTES": 30, "POOL_GRANT_MONTHLY_CAP_MINUTES": 600},
                              by=district_admin, reason="区民政局新规")
    db.session.commit()
    assert changed == {"CHECKIN_ROUNDING_MINUTES": [15, 30],
                       "POOL_GRANT_MONTHLY_CAP_MINUTES": [1200, 600]}
    app.config["CHECKIN_ROUNDING_MINUTES"] = 1  # the district's value stands
    assert settings.value("CHECKIN_ROUNDING_MINUTES") == 30 and pools.monthly_cap() == 600
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "settings.update"))
    assert entry.reason == "区民政局新规" and entry.actor_id == district_admin.id
    assert entry.details["changes"]["CHECKIN_ROUNDING_MINUTES"] == [15, 30]
    assert settings.update({"CHECKIN_ROUNDING_MINUTES": 30}, by=district_admin, reason="再存") == {}


def test_check_out_rounds_by_the_districts_setting(app, district_admin, make_station, make_staff,
                                                   make_activity):
    from datetime import timedelta

    station = make_station()
    activity = make_activity(station, make_staff(station))
    start = activity.starts_at
    assert checkins.credited_minutes(activity, start, start + timedelta(minutes=52)) == 45
    settings.update({"CHECKIN_ROUNDING_MINUTES": 10}, by=district_admin, reason="按10分钟取整")
    assert checkins.credited_minutes(activity, start, start + timedelta(minutes=52)) == 50


@pytest.mark.parametrize("changes", [{"CHECKIN_ROUNDING_MINUTES": 7},
                                     {"POOL_GRANT_MONTHLY_CAP_MINUTES": -1},
                                     {"POOL_GRANT_MONTHLY_CAP_MINUTES": 100_001},
                                     {"RATELIMIT_ENABLED": 0}])
def test_bad_values_are_refused_and_nothing_changes(district_admin, changes):
    with pytest.raises(InvalidInput) as refused:
        settings.update({"CHECKIN_ROUNDING_MINUTES": 30, **changes}, by=district_admin, reason="试")
    assert set(changes) <= set(refused.value.fields)
    db.session.rollback()
    assert settings.value("CHECKIN_ROUNDING_MINUTES") == 15


def test_a_reason_is_required_and_only_the_district_may_change(district_admin, make_user):
    with pytest.raises(InvalidInput) as refused:
        settings.update({"CHECKIN_ROUNDING_MINUTES": 30}, by=district_admin, reason=" ")
    assert "reason" in refused.value.fields
    with pytest.raises(PermissionDenied):
        settings.update({"CHECKIN_ROUNDING_MINUTES": 30}, by=make_user(Role.STATION_MANAGER),
                        reason="试")


def test_the_settings_page(client, district_admin):
    log_in(client, district_admin)
    html = page(client, "/admin/settings/")
    assert 'name="checkin_rounding_minutes"' in html and 'name="reason"' in html
    response = post_form(client, "/admin/settings/", {
        "checkin_rounding_minutes": "7", "pool_grant_monthly_cap_minutes": "600", "reason": "新规"})
    assert response.status_code == 422
    assert 'id="e-checkin_rounding_minutes"' in response.get_data(as_text=True)
    response = post_form(client, "/admin/settings/", {
        "checkin_rounding_minutes": "30", "pool_grant_monthly_cap_minutes": "600", "reason": ""})
    assert response.status_code == 422
    assert settings.value("CHECKIN_ROUNDING_MINUTES") == 15
    response = post_form(client, "/admin/settings/", {
        "checkin_rounding_minutes": "30", "pool_grant_monthly_cap_minutes": "600",
        "reason": "区民政局新规"})
    assert response.status_code == 302
    db.session.rollback()
    assert settings.value("CHECKIN_ROUNDING_MINUTES") == 30


@pytest.mark.parametrize("role", [Role.STATION_MANAGER, Role.SOCIAL_WORKER, Role.RESIDENT])
def test_only_district_administrators_see_the_settings(client, api_token, make_user, role):
    user = make_user(role)
    headers = api_token(user)
    assert client.get("/api/v1/admin/settings", headers=headers).status_code == 403
    assert client.put("/api/v1/admin/settings", headers=headers,
                      json={"checkin_rounding_minutes": 30, "reason": "试"}).status_code == 403
    log_in(client, user)
    page(client, "/admin/settings/", 403)


def test_the_settings_api(client, api_token, district_admin):
    headers = api_token(district_admin)
    body = client.get("/api/v1/admin/settings", headers=headers).get_json()
    assert body["checkin_rounding_minutes"] == 15 and body["pool_grant_monthly_cap_minutes"] == 1200
    assert {row["name"] for row in body["settings"]} == {
        "checkin_rounding_minutes", "pool_grant_monthly_cap_minutes", "correction_due_working_days",
        "approval_auto_daily_minutes", "approval_manager_daily_minutes", "approve_at_checkout",
        "personal_data_retention_years", "complaint_accept_working_days",
        "complaint_answer_working_days", "complaint_follow_up_working_days",
        "follow_up_sample_percent", "follow_up_sample_minimum", "spending_unit",
        "minutes_per_coin", "spending_min_served_minutes", "balance_cap_minutes",
        "whole_unit_redemption", "grant_monthly_budget_minutes"}
    refused = client.put("/api/v1/admin/settings", headers=headers,
                         json={"checkin_rounding_minutes": 7, "reason": "试"})
    assert refused.status_code == 422
    assert "checkin_rounding_minutes" in refused.get_json()["error"]["fields"]
    refused = client.put("/api/v1/admin/settings", headers=headers,
                         json={"checkin_rounding_minutes": 30})
    assert refused.status_code == 422 and "reason" in refused.get_json()["error"]["fields"]
    done = client.put("/api/v1/admin/settings", headers=headers,
                      json={"pool_grant_monthly_cap_minutes": 900, "reason": "预算调整"})
    assert done.status_code == 200
    body = done.get_json()
    assert body["pool_grant_monthly_cap_minutes"] == 900
    row = next(row for row in body["settings"] if row["name"] == "pool_grant_monthly_cap_minutes")
    assert row["stored"] is True and row["updated_by_id"] == district_admin.id


def test_the_time_banks_rules_are_district_settings(client, district_admin):
    """Unit, coin, minimum served, cap, whole coins and the grant budget: defaults that change
    nothing, shown on the page, stored by a district administrator."""
    assert [settings.value(name) for name in (
        "SPENDING_UNIT", "MINUTES_PER_COIN", "SPENDING_MIN_SERVED_MINUTES", "BALANCE_CAP_MINUTES",
        "WHOLE_UNIT_REDEMPTION")] == [0, 60, 0, 0, 0]
    log_in(client, district_admin)
    html = page(client, "/admin/settings/")
    for field in ("spending_unit", "minutes_per_coin", "spending_min_served_minutes",
                  "balance_cap_minutes", "whole_unit_redemption", "grant_monthly_budget_minutes"):
        assert f'name="{field}"' in html
    assert "时间币" in html
    changed = settings.update({"BALANCE_CAP_MINUTES": 90_000, "SPENDING_MIN_SERVED_MINUTES": 6000,
                               "WHOLE_UNIT_REDEMPTION": 1}, by=district_admin, reason="广州市规则")
    assert changed["BALANCE_CAP_MINUTES"] == [0, 90_000]
    with pytest.raises(InvalidInput):
        settings.update({"SPENDING_UNIT": 2}, by=district_admin, reason="试")
