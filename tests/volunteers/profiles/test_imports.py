"""The volunteer roster import: residents with profiles, opening balances posted once through
the ledger, bad rows refused all together, and imported residents claiming their accounts."""

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, post_form, registration_code
from tests.timebank.imports.helpers import table_counts, write_csv, write_xlsx
from timebank.accounts import services as users
from timebank.extensions import db
from timebank.imports import services as imports
from timebank.ledger import keys, queries
from timebank.ledger import services as ledger
from volunteers.profiles import services as profiles

HEADER = ["姓名", "手机号", "身份证号", "村居", "技能", "原有时长(分钟)"]
BALANCE = "原有时长(分钟)"


def id_number(serial: int) -> str:
    """A valid resident ID number (GB 11643 check digit)."""
    body = f"44011519900101{serial % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def roster(count: int, community: str, *, start: int = 0) -> list[list]:
    rows = [HEADER]
    for index in range(start, start + count):
        rows.append([f"志愿者{index}", f"137{index:08d}", id_number(index) if index % 3 == 0 else "",
                     community, "急救、义剪" if index % 2 else "", str(index % 500)])
    return rows


def _legacy_balance() -> int:
    account = ledger.find_account(keys.DISTRICT_LEGACY_HOURS)
    return queries.balance(account) if account else 0


def _opening_total() -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(ledger.Entry.minutes), 0))
        .join(ledger.Transfer, ledger.Transfer.id == ledger.Entry.transfer_id)
        .join(ledger.Account, ledger.Account.id == ledger.Entry.account_id)
        .where(ledger.Transfer.kind == ledger.TransferKind.OPENING_BALANCE,
               ledger.Account.kind == ledger.AccountKind.MEMBER))


def test_a_roster_of_ten_thousand_with_opening_balances(app, runner, tmp_path, station, worker):
    community = station.town.communities[0]
    path = write_csv(tmp_path / "roster.csv", roster(10_000, community.name))
    expected = sum(index % 500 for index in range(10_000))

    dry = runner.invoke(args=["import", "volunteers", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "10000 created" in dry.output
    assert users.count_members() == 1  # only the social worker

    done = runner.invoke(args=["import", "volunteers", str(path)])
    assert done.exit_code == 0, done.output
    assert "10000 rows: 10000 created, 0 updated, 0 unchanged" in done.output
    assert users.count_members() == 10_001
    assert _opening_total() == expected == -_legacy_balance()
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0

    someone = users.get_by_phone("13700000003")
    assert someone.claimable and someone.name == "志愿者3"
    profile = profiles.home_of(someone)
    assert profile.community_id == community.id and profile.id_number == id_number(3)
    assert profile.skills == ["first_aid", "haircut"]
    assert profile.linked_social_worker_id == worker.id
    account = ledger.find_member_account(someone)
    assert queries.balance(account) == 3
    line = db.session.scalars(queries.statement(account)).one()
    assert line.transfer.kind == "opening_balance" and line.transfer.idempotency_key == \
        f"opening_balance:{someone.id}"
    assert queries.minutes_served(account) == 0  # not service on the platform

    before = table_counts()
    again = runner.invoke(args=["import", "volunteers", str(path)])
    assert "0 created, 0 updated, 10000 unchanged" in again.output
    after = table_counts()
    assert after.pop("audit_log") == before.pop("audit_log") + 1
    assert after == before


def test_a_dry_run_and_a_bad_row_write_nothing(app, tmp_path, station):
    community = station.town.communities[0].name
    rows = roster(50, community)
    rows[31][3] = "没有这个社区"
    path = write_xlsx(tmp_path / "roster.xlsx", rows)
    before = table_counts()
    assert imports.run("volunteers", path, dry_run=True).problem_count == 1
    result = imports.run("volunteers", path)
    assert not result.applied
    assert [(p.row, p.column) for p in result.problems] == [(32, "村居")]
    assert table_counts() == before


def test_every_bad_cell_is_named_by_row_and_column(app, tmp_path, station, make_station):
    community = station.town.communities[0].name
    make_station(communities=1)  # another town with a 第1社区
    rows = [HEADER,
            ["甲", "13700000001", "", f"{station.town.name}{community}", "", "10"],
            ["乙", "13700000001", "", f"{station.town.name}{community}", "", ""],
            ["丙", "13700000003", "", "第1社区", "", ""],
            ["丁", "13700000004", "", "远方社区", "", ""],
            ["戊", "13700000005", "", f"{station.town.name}{community}", "", "-30"],
            ["己", "13700000006", "", f"{station.town.name}{community}", "", "12.5"],
            ["庚", "13700000007", "440115199001011234", f"{station.town.name}{community}", "", ""],
            ["辛", "1370000", "", f"{station.town.name}{community}", "", "三十"]]
    before = table_counts()
    result = imports.run("volunteers", write_csv(tmp_path / "r.csv", rows))
    found = [(p.row, p.column) for p in result.problems]
    assert found == [(3, "手机号"), (4, "村居"), (5, "村居"), (6, BALANCE), (7, BALANCE),
                     (8, "身份证号"), (9, "手机号"), (9, BALANCE)]
    reasons = {(p.row, p.column): p.reason for p in result.problems}
    assert "第 2 行" in reasons[(3, "手机号")]
    assert "负数" in reasons[(6, BALANCE)] and "整数" in reasons[(7, BALANCE)]
    assert "多个镇街" in reasons[(4, "村居")]
    assert table_counts() == before


def test_a_town_column_chooses_between_communities_of_the_same_name(app, tmp_path, station,
                                                                      make_station):
    other = make_station(communities=1)
    rows = [HEADER + ["镇街"], ["甲", "13700000001", "", "第1社区", "", "", other.town.name]]
    result = imports.run("volunteers", write_csv(tmp_path / "r.csv", rows))
    db.session.commit()
    assert result.applied
    profile = profiles.home_of(users.get_by_phone("13700000001"))
    assert profile.community_id == other.town.communities[0].id


def test_a_different_opening_balance_later_is_a_bad_row(app, tmp_path, station):
    community = station.town.communities[0].name
    imports.run("volunteers", write_csv(tmp_path / "a.csv", roster(3, community, start=1)))
    db.session.commit()
    rows = roster(3, community, start=1)
    rows[2][5] = "999"
    result = imports.run("volunteers", write_csv(tmp_path / "b.csv", rows))
    assert [(p.row, p.column) for p in result.problems] == [(3, BALANCE)]
    assert _opening_total() == 1 + 2 + 3


def test_an_existing_member_gets_what_their_profile_lacks_and_one_opening_balance(
        app, tmp_path, station, make_user):
    member = make_user(phone="13700000001", name="志愿者1")
    community = station.town.communities[0]
    rows = roster(1, community.name, start=1)
    result = imports.run("volunteers", write_csv(tmp_path / "r.csv", rows))
    db.session.commit()
    assert (result.created, result.updated) == (0, 1)
    assert profiles.home_of(member).community_id == community.id
    assert queries.balance(ledger.find_member_account(member)) == 1
    assert not member.claimable  # registered themselves: nothing to claim
    other = [HEADER, ["别人", "13700000001", "", community.name, "", ""]]
    refused = imports.run("volunteers", write_csv(tmp_path / "o.csv", other))
    assert [(p.row, p.column) for p in refused.problems] == [(2, "姓名")]


# --- claiming an imported account ----------------------------------------------------------------

@pytest.fixture
def imported(app, tmp_path, station):
    rows = [HEADER, ["陈晓敏", "13700000001", "", station.town.communities[0].name, "急救", "240"]]
    imports.run("volunteers", write_csv(tmp_path / "r.csv", rows))
    db.session.commit()
    return users.get_by_phone("13700000001")


def test_registering_with_the_same_phone_and_name_claims_the_account(client, imported):
    profile_before = profiles.home_of(imported).community_id
    response = client.post("/api/v1/auth/register", json={
        "phone": "137 0000 0001", "password": PASSWORD, "name": "陈晓敏"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["id"] == imported.id
    db.session.expire_all()
    claimed = users.get_user(imported.id)
    assert not claimed.claimable
    assert users.authenticate("13700000001", PASSWORD) is not None
    assert queries.balance(ledger.find_member_account(claimed)) == 240
    assert profiles.home_of(claimed).community_id == profile_before
    assert profiles.home_of(claimed).skills == ["first_aid"]
    again = client.post("/api/v1/auth/register", json={
        "phone": "13700000001", "password": "another-password", "name": "陈晓敏"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "phone_taken"


def test_a_different_name_is_refused_and_changes_nothing(client, imported):
    before = table_counts()
    response = client.post("/api/v1/auth/register", json={
        "phone": "13700000001", "password": PASSWORD, "name": "陈晓明"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "phone_taken"
    assert table_counts() == before
    db.session.expire_all()
    assert users.get_user(imported.id).claimable
    assert users.authenticate("13700000001", PASSWORD) is None


def test_the_register_page_claims_too(client, imported, sms):
    response = post_form(client, "/register", {
        "phone": "13700000001", "password": PASSWORD, "name": "陈晓敏", "agree": "1",
        "privacy_version": "2026-12",
        "sms_code": registration_code(client, sms, "13700000001")})
    assert response.status_code == 302
    db.session.expire_all()
    assert not users.get_user(imported.id).claimable
    entries = client.get("/api/v1/accounts/me/entries").get_json()["items"]
    assert [(e["kind"], e["minutes"]) for e in entries] == [("opening_balance", 240)]
    hours = client.get("/hours/").get_data(as_text=True)
    assert "原有时长" in hours


def test_a_certificate_does_not_present_opening_balances_as_service(app, imported):
    from volunteers.certificates import services as certificates

    record = certificates.service_record(imported)
    assert record.lines == []


def test_reports_count_opening_balances_apart_from_hours_issued(app, imported, station):
    from timebank.clock import local, now
    from volunteers.reporting import services as reports
    from volunteers.reporting.filters import ReportFilters

    today = local(now())
    month = (today.year, today.month)
    district = reports.ledger_figures(ReportFilters(first_month=month, last_month=month))
    assert (district.total.issued, district.total.opening) == (0, 240)
    own = reports.ledger_figures(ReportFilters(first_month=month, last_month=month,
                                               station_id=station.id))
    assert own.total.opening == 240


def test_a_station_manager_imports_only_their_stations_volunteers(app, tmp_path, station,
                                                                   make_station, make_staff):
    from timebank.accounts.permissions import Role

    manager = make_staff(station, Role.STATION_MANAGER, name="项目主管")
    other = make_station()
    rows = [HEADER, ["甲", "13700000001", "", f"{station.town.name}第1社区", "", ""],
            ["乙", "13700000002", "", f"{other.town.name}第1社区", "", ""]]
    result = imports.run("volunteers", write_csv(tmp_path / "r.csv", rows), by=manager)
    assert [(p.row, p.column) for p in result.problems] == [(3, "村居")]
    with pytest.raises(imports.PermissionDenied):
        imports.run("geography", tmp_path / "r.csv", by=manager)


def test_a_claim_is_audited(client, imported):
    from timebank.audit.models import AuditEntry

    client.post("/api/v1/auth/register", json={"phone": "13700000001", "password": PASSWORD,
                                               "name": "陈晓敏"})
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.claim"))
    assert entry is not None and entry.subject == f"user:{imported.id}"


def test_a_password_set_any_other_way_ends_the_claim(client, imported):
    change = users.PasswordChange(checked_hash=imported.password_hash,
                                  new_hash=users.generate_password_hash(PASSWORD))
    users.apply_password_change(imported, change)  # as a reset code does
    db.session.commit()
    response = client.post("/api/v1/auth/register", json={
        "phone": "13700000001", "password": "someone-else-1", "name": "陈晓敏"})
    assert response.status_code == 409
    assert users.authenticate("13700000001", PASSWORD) is not None
