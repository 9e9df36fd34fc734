"""The staff pages of the register and the volunteer's 我的结对, through HTTP."""

from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from tests.conftest import log_in, page, post_form
from tests.volunteers.households.conftest import valid_id
from timebank.audit.models import AuditEntry
from timebank.extensions import db
from volunteers.households.models import Household, Pairing


def test_a_social_worker_registers_pairs_and_closes(client, make_station, make_staff,
                                                    make_volunteer):
    station = make_station()
    worker = make_staff(station, name="周社工")
    volunteer = make_volunteer(station.town.communities[1], name="陈晓敏")
    log_in(client, worker)
    assert "服务对象" in page(client, "/station/households") or \
        "Served households" in page(client, "/station/households")
    number = valid_id(21)
    response = post_form(client, "/station/households/new", {
        "name": "李桂英", "called": "李阿姨", "community_id": station.town.communities[0].id,
        "address": "南沙街1号", "phone": "13700000001", "id_number": number,
        "categories": ["living_alone", "advanced_age"], "needs": ["meals"],
        "risk_level": "high", "social_worker_id": worker.id, "visit_every_days": "14",
        "next_visit_due": "", "lawful_basis": "consent", "consent_recorded_on": "2026-12-16",
        "consent_note": "签字同意书", "needs_note": "", "notes": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    household = db.session.scalar(select(Household))
    html = page(client, f"/station/households/{household.id}")
    assert "13700000001" in html and number not in html and number[-4:] in html
    response = post_form(client, f"/station/households/{household.id}/pairings", {
        "volunteer_id": volunteer.id, "rhythm": "weekly_call", "needs": ["companionship"]},
        page=f"/station/households/{household.id}")
    assert response.status_code == 302
    pairing = db.session.scalar(select(Pairing))
    assert pairing.volunteer_id == volunteer.id and pairing.is_live
    assert "陈晓敏" in page(client, f"/station/households/{household.id}")
    assert "暂无到期的探访。" in page(
        client, f"/station/households/due?grid_team_id={station.grid_teams[0].id}")
    coverage = page(client, "/station/households/coverage?quarter=2026Q4")
    assert "第1社区" in coverage
    assert page(client, "/station/households/coverage?quarter=nope", 422)
    # A bad form is shown again with the reason.
    refused = post_form(client, "/station/households/new", {
        "name": "王伯", "community_id": station.town.communities[0].id, "categories": [],
        "risk_level": "low", "visit_every_days": "30", "lawful_basis": "consent",
        "consent_recorded_on": "2026-12-16"})
    assert refused.status_code == 422
    ended = post_form(client, f"/station/pairings/{pairing.id}/end", {"reason": "志愿者搬家"},
                      page=f"/station/households/{household.id}")
    assert ended.status_code == 302
    closed = post_form(client, f"/station/households/{household.id}/close",
                       {"reason": "搬离本街道"}, page=f"/station/households/{household.id}")
    assert closed.status_code == 302
    db.session.expire_all()
    assert not db.session.get(Household, household.id).is_open


def test_the_export_is_masked_and_audited(client, make_station, make_staff, register_household):
    station = make_station()
    worker = make_staff(station)
    number = valid_id(22)
    register_household(station, worker, id_number=number)
    log_in(client, worker)
    response = client.get("/station/households/export.xlsx")
    assert response.status_code == 200
    cells = [str(cell) for row in load_workbook(BytesIO(response.data)).active.iter_rows(
        values_only=True) for cell in row if cell is not None]
    assert number not in cells and "李桂英" in cells
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "household.export"))


def test_residents_and_volunteers_are_kept_out(client, make_station, make_staff, make_volunteer,
                                              register_household):
    station = make_station()
    worker = make_staff(station)
    volunteer = make_volunteer(station.town.communities[0])
    household = register_household(station, worker, called="李阿姨", address="南沙街1号")
    from volunteers.households import services as households

    households.pair(household, volunteer_id=volunteer.id, rhythm="monthly_visit",
                    needs=["errands"], by=worker)
    db.session.commit()
    log_in(client, volunteer)
    assert client.get("/station/households").status_code == 403
    assert client.get(f"/station/households/{household.id}").status_code == 403
    assert client.get("/station/households/export.xlsx").status_code == 403
    mine = page(client, "/volunteer/pairings")
    assert "李阿姨" in mine and "李桂英" not in mine and "南沙街1号" not in mine


def test_another_stations_staff_get_403(client, make_station, make_staff, register_household):
    station = make_station()
    household = register_household(station, make_staff(station))
    log_in(client, make_staff(make_station()))
    assert client.get(f"/station/households/{household.id}").status_code == 403
    assert client.get(f"/station/households/{household.id}/edit").status_code == 403


def test_the_dashboard_shows_coverage(client, make_station, make_staff, register_household):
    from timebank.accounts.permissions import Role

    station = make_station()
    register_household(station, make_staff(station))
    log_in(client, make_staff(station, Role.STATION_MANAGER))
    html = page(client, "/reports/")
    assert 'id="household-coverage"' in html


def test_coverage_is_in_the_reports_exports(client, make_station, make_staff, register_household):
    from timebank.accounts.permissions import Role

    station = make_station()
    register_household(station, make_staff(station))
    log_in(client, make_staff(station, Role.STATION_MANAGER))
    response = client.get("/reports/exports/household_coverage.csv?from=2026-10&to=2026-12",
                          buffered=True)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "第1社区" in text and "2026Q4" in text and "李桂英" not in text
