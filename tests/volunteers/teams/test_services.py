"""The rules of teams: who runs them, joining once, team sign-ups reserving places, team
hours and the certificate."""

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from timebank.accounts.permissions import Role
from timebank.audit.models import AuditEntry
from timebank.clock import local
from timebank.errors import Conflict, InvalidInput, PermissionDenied
from timebank.extensions import db
from volunteers.activities import services as activities
from volunteers.activities.models import SignUpStatus
from volunteers.checkins import services as checkins
from volunteers.teams import services as teams
from volunteers.teams.models import JoinRequestStatus, TeamSignUp


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def audited(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == action))


def test_staff_create_a_team_with_its_captain_as_first_member(crew):
    team = crew["team"]
    assert team.leader_id == crew["worker"].id and team.social_worker is crew["worker"]
    assert team.captain_id == crew["captain"].id
    assert [m.id for m in team.members] == [crew["captain"].id] + [m.id for m in crew["members"]]
    assert audited("team.create") == 1 and audited("team.member_add") == 2


def test_staff_of_another_station_cannot_create_or_edit(crew, make_station, make_staff):
    other = make_staff(make_station(), name="外站社工")
    with pytest.raises(PermissionDenied):
        teams.create_team(other, crew["station"], {"name": "外来队"})
    with pytest.raises(PermissionDenied):
        teams.update_team(crew["team"], other, {"name": "改名"})


def test_a_name_the_station_has_is_refused(crew):
    with pytest.raises(Conflict) as refused:
        teams.create_team(crew["worker"], crew["station"], {"name": "蒲公英志愿服务队"})
    assert refused.value.code == "name_taken"


def test_the_captain_must_be_a_member(crew, make_volunteer):
    outsider = make_volunteer(name="路人")
    with pytest.raises(InvalidInput) as refused:
        teams.update_team(crew["team"], crew["worker"], {"captain_id": outsider.id})
    assert "captain_id" in refused.value.fields
    teams.update_team(crew["team"], crew["worker"], {"captain_id": crew["members"][0].id})
    assert crew["team"].captain_id == crew["members"][0].id


def test_the_social_worker_must_be_staff_of_the_station(crew, make_station, make_staff):
    other = make_staff(make_station(), name="外站社工")
    with pytest.raises(InvalidInput) as refused:
        teams.update_team(crew["team"], crew["worker"], {"social_worker_id": other.id})
    assert "social_worker_id" in refused.value.fields


def test_removing_the_captain_leaves_the_team_without_one(crew):
    teams.remove_member(crew["team"], crew["worker"], crew["captain"])
    assert crew["team"].captain_id is None
    assert crew["captain"].id not in [m.id for m in crew["team"].members]


def test_asking_twice_or_as_a_member_is_refused(crew, make_volunteer):
    team, newcomer = crew["team"], make_volunteer(name="新人")
    request = teams.ask_to_join(team, newcomer, "想参加")
    with pytest.raises(Conflict) as twice:
        teams.ask_to_join(team, newcomer)
    assert twice.value.code == "already_requested"
    with pytest.raises(Conflict) as member:
        teams.ask_to_join(team, crew["captain"])
    assert member.value.code == "already_member"
    assert request.status == JoinRequestStatus.PENDING


def test_the_captain_accepts_and_the_volunteer_becomes_a_member(crew, make_volunteer):
    team, newcomer = crew["team"], make_volunteer(name="新人")
    request = teams.ask_to_join(team, newcomer)
    decider = teams.request_to_decide(crew["captain"], request.id)
    teams.accept(decider, crew["captain"])
    assert teams.is_member(team, newcomer) and request.status == JoinRequestStatus.ACCEPTED
    with pytest.raises(Conflict):
        teams.accept(request, crew["captain"])
    with pytest.raises(Conflict) as again:
        teams.ask_to_join(team, newcomer)
    assert again.value.code == "already_member"


def test_a_plain_member_cannot_decide(crew, make_volunteer):
    request = teams.ask_to_join(crew["team"], make_volunteer(name="新人"))
    with pytest.raises(PermissionDenied):
        teams.request_to_decide(crew["members"][0], request.id)


def test_declining_needs_a_reason(crew, make_volunteer):
    request = teams.ask_to_join(crew["team"], make_volunteer(name="新人"))
    with pytest.raises(InvalidInput):
        teams.decline(request, crew["worker"], " ")
    teams.decline(request, crew["worker"], "队伍已满员")
    assert request.status == JoinRequestStatus.DECLINED and request.reason == "队伍已满员"


def test_a_team_sign_up_reserves_its_party_and_names_members(crew):
    team, activity, captain = crew["team"], crew["activity"], crew["captain"]
    entry = teams.sign_up_team(team, activity, captain, party_size=4,
                               member_ids=[captain.id, crew["members"][0].id])
    named = teams.named_sign_ups(entry)
    assert {s.user_id for s in named} == {captain.id, crew["members"][0].id}
    assert all(s.status == SignUpStatus.CONFIRMED and s.team_sign_up_id == entry.id
               for s in named)
    # Two named + two unnamed: four of five places taken.
    assert activities.places_taken([activity.id])[activity.id] == 4
    assert activities.slots_left(activity) == 1


def test_a_named_member_cancelling_keeps_the_teams_place(crew):
    team, activity, captain = crew["team"], crew["activity"], crew["captain"]
    entry = teams.sign_up_team(team, activity, captain, party_size=3, member_ids=[captain.id])
    own = teams.named_sign_ups(entry)[0]
    activities.cancel_sign_up(own, by=captain)
    assert activities.places_taken([activity.id])[activity.id] == 3


def test_a_party_above_the_places_left_is_refused_and_changes_nothing(crew, make_volunteer):
    team, activity, captain = crew["team"], crew["activity"], crew["captain"]
    for index in range(3):
        activities.sign_up(activity, make_volunteer(name=f"个人{index}"))
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        teams.sign_up_team(team, activity, captain, party_size=3, member_ids=[captain.id])
    db.session.rollback()
    assert refused.value.code == "not_enough_places"
    assert "2" in refused.value.message
    assert db.session.scalar(select(func.count()).select_from(TeamSignUp)) == 0
    assert activities.live_sign_up(activity, captain) is None
    assert activities.places_taken([activity.id])[activity.id] == 3


@pytest.mark.parametrize("party, named, field", [
    (0, "none", "party_size"), (51, "none", "party_size"), (1, "two", "member_ids"),
    (3, "outsider", "member_ids")])
def test_bad_parties_are_refused(crew, make_volunteer, party, named, field):
    ids = {"two": [crew["captain"].id, crew["members"][0].id],
           "outsider": [make_volunteer(name="外人").id], "none": []}[named]
    with pytest.raises(InvalidInput) as refused:
        teams.sign_up_team(crew["team"], crew["activity"], crew["captain"], party_size=party,
                           member_ids=ids)
    assert field in refused.value.fields


def test_a_plain_member_cannot_sign_the_team_up(crew):
    with pytest.raises(PermissionDenied):
        teams.sign_up_team(crew["team"], crew["activity"], crew["members"][0], party_size=2)


def test_one_live_team_sign_up_per_activity(crew):
    teams.sign_up_team(crew["team"], crew["activity"], crew["captain"], party_size=1)
    with pytest.raises(Conflict) as refused:
        teams.sign_up_team(crew["team"], crew["activity"], crew["captain"], party_size=1)
    assert refused.value.code == "team_already_signed_up"


def test_cancelling_frees_the_places_and_promotes_the_waiting(crew, make_volunteer):
    team, activity, captain = crew["team"], crew["activity"], crew["captain"]
    entry = teams.sign_up_team(team, activity, captain, party_size=5, member_ids=[captain.id])
    waiting = activities.sign_up(activity, make_volunteer(name="候补"))
    assert waiting.status == SignUpStatus.WAITLISTED
    teams.cancel_team_sign_up(entry, crew["worker"])
    assert activities.live_sign_up(activity, captain) is None
    assert waiting.status == SignUpStatus.CONFIRMED
    assert activities.places_taken([activity.id])[activity.id] == 1
    assert audited("team.sign_up_cancel") == 1


def serve(activity, volunteer, worker, minutes):
    checkin, _created = checkins.check_in(activity, volunteer, at=activity.starts_at)
    checkins.check_out(checkin, activity, at=activity.ends_at)
    checkins.approve(checkin, by=worker, minutes=minutes, reason="按实际时长认定")
    db.session.commit()


def test_team_hours_and_the_certificate(crew, make_activity, pinned_clock):
    team, worker, captain, (first, second) = (crew["team"], crew["worker"], crew["captain"],
                                              crew["members"])
    activity = crew["activity"]
    alone = make_activity(crew["station"], worker, title="个人服务", slots=3, allow_walk_ins=True,
                          start=local(activity.starts_at + timedelta(days=1))
                          .strftime("%Y-%m-%d %H:%M"))
    teams.sign_up_team(team, activity, captain, party_size=3, member_ids=[captain.id, first.id])
    activities.sign_up(activity, second)  # on their own: not team service
    db.session.commit()
    pinned_clock.move_to(alone.ends_at + timedelta(days=1))
    serve(activity, captain, worker, 120)
    serve(activity, first, worker, 90)
    serve(activity, second, worker, 60)
    serve(alone, first, worker, 30)

    hours = teams.team_hours(team)
    assert hours.team_minutes == 120 + 90
    assert [(line.activity.id, line.minutes, line.people) for line in hours.lines] == \
        [(activity.id, 210, 2)]
    assert hours.members_minutes == 120 + 90 + 60 + 30
    assert hours.member_count == 3

    data = teams.issue_certificate(team, worker)
    text = pdf_text(data)
    assert "蒲公英志愿服务队" in text and "3.5" in text and "长者饭堂帮厨" in text
    assert crew["station"].name in text
    assert audited("team.certificate") == 1


def test_no_team_service_no_certificate(crew):
    with pytest.raises(Conflict) as refused:
        teams.issue_certificate(crew["team"], crew["worker"])
    assert refused.value.code == "no_team_service"


def test_only_station_staff_issue_the_certificate(crew):
    with pytest.raises(PermissionDenied):
        teams.issue_certificate(crew["team"], crew["captain"])


def test_district_admin_may_run_any_team(crew, make_user):
    admin = make_user(Role.DISTRICT_ADMIN, name="区管理员")
    teams.update_team(crew["team"], admin, {"active": False})
    assert not crew["team"].active and audited("team.deactivate") == 1
    with pytest.raises(Conflict):
        teams.sign_up_team(crew["team"], crew["activity"], crew["captain"], party_size=1)
