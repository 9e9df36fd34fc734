"""Roles: who may open which page."""

import pytest

from timebank.accounts.permissions import Role, effective_roles, has_role


def test_resident_cannot_open_a_staff_page(client, make_user, login):
    login(make_user(Role.RESIDENT))
    response = client.get("/staff/members")
    assert response.status_code == 403
    assert "您没有权限进行此操作" in response.get_data(as_text=True)


def test_merchant_cannot_open_a_staff_page(client, make_user, login):
    login(make_user(Role.MERCHANT))
    assert client.get("/staff/members").status_code == 403


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get("/staff/members")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/staff/members")


@pytest.mark.parametrize("role", [Role.SOCIAL_WORKER, Role.STATION_MANAGER, Role.DISTRICT_ADMIN])
def test_staff_see_members_with_masked_phone_numbers(client, make_user, login, role):
    resident = make_user(Role.RESIDENT, name="居民甲")
    login(make_user(role))
    page = client.get("/staff/members?q=居民").get_data(as_text=True)
    assert "居民甲" in page
    assert resident.phone not in page
    assert resident.phone[:3] + "****" + resident.phone[-4:] in page


def test_staff_roles_nest_and_merchants_stand_apart(make_user):
    admin = make_user(Role.DISTRICT_ADMIN)
    assert effective_roles(admin) == {Role.DISTRICT_ADMIN, Role.STATION_MANAGER, Role.SOCIAL_WORKER}
    manager = make_user(Role.STATION_MANAGER)
    assert has_role(manager, Role.SOCIAL_WORKER) and not has_role(manager, Role.DISTRICT_ADMIN)
    merchant = make_user(Role.MERCHANT)
    assert not has_role(merchant, Role.SOCIAL_WORKER)
    assert not has_role(merchant, Role.RESIDENT)


def test_every_page_except_public_ones_requires_login(app, client):
    """A new route is public only by being listed here on purpose."""
    public = {"site.home", "site.switch_language", "auth.login", "auth.register", "static",
              "api.register", "api.token", "api.openapi",
              # The contract lets anyone read these.
              "volunteers_api.communities", "volunteers_api.list_themes",
              "volunteers_api.list_activities", "volunteers_api.get_activity",
              "org_api.station_directory",
              # A scanned code is checked before asking to log in (a forged one says so at once).
              "checkin.scan",
              # Whoever forgot their password is not logged in (account recovery).
              "auth.forgot_password", "auth.reset_password",
              # Anyone holding a certificate may check it (the API contract's /verify/{no}).
              "certificates.verify",
              # Browsers ask for it on every page.
              "site.favicon",
              # Coming activities and the station directory, without personal data (#15).
              "public.activities", "public.activity", "public.stations", "public.station",
              # The privacy notice, read before registering (#21).
              "consents.notice", "consents_api.current_notice",
              # Anyone may complain, and follow their complaint by its number (#17).
              "complaints.new", "complaints.filed", "complaints.status",
              # A community pool's page thanks the organisations that sponsored it (#18).
              "pools.public_pool",
              # The qualification types activities may require, as activities are public (#18).
              "training_api.list_qualifications"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in public or "GET" not in rule.methods:
            continue
        url = rule.build({arg: 1 for arg in rule.arguments})[1]
        response = client.get(url)
        assert response.status_code in (302, 401), f"{rule.endpoint} is open to anyone"
