"""The rule of minimum necessary (`timebank.privacy.services`) and the audited reveal: staff of
the person's station and district administrators see a full phone or ID number by a deliberate,
audited act; everyone else is refused, and the refusal is audited too."""

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token, log_in, page
from timebank.accounts.permissions import Role
from timebank.audit.models import AuditEntry
from timebank.extensions import db
from timebank.privacy import services as privacy

ID_NUMBER = "440115199001010143"


@pytest.fixture
def people(make_station, make_staff, make_user, make_volunteer):
    here, there = make_station(), make_station()
    return {
        "worker": make_staff(here, name="甲站社工"),
        "manager": make_staff(here, Role.STATION_MANAGER, name="甲站主管"),
        "stranger": make_staff(there, name="乙站社工"),
        "admin": make_user(Role.DISTRICT_ADMIN, name="区管理员"),
        "volunteer": make_volunteer(here.town.communities[0], name="陈晓敏", id_number=ID_NUMBER),
        "neighbour": make_volunteer(here.town.communities[1], name="李大爷"),
        "merchant": make_user(Role.MERCHANT, name="糖水铺"),
    }


def audit_rows(action: str) -> list[AuditEntry]:
    db.session.rollback()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                   .order_by(AuditEntry.id)))


# --- the rule ---------------------------------------------------------------------------------

def test_masks_keep_the_ends_only():
    assert privacy.mask_id_number("440115199001010143") == "4401**********0143"
    assert privacy.mask_id_number(None) == ""
    assert privacy.mask_id_number("1234") == "****"


def test_only_the_person_sees_their_own_values_unmasked(people):
    volunteer = people["volunteer"]
    assert privacy.shown_phone(volunteer, volunteer) == volunteer.phone
    assert privacy.shown_id_number(volunteer, volunteer, ID_NUMBER) == ID_NUMBER
    for key in ("worker", "manager", "stranger", "admin", "neighbour", "merchant"):
        viewer = people[key]
        assert privacy.shown_phone(viewer, volunteer) == volunteer.phone[:3] + "****" \
            + volunteer.phone[-4:], key
        assert privacy.shown_id_number(viewer, volunteer, ID_NUMBER) == "4401**********0143", key
        assert not privacy.may_see_identity(viewer, volunteer)


def test_staff_phones_are_full_to_those_who_administer_the_accounts(people):
    worker = people["worker"]
    assert privacy.shown_phone(people["manager"], worker) == worker.phone
    assert privacy.shown_phone(people["admin"], worker) == worker.phone
    assert privacy.shown_phone(people["admin"], people["merchant"]) == people["merchant"].phone
    # A colleague and another station's manager see it masked; a manager's own phone is not
    # administered by their social worker.
    assert "****" in privacy.shown_phone(people["stranger"], worker)
    assert "****" in privacy.shown_phone(worker, people["manager"])


def test_who_may_reveal(people):
    volunteer = people["volunteer"]
    assert privacy.may_reveal(people["worker"], volunteer)
    assert privacy.may_reveal(people["manager"], volunteer)
    assert privacy.may_reveal(people["admin"], volunteer)
    for key in ("stranger", "neighbour", "merchant", "volunteer"):
        assert not privacy.may_reveal(people[key], volunteer), key


def test_a_reveal_is_audited_with_who_whose_and_which(people):
    value = privacy.reveal(people["worker"], people["volunteer"], "id_number", reason="保险登记")
    db.session.commit()
    assert value == ID_NUMBER
    [row] = audit_rows("privacy.reveal")
    assert row.actor_id == people["worker"].id and row.subject == f"user:{people['volunteer'].id}"
    assert row.details == {"field": "id_number", "user_id": people["volunteer"].id}
    assert row.reason == "保险登记"


# --- the API ----------------------------------------------------------------------------------

def test_own_station_staff_reveal_a_phone_and_it_is_audited(client, people, api_token):
    volunteer = people["volunteer"]
    response = client.post(f"/api/v1/users/{volunteer.id}/reveal", json={"field": "phone"},
                           headers=api_token(people["worker"]))
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"user_id": volunteer.id, "field": "phone",
                                   "value": volunteer.phone}
    [row] = audit_rows("privacy.reveal")
    assert row.actor_id == people["worker"].id and row.details["field"] == "phone"


def test_a_district_administrator_reveals_an_id_number(client, people, api_token):
    response = client.post(f"/api/v1/users/{people['volunteer'].id}/reveal",
                           json={"field": "id_number"}, headers=api_token(people["admin"]))
    assert response.status_code == 200
    assert response.get_json()["value"] == ID_NUMBER
    assert len(audit_rows("privacy.reveal")) == 1


def test_another_stations_social_worker_is_refused_and_the_attempt_audited(client, people,
                                                                          api_token):
    response = client.post(f"/api/v1/users/{people['volunteer'].id}/reveal",
                           json={"field": "id_number"}, headers=api_token(people["stranger"]))
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "reveal_refused" and ID_NUMBER not in response.get_data(as_text=True)
    [row] = audit_rows("privacy.reveal_refused")
    assert row.actor_id == people["stranger"].id
    assert row.details == {"field": "id_number", "user_id": people["volunteer"].id}
    assert audit_rows("privacy.reveal") == []


@pytest.mark.parametrize("key", ["neighbour", "merchant"])
def test_residents_and_merchants_are_refused(client, people, api_token, key):
    response = client.post(f"/api/v1/users/{people['volunteer'].id}/reveal",
                           json={"field": "phone"}, headers=api_token(people[key]))
    assert response.status_code == 403
    assert people["volunteer"].phone not in response.get_data(as_text=True)
    assert len(audit_rows("privacy.reveal_refused")) == 1


def test_bad_field_and_unknown_person(client, people, api_token):
    headers = api_token(people["worker"])
    response = client.post(f"/api/v1/users/{people['volunteer'].id}/reveal",
                           json={"field": "address"}, headers=headers)
    assert response.status_code == 422 and "field" in response.get_json()["error"]["fields"]
    response = client.post("/api/v1/users/999999/reveal", json={"field": "phone"},
                           headers=headers)
    assert response.status_code == 404
    assert audit_rows("privacy.reveal") == []


def test_the_cookie_post_needs_the_csrf_token(client, people):
    log_in(client, people["worker"])
    url = f"/api/v1/users/{people['volunteer'].id}/reveal"
    assert client.post(url, json={"field": "phone"}).status_code == 400
    assert audit_rows("privacy.reveal") == []
    token = csrf_token(client, "/station/volunteers")
    response = client.post(url, json={"field": "phone"}, headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.get_json()["value"] == people["volunteer"].phone


# --- the pages --------------------------------------------------------------------------------

def test_station_pages_show_masked_values_with_a_reveal_button(client, people):
    volunteer = people["volunteer"]
    log_in(client, people["worker"])
    html = page(client, "/station/volunteers")
    assert volunteer.phone not in html and ID_NUMBER not in html
    assert "4401**********0143" in html
    assert f'action="/staff/members/{volunteer.id}/reveal"' in html
    html = page(client, f"/staff/members/{volunteer.id}/hours")
    assert volunteer.phone not in html and f"/staff/members/{volunteer.id}/reveal" in html


def test_the_no_js_form_shows_the_value_on_a_page_and_audits(client, people):
    volunteer = people["volunteer"]
    log_in(client, people["worker"])
    token = csrf_token(client, "/station/volunteers")
    response = client.post(f"/staff/members/{volunteer.id}/reveal", data={
        "csrf_token": token, "field": "phone", "next": "/station/volunteers"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'href="tel:{volunteer.phone}"' in html and 'href="/station/volunteers"' in html
    assert len(audit_rows("privacy.reveal")) == 1
    # Without the token the form is refused and nothing is revealed.
    response = client.post(f"/staff/members/{volunteer.id}/reveal", data={"field": "phone"})
    assert response.status_code == 400 and len(audit_rows("privacy.reveal")) == 1


def test_the_form_of_another_station_is_refused_and_audited(client, people):
    log_in(client, people["stranger"])
    token = csrf_token(client, "/station/volunteers")
    response = client.post(f"/staff/members/{people['volunteer'].id}/reveal", data={
        "csrf_token": token, "field": "id_number"})
    assert response.status_code == 403 and ID_NUMBER not in response.get_data(as_text=True)
    assert len(audit_rows("privacy.reveal_refused")) == 1


def test_staff_search_by_a_full_phone_finds_the_person_shown_masked(client, people):
    volunteer = people["volunteer"]
    log_in(client, people["worker"])
    html = page(client, f"/staff/members?q={volunteer.phone}")
    row = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert volunteer.name in row and volunteer.phone not in row
    assert volunteer.phone[:3] + "****" + volunteer.phone[-4:] in row
    html = page(client, f"/station/volunteers?q={volunteer.phone}")
    row = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    row = row.replace(f"q={volunteer.phone}", "")  # the way back after a reveal keeps the search
    assert volunteer.name in row and volunteer.phone not in row


def test_me_shows_my_own_phone_in_full(client, people, api_token):
    volunteer = people["volunteer"]
    response = client.get("/api/v1/me", headers=api_token(volunteer))
    assert response.get_json()["phone"] == volunteer.phone
