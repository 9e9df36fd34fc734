"""The register's rules: validation, who sees what, pairings, due lists and the audit."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.volunteers.households.conftest import CONSENTED, valid_id
from timebank.accounts.permissions import Role
from timebank.audit.models import AuditEntry
from timebank.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from timebank.extensions import db
from volunteers.households import services as households
from volunteers.households.models import Household

TODAY = date(2026, 12, 16)  # the suite's instant, in Shanghai


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_registering_sets_the_first_visit_and_audits(make_station, make_staff,
                                                     register_household):
    station = make_station()
    worker = make_staff(station)
    household = register_household(station, worker, visit_every_days=14,
                                    social_worker_id=worker.id, id_number=valid_id(1),
                                    categories=["dibao", "living_alone", "dibao"])
    assert household.next_visit_due == TODAY + timedelta(days=14)
    assert household.categories == ["dibao", "living_alone"]
    assert household.shown_name == "李某"
    assert "household.create" in actions()
    chosen = register_household(station, worker, name="王伯", next_visit_due=date(2026, 12, 20))
    assert chosen.next_visit_due == date(2026, 12, 20)


@pytest.mark.parametrize(("fields", "wrong"), [
    ({"categories": []}, "categories"),
    ({"categories": ["rich"]}, "categories"),
    ({"visit_every_days": 0}, "visit_every_days"),
    ({"visit_every_days": 367}, "visit_every_days"),
    ({"id_number": "440115195001010000"}, "id_number"),
    ({"lawful_basis": "whim"}, "lawful_basis"),
    ({"lawful_basis": "consent", "consent_recorded_at": None}, "consent_recorded_at"),
    ({"needs": ["money"]}, "needs"),
    ({"risk_level": "extreme"}, "risk_level"),
])
def test_registering_refuses_bad_input(make_station, make_staff, register_household, fields,
                                       wrong):
    station = make_station()
    worker = make_staff(station)
    with pytest.raises(InvalidInput) as refused:
        register_household(station, worker, **fields)
    assert wrong in refused.value.fields


def test_the_community_and_social_worker_must_be_the_stations(make_station, make_staff,
                                                              register_household):
    station, other = make_station(), make_station()
    worker, stranger = make_staff(station), make_staff(other)
    with pytest.raises(InvalidInput) as refused:
        register_household(station, worker, community_id=other.town.communities[0].id)
    assert "community_id" in refused.value.fields
    with pytest.raises(InvalidInput) as refused:
        register_household(station, worker, social_worker_id=stranger.id)
    assert "social_worker_id" in refused.value.fields
    # Without consent as the basis, no consent moment is needed.
    household = register_household(station, worker, lawful_basis="public_duty",
                                   consent_recorded_at=None)
    assert household.lawful_basis == "public_duty"


def test_who_sees_the_register(make_station, make_staff, make_user, make_volunteer,
                               register_household):
    station, other = make_station(), make_station()
    worker, manager = make_staff(station), make_staff(station, Role.STATION_MANAGER)
    stranger = make_staff(other)
    admin = make_user(Role.DISTRICT_ADMIN)
    resident = make_user()
    volunteer = make_volunteer(other.town.communities[0])  # of any community
    paired = register_household(station, worker, called="李阿姨", address="南沙街1号",
                                phone="13700000001", needs=["meals"])
    unpaired = register_household(station, worker, name="王伯")
    households.pair(paired, volunteer_id=volunteer.id, rhythm="weekly_call",
                    needs=["companionship"], by=worker)
    db.session.commit()

    for staff in (worker, manager, admin):
        assert households.get_for(staff, paired.id) is paired
    with pytest.raises(PermissionDenied):
        households.get_for(stranger, paired.id)
    for person in (resident, volunteer):
        with pytest.raises(PermissionDenied):
            households.require_register(person, station.id)
    with pytest.raises(NotFound):
        households.get_for(resident, paired.id)
    with pytest.raises(NotFound):
        households.get_for(volunteer, unpaired.id)
    with pytest.raises(NotFound):
        households.get_for(volunteer, 987654)
    view = households.get_for(volunteer, paired.id)
    assert not isinstance(view, Household)
    assert (view.shown_name, view.community, view.needs, view.rhythm) == (
        "李阿姨", station.town.communities[0].name, ["companionship"], "weekly_call")
    assert view.next_contact_due == TODAY + timedelta(days=7)
    seen = repr(vars(view))
    for secret in ("李桂英", "南沙街1号", "13700000001"):
        assert secret not in seen
    assert [row.id for row in households.my_pairings(volunteer)] == [paired.id]
    # Another station's staff cannot change it either.
    with pytest.raises(PermissionDenied):
        households.update_household(paired, {"risk_level": "high"}, by=stranger)


def test_pairing_rules(make_station, make_staff, make_user, make_volunteer, register_household):
    station = make_station()
    worker = make_staff(station)
    volunteer = make_volunteer(station.town.communities[1])
    resident = make_user()
    household = register_household(station, worker)
    with pytest.raises(InvalidInput):
        households.pair(household, volunteer_id=resident.id, rhythm="weekly_call", by=worker)
    with pytest.raises(InvalidInput):
        households.pair(household, volunteer_id=volunteer.id, rhythm="daily", by=worker)
    pairing = households.pair(household, volunteer_id=volunteer.id, rhythm="monthly_visit",
                              by=worker)
    assert pairing.next_contact_due == TODAY + timedelta(days=30)
    with pytest.raises(Conflict):
        households.pair(household, volunteer_id=volunteer.id, rhythm="weekly_call", by=worker)
    with pytest.raises(InvalidInput):
        households.end_pairing(pairing, "  ", by=worker)
    households.end_pairing(pairing, "志愿者搬家", by=worker)
    assert pairing.end_reason == "志愿者搬家" and not pairing.is_live
    with pytest.raises(Conflict):
        households.end_pairing(pairing, "again", by=worker)
    with pytest.raises(NotFound):
        households.get_for(volunteer, household.id)  # an ended pairing shows nothing
    again = households.pair(household, volunteer_id=volunteer.id, rhythm="weekly_call", by=worker)
    households.close_household(household, "搬离本街道", by=worker)
    assert not again.is_live and not household.is_open
    with pytest.raises(Conflict):
        households.update_household(household, {"risk_level": "high"}, by=worker)
    assert {"pairing.start", "pairing.end", "household.close"} <= set(actions())


def test_members_and_updates(make_station, make_staff, register_household):
    station = make_station()
    worker = make_staff(station)
    household = register_household(station, worker)
    member = households.add_member(household, {"name": "李小明", "relation": "孙子",
                                               "birth_year": 2015, "id_number": valid_id(2)},
                                   by=worker)
    with pytest.raises(InvalidInput):
        households.add_member(household, {"name": "x", "id_number": "123"}, by=worker)
    households.remove_member(household, member.id, by=worker)
    assert household.members == []
    households.update_household(household, {"visit_every_days": 7, "risk_level": "high"},
                                by=worker)
    assert household.next_visit_due == TODAY + timedelta(days=7)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "household.update")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.details["fields"] == ["risk_level", "visit_every_days"]


def test_due_list_of_a_grid_team(make_station, make_staff, make_volunteer, register_household):
    station = make_station()
    worker = make_staff(station)
    volunteer = make_volunteer(station.town.communities[0])
    late = register_household(station, worker, name="张婆", next_visit_due=TODAY - timedelta(days=3))
    today = register_household(station, worker, name="陈伯", next_visit_due=TODAY)
    register_household(station, worker, name="黄姨", next_visit_due=TODAY + timedelta(days=1))
    pairing = households.pair(late, volunteer_id=volunteer.id, rhythm="weekly_call", by=worker,
                              next_contact_due=TODAY - timedelta(days=1))
    households.pair(today, volunteer_id=volunteer.id, rhythm="weekly_call", by=worker)
    team = station.grid_teams[0]
    due = households.due_for_team(worker, team.id)
    assert [row.name for row in due.households] == ["张婆", "陈伯"]
    assert [row.id for row in due.pairings] == [pairing.id]
    with pytest.raises(PermissionDenied):
        households.due_for_team(make_staff(make_station()), team.id)


def test_export_masks_id_numbers_and_is_audited(make_station, make_staff, make_user,
                                                register_household):
    from openpyxl import load_workbook

    station = make_station()
    worker = make_staff(station)
    number = valid_id(3)
    register_household(station, worker, id_number=number, phone="13700000009")
    handle = households.export_households(worker, station.id)
    db.session.commit()
    with handle:
        cells = [str(cell) for row in load_workbook(handle).active.iter_rows(values_only=True)
                 for cell in row if cell is not None]
    assert number not in cells and f"{number[:4]}**********{number[-4:]}" in cells
    assert "household.export" in actions()
    for outsider in (make_user(), make_staff(make_station())):
        with pytest.raises(PermissionDenied):
            households.export_households(outsider, station.id)


def test_consent_is_kept_with_its_moment(make_station, make_staff, register_household):
    station = make_station()
    household = register_household(station, make_staff(station))
    assert household.consent_recorded_at == CONSENTED
