"""Staff of one station cannot act on another station's people, activities, check-ins, sign-ups,
proposals, pools or transfers: every staff route, page and API alike, walked with the other
station's objects, answers 403 or 404 and changes nothing."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from tests.conftest import SHANGHAI, log_in
from timebank.accounts.permissions import Role
from timebank.audit.models import AuditEntry
from timebank.clock import local, now
from timebank.exchange.merchants import services as merchants
from timebank.exchange.mutual_aid import services as mutual_aid
from timebank.extensions import db
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, Transfer, TransferKind
from timebank.personal_data import services as personal_data
from timebank.stars.models import StarApplication
from volunteers.activities import services as activities
from volunteers.checkins import services as checkins
from volunteers.complaints import services as complaints
from volunteers.corrections import services as corrections
from volunteers.evidence import services as evidence
from volunteers.followups.models import FollowUp
from volunteers.groups import services as groups
from volunteers.households import services as households
from volunteers.matching import scoring as matching
from volunteers.matching import services as match_runs
from volunteers.matching.models import MatchProposal, MatchRun
from volunteers.teams import services as teams
from volunteers.training import services as training
from volunteers.visits import services as visits

#: The API routes only staff use (the rest of /api/v1 is a person's own business).
STAFF_API = {
    "volunteers_api.update_activity", "checkin_api.checkin_code", "checkin_api.approve",
    "checkin_api.reject", "matching_api.accept_proposal", "matching_api.swap_proposal",
    "matching_api.read_run", "pools_api.grant", "help_api.settle",
    "api.read_staff", "api.change_roles", "api.change_post", "api.deactivate_staff",
    "api.reactivate_staff", "api.hand_over", "merchant_api.read_merchant",
    "merchant_api.approve_merchant", "merchant_api.suspend_merchant",
    "merchant_api.reinstate_merchant", "stars_api.award", "stars_api.decline",
    "corrections_api.read_correction", "corrections_api.add_note", "corrections_api.resolve",
    "checkin_api.read_approval_policy", "checkin_api.change_approval_policy",
    "personal_data_api.resolve",
    "privacy_api.reveal",
    "visits_api.read_visit", "visits_api.approve_visit", "visits_api.reject_visit",
    "complaints_api.read_complaint", "complaints_api.add_step", "followups_api.record_outcome",
    "households_api.read_household", "households_api.update_household",
    "households_api.close_household", "households_api.list_pairings",
    "households_api.start_pairing", "households_api.end_pairing",
    "teams_api.update_team", "teams_api.add_member", "teams_api.remove_member",
    "groups_api.read_group", "groups_api.update_group", "groups_api.add_member",
    "groups_api.pledge", "groups_api.service", "groups_api.party_report",
    "training_api.list_attendance", "training_api.record_attendance",
    "training_api.volunteer_training", "training_api.record_paper", "training_api.create_waiver",
    "evidence_api.read_evidence", "evidence_api.write_summary", "evidence_api.add_photo",
    "evidence_api.delete_photo", "evidence_api.photo_file", "evidence_api.photo_thumbnail",
}
#: Administration pages that a station manager may use for their own station only.
ADMIN_PAGES = ("/admin/staff/", "/admin/merchants/")
#: Station pages only a station manager opens (a social worker of the station gets 403 too).
MANAGER_PAGES = ("/station/personal-data/members/",)
# Not walked: GET /api/v1/volunteers/<id>/profile, which any staff may read (the ID number
# masked outside the volunteer's station); its masking is tested in test_volunteers_api.
#: What a request to each route would carry, so that it gets past validation to the check.
FORM = {"minutes": "30", "reason": "核对签到表", "nonce": "abcdefgh12", "attendance": "attended",
        "title": "改名", "purpose": "checkin", "code": "1-000000", "kind": "elderly_alone",
        "category": "elderly_alone", "decision": "pay", "action": "refuse", "body": "已核对",
        "auto_approve_daily_minutes": 480, "manager_limit_daily_minutes": 720,
        "guardian_name": "乙站家长", "guardian_phone": "13912340000", "guardian_relationship": "mother",
        "consent_on_paper": "yes", "field": "phone"}


def staff_routes(app):
    """(endpoint, rule, method) of every staff route that names an object."""
    for rule in app.url_map.iter_rules():
        staff_page = rule.rule.startswith(("/station/", "/staff/", *ADMIN_PAGES))
        if rule.arguments and (staff_page or rule.endpoint in STAFF_API):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule.endpoint, rule, method


@pytest.fixture
def elsewhere(make_station, make_staff, make_volunteer, make_activity):
    """Station B's objects: a volunteer funded with hours, an activity with a sign-up and a
    checked-out check-in (with a correction asked of it), a matching run with a proposal, a
    help request, a merchant, a star application and a profile correction request."""
    station = make_station()
    worker = make_staff(station, name="乙站社工")
    manager = make_staff(station, Role.STATION_MANAGER, name="乙站主管")
    first, second = station.town.communities
    activity = make_activity(station, worker, title="乙站长者探访", slots=3)
    opening = matching.Opening(id=activity.id, starts_at=activity.starts_at, ends_at=activity.ends_at,
                               slots=1)
    free = sorted(matching.day_slots(opening, SHANGHAI))
    volunteer = make_volunteer(first, name="乙站志愿者", consent=True, availability=free)
    other = make_volunteer(second, name="乙站邻居", consent=True, availability=free)
    issuer = ledger.open_account("test:issuer:b", AccountKind.ISSUER, name="乙站", min_balance=None)
    transfer = ledger.post_transfer(
        TransferKind.EARN, [(issuer, -120), (ledger.member_account(volunteer), 120)],
        idempotency_key="fund:b", memo="乙站服务")
    sign_up = activities.sign_up(activity, volunteer)
    checkin, _ = checkins.check_in(activity, volunteer, at=activity.starts_at)
    checkins.check_out(checkin, activity, at=activity.starts_at + timedelta(minutes=90))
    correction = corrections.ask(volunteer, reason="签退时间记错了", checkin_id=checkin.id)
    run = match_runs.run_matching(activity.starts_at.year, activity.starts_at.month, station.id, by=worker)
    help_request = mutual_aid.post_request(volunteer, {
        "title": "帮忙修风扇", "category": "appliance_repair", "minutes": 30, "place": "乙站社区",
        "starts_at": activity.starts_at})
    merchant, _password = merchants.register_merchant({
        "shop_name": "乙站糖水铺", "contact_name": "何老板", "login_phone": "13512345678",
        "station_id": station.id}, by=manager)
    profile_correction = personal_data.request_correction(volunteer, "name", "错了一个字", "乙站志愿")
    star_application = StarApplication(user_id=volunteer.id, level=1, station_id=station.id,
                                       served_minutes=100 * 60)
    db.session.add(star_application)
    household = households.create_household(station, {
        "name": "乙站李桂英", "community_id": first.id, "categories": ["living_alone"],
        "lawful_basis": "public_duty"}, by=worker)
    pairing = households.pair(household, volunteer_id=volunteer.id, rhythm="weekly_call",
                              by=worker)
    visit = visits.record_visit(household, volunteer, visited_on=local(now()).date(), minutes=60)
    complaint = complaints.file_complaint(station_id=station.id, text="乙站活动没人组织",
                                          contact="13812345678")
    follow_up = FollowUp(station_id=station.id, month="2026-11", subject=f"user:{volunteer.id}",
                         source="mutual_aid", user_id=volunteer.id)
    db.session.add(follow_up)
    team = teams.create_team(worker, station, {"name": "乙站志愿服务队", "captain_id": volunteer.id})
    join_request = teams.ask_to_join(team, other)
    team_sign_up = teams.sign_up_team(team, activity, worker, party_size=1)
    group = groups.create_group({"name": "乙站第一党支部", "kind": "party_branch",
                                 "station_id": station.id}, by=worker)
    groups.add_person(group, volunteer.id, "contact", by=worker)
    course = training.create_course(worker, station.id, title="乙站急救培训")
    session = training.create_session(course, worker, starts_at=now() - timedelta(hours=1),
                                      ends_at=now() + timedelta(hours=1))
    photo = evidence.add_photo(activity, FileStorage(io.BytesIO(_png()), filename="乙站.png"),
                               "乙站活动照片", worker)
    db.session.commit()
    proposal = db.session.scalar(select(MatchProposal).where(MatchProposal.run_id == run.id))
    assert proposal is not None, "matching proposed nobody: the walk would miss the proposal routes"
    return {
        "activity_id": activity.id, "checkin_id": checkin.id, "sign_up_id": sign_up.id,
        "user_id": volunteer.id, "transfer_id": transfer.id, "proposal_id": proposal.id,
        "run_id": run.id, "community_id": first.id, "request_id": help_request.id,
        "other_id": other.id, "staff_phone": worker.phone, "staff_id": worker.id,
        "merchant_id": merchant.id, "manager_phone": manager.phone,
        "application_id": star_application.id, "correction_id": correction.id,
        "station_id": station.id, "profile_correction_id": profile_correction.id,
        "household_id": household.id, "pairing_id": pairing.id, "visit_id": visit.id,
        "complaint_id": complaint.id, "follow_up_id": follow_up.id, "team_id": team.id,
        "join_request_id": join_request.id, "team_sign_up_id": team_sign_up.id,
        "group_id": group.id, "course_id": course.id, "session_id": session.id,
        "photo_id": photo.id,
    }


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 140, 60)).save(buffer, "PNG")
    return buffer.getvalue()



def counts() -> tuple:
    """What a refused request must leave as it was (a refused reveal of a phone or ID number
    is itself audited, so those rows are not counted)."""
    db.session.rollback()
    audited = db.session.scalar(select(func.count()).select_from(AuditEntry)
                                .where(AuditEntry.action != "privacy.reveal_refused"))
    return (audited,) + tuple(db.session.scalar(select(func.count()).select_from(model))
                              for model in (Transfer, MatchProposal, MatchRun, activities.SignUp)) \
        + (db.session.scalar(select(func.count()).where(StarApplication.status == "pending")),)


@pytest.mark.parametrize("role", [Role.SOCIAL_WORKER, Role.STATION_MANAGER])
def test_every_staff_route_refuses_another_stations_objects(make_app, make_station, make_staff,
                                                           api_token, elsewhere, role):
    app = make_app(WTF_CSRF_ENABLED=False)
    station = make_station()
    mine = make_staff(station, role, name="甲站工作人员")
    my_worker = mine if role == Role.SOCIAL_WORKER else make_staff(station, name="甲站社工")
    page_client, api_client = app.test_client(), app.test_client()
    log_in(page_client, mine)
    token = api_client.post("/api/v1/auth/token", json={"phone": mine.phone, "password": "correct horse 9"})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    before = counts()
    walked, allowed = [], []
    for endpoint, rule, method in staff_routes(app):
        missing = set(rule.arguments) - set(elsewhere)
        assert not missing, f"{rule.rule}: no object of the other station for {missing}"
        url = rule.build({name: elsewhere[name] for name in rule.arguments}, append_unknown=False)[1]
        if url.startswith("/api/"):
            body = {**FORM, "minutes": 30, "user_id": elsewhere["other_id"], "roles": [],
                    "to_user_id": my_worker.id, "station_id": station.id}
            response = api_client.open(url, method=method, json=body, headers=headers)
        else:
            data = {**FORM, "user_id": str(elsewhere["other_id"]), "to_user_id": str(my_worker.id),
                    "station_id": str(station.id),
                    "social_worker_id": str(my_worker.id)} if method == "POST" else None
            response = page_client.open(url, method=method, data=data)
        walked.append(endpoint)
        if response.status_code not in (403, 404):
            allowed.append(f"{method} {url} → {response.status_code}")
    assert not allowed, allowed
    # The walk reached the staff routes, pages and API, the two that once let corrections through.
    assert len(walked) >= 30 and STAFF_API <= set(walked)
    assert {"staff.adjust_member_hours", "staff.reverse_transfer", "checkin_staff.approve",
            "personal_data_station.resolve", "personal_data_station.paper_erasure",
            "personal_data_station.carry_out_paper_erasure",
            "privacy.reveal"} <= set(walked)
    assert counts() == before


def test_the_stations_own_staff_open_the_same_pages(make_app, elsewhere):
    """The other half of the walk: the same URLs are there for the station's own staff, so the
    refusals above come from the station check, not from URLs that lead nowhere."""
    app = make_app(WTF_CSRF_ENABLED=False)
    page_client, api_client = app.test_client(), app.test_client()
    page_client.post("/login", data={"phone": elsewhere["staff_phone"], "password": "correct horse 9"})
    token = api_client.post("/api/v1/auth/token",
                            json={"phone": elsewhere["staff_phone"], "password": "correct horse 9"})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    # The administration is the station manager's: they open those pages for their station.
    manager_pages, manager_api = app.test_client(), app.test_client()
    manager_pages.post("/login", data={"phone": elsewhere["manager_phone"],
                                       "password": "correct horse 9"})
    token = manager_api.post("/api/v1/auth/token",
                             json={"phone": elsewhere["manager_phone"], "password": "correct horse 9"})
    manager_headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    refused, reached = [], 0
    for endpoint, rule, method in staff_routes(app):
        if method != "GET":
            continue
        reached += 1
        url = rule.build({name: elsewhere[name] for name in rule.arguments}, append_unknown=False)[1]
        admin = url.startswith((*ADMIN_PAGES, *MANAGER_PAGES,
                                *(f"/api/v1{path}" for path in ADMIN_PAGES)))
        pages, api, bearer = (manager_pages, manager_api, manager_headers) if admin \
            else (page_client, api_client, headers)
        client, extra = (api, {"headers": bearer}) if url.startswith("/api/") else (pages, {})
        response = client.get(url, **extra)
        # The volunteer has no certified service yet: their certificate is a 409, not a refusal.
        expected = 409 if endpoint == "certificates.for_volunteer" else 200
        if response.status_code != expected:
            refused.append(f"GET {url} → {response.status_code}")
    assert not refused, refused
    assert reached >= 10
