"""Export then erasure, on both databases: the export holds every table's rows about the person
(found by walking the metadata, as the export does, so a new table is checked unasked); after
erasure no text column of any table holds their name, phone or ID number, the ledger's totals
and `flask ledger verify` are unchanged, the certificate still verifies as genuine, the token
stops, and a wrong password changes nothing."""

import json

from sqlalchemy import JSON, String, Text, func, select

from tests.conftest import PASSWORD, page
from tests.timebank.personal_data.conftest import NAME
from tests.volunteers.certificates.records import ID_NUMBER
from timebank.audit.models import AuditEntry
from timebank.extensions import db
from timebank.ledger.models import Account, Entry, Transfer
from timebank.notifications.models import Notification
from timebank.personal_data import services as personal


def _ledger_state():
    return (db.session.execute(select(Account.key, Account.balance).order_by(Account.key)).all(),
            db.session.scalar(select(func.count()).select_from(Entry)),
            db.session.scalar(select(func.count()).select_from(Transfer)),
            db.session.scalar(select(func.sum(Entry.minutes))))


def _copies(values) -> list[str]:
    """Every (table.column, row) whose text holds any of `values`, scanning the whole database."""
    found = []
    for table in db.metadata.sorted_tables:
        columns = [column for column in table.columns
                   if isinstance(column.type, String | Text | JSON)]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)).all():
            for column, value in zip(columns, row, strict=True):
                text = json.dumps(value, ensure_ascii=False) if isinstance(column.type, JSON) \
                    else value
                if text and any(needle in text for needle in values):
                    found.append(f"{table.name}.{column.name}: {text[:80]}")
    return found


def test_export_then_erasure_removes_the_identity_and_keeps_the_hours(
        client, api_token, runner, person):
    volunteer = person["volunteer"]
    phone = volunteer.phone
    headers = api_token(volunteer)
    response = client.get("/api/v1/me/export", headers=headers)
    assert response.status_code == 200
    exported = response.get_json()
    assert exported["user_id"] == volunteer.id
    sections = {section["table"]: section for section in exported["sections"]}

    # Every table with a users foreign key where the person has rows is in the export, whole.
    checked = 0
    for table in personal.tables_about_people():
        held = personal.rows_about(table, volunteer.id)
        if held:
            assert table.name in sections, table.name
            assert sections[table.name]["count"] >= len(held), table.name
            checked += 1
    assert checked >= 8
    for wanted in ("users", "volunteer_profiles", "signups", "checkins", "certificates",
                   "notifications", "entries", "audit_log", "help_requests",
                   "profile_correction_requests"):
        assert wanted in sections, wanted
    assert sections["users"]["rows"][0]["name"] == NAME
    assert "password_hash" not in sections["users"]["rows"][0]
    assert "security_stamp" not in sections["users"]["rows"][0]
    assert sections["volunteer_profiles"]["rows"][0]["id_number"] == ID_NUMBER
    # Staff named on the person's rows by name; nobody else's personal data.
    recorded = [row["recorded_by_id"] for row in sections["checkins"]["rows"]
                if row.get("recorded_by_id")]
    assert all(set(person) == {"id", "name"} for person in recorded)
    statement = sections["entries"]["rows"]
    assert sum(line["minutes"] for line in statement) == personal.member_balance(volunteer)

    before = _ledger_state()
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0
    assert _copies([NAME, phone, ID_NUMBER])

    # A wrong password: 403 wrong_password, nothing changed.
    response = client.post("/api/v1/me/erasure", json={"password": "wrong-one"}, headers=headers)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "wrong_password"
    db.session.expire_all()
    assert db.session.get(personal.User, volunteer.id).name == NAME
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "personal_data.erased")) == 0

    response = client.post("/api/v1/me/erasure", json={"password": PASSWORD},
                           headers=headers)
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["label"] == f"已注销用户 #{volunteer.id}"

    db.session.expire_all()
    assert _copies([NAME, phone, ID_NUMBER]) == []
    assert _ledger_state() == before
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    erased = db.session.get(personal.User, volunteer.id)
    assert erased.erased_at is not None and not erased.active
    assert db.session.scalar(select(AuditEntry.actor_id).where(
        AuditEntry.action == "personal_data.erased")) == volunteer.id
    # The station is told.
    told = db.session.scalar(select(Notification).where(
        Notification.user_id == person["worker"].id,
        Notification.key == f"erasure:{volunteer.id}:staff:{person['worker'].id}"))
    assert told is not None and f"已注销用户 #{volunteer.id}" in told.body

    # The token stops; the certificate still verifies as genuine, the name removed.
    assert client.get("/api/v1/me/export", headers=headers).status_code == 401
    verify = page(client, f"/verify/{person['certificate']}")
    assert person["certificate"] in verify and "已应本人要求删除姓名" in verify
    assert NAME not in verify and NAME[0] + "**" not in verify


def test_the_export_is_always_the_callers(client, api_token, person, make_user):
    other = make_user(name="梁伯")
    response = client.get(f"/api/v1/me/export?user_id={person['volunteer'].id}",
                          headers=api_token(other))
    body = response.get_json()
    assert response.status_code == 200 and body["user_id"] == other.id
    assert NAME not in json.dumps(body, ensure_ascii=False)
    assert client.get("/api/v1/me/export").status_code == 401


def test_a_balance_is_donated_to_the_pool_chosen_before_erasure(client, api_token, person):
    volunteer, station = person["volunteer"], person["station"]
    balance = personal.member_balance(volunteer)
    assert balance > 0
    community = station.town.communities[0]
    response = client.post("/api/v1/me/erasure", headers=api_token(volunteer),
                           json={"password": PASSWORD, "donate_to_pool_id": community.id})
    assert response.status_code == 202
    db.session.expire_all()
    assert personal.member_balance(volunteer) == 0
    pool = db.session.scalar(select(Account).where(Account.key == f"pool:community:{community.id}"))
    assert pool.balance == balance


def test_staff_with_a_post_are_refused_until_it_ends(client, api_token, person):
    response = client.post("/api/v1/me/erasure", headers=api_token(person["worker"]),
                           json={"password": PASSWORD})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "open_duties"
