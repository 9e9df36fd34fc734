"""Minimum necessary (最小必要): a walk of every GET page, API route and export of the app as each
role, failing on any full phone number or ID number of a person other than the viewer that the
rule (`timebank.privacy.services`) says must be masked.

The world: two stations, a social worker and a manager at each, volunteers with phones and ID
numbers at each, an activity at each with sign-ups and approved check-ins, a help request, a
correction, a matching run, a star application, a merchant, a certificate and a district
administrator. Full values are allowed only for the viewer themself, and for the phones of the
staff and merchant accounts the viewer administers (a district administrator: all of them; a
station manager: those of their station).
"""

import io
import itertools
import zipfile
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from tests.conftest import PASSWORD, SHANGHAI, settled
from timebank.accounts.permissions import Role
from timebank.clock import local, now
from timebank.exchange.merchants import services as merchants
from timebank.exchange.mutual_aid import services as mutual_aid
from timebank.extensions import db
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, TransferKind
from timebank.stars.models import StarApplication
from volunteers.activities import services as activities
from volunteers.certificates import services as certificates
from volunteers.checkins import services as checkins
from volunteers.complaints import services as complaints
from volunteers.corrections import services as corrections
from volunteers.evidence import services as evidence
from volunteers.followups.models import FollowUp
from volunteers.groups import services as groups
from volunteers.households import services as households
from volunteers.households.models import Household
from volunteers.matching import scoring as matching
from volunteers.matching import services as match_runs
from volunteers.matching.models import MatchProposal
from volunteers.profiles import services as profiles
from volunteers.reporting.exports import DATASETS
from volunteers.teams import services as teams
from volunteers.training import services as training
from volunteers.visits import services as visits

#: Routes not walked, with the reason.
GUARDIAN_PHONE = "13987650001"
SKIPPED = {
    "static": "files of the site, no personal data",
    "auth.logout": "ends the session the walk needs",
    "site.switch_language": "sets a cookie and redirects",
    "checkin.scan": "a check-in by scanning: it acts, it shows nothing of others",
    "imports.run": "needs a running import (its rows are tested in tests/timebank/imports)",
    "imports.run_status": "needs a running import",
    # The official export (补录 into the national systems) needs full ID numbers by its purpose;
    # it is the station manager's of that station and the district's, and every download is
    # audited (tests/volunteers/official).
    "official.download": "full ID numbers by purpose, audited",
}
#: Station-level pages and API a district administrator opens with ?station_id=.
BY_STATION = ("/station/", "/reports/", "/api/v1/star-applications", "/api/v1/corrections",
              "/api/v1/reports/", "/api/v1/complaints", "/api/v1/follow-ups")



def id_number(sequence: int) -> str:
    """A valid resident ID number (GB 11643 check character) of Nansha, born 1990."""
    body = f"4401151990010{sequence:03d}1"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(digit) * weight for digit, weight in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


@pytest.fixture
def world(make_station, make_staff, make_user, make_volunteer, make_activity):
    """Two stations and everyone around them; returns (people by key, ids for URLs)."""
    from timebank.org.models import Agency

    people, ids = {}, {}
    sequence = itertools.count(11)
    for key in ("a", "b"):
        station = make_station()
        station.agency = Agency(name=f"{key}社工机构", credit_code=f"91440115MA5{key.upper()}00000X",
                                contact_name="机构联系人")
        worker = make_staff(station, name=f"{key}站社工")
        manager = make_staff(station, Role.STATION_MANAGER, name=f"{key}站主管")
        first, second = station.town.communities
        activity = make_activity(station, worker, title=f"{key}站长者探访", slots=5)
        opening = matching.Opening(id=activity.id, starts_at=activity.starts_at,
                                   ends_at=activity.ends_at, slots=1)
        free = sorted(matching.day_slots(opening, SHANGHAI))
        one = make_volunteer(first, name=f"{key}站志愿者", consent=True, availability=free,
                             id_number=id_number(next(sequence)))
        two = make_volunteer(second, name=f"{key}站邻居", consent=True, availability=free,
                             id_number=id_number(next(sequence)))
        issuer = ledger.open_account(f"test:issuer:{key}", AccountKind.ISSUER, name=key,
                                     min_balance=None)
        transfer = ledger.post_transfer(
            TransferKind.EARN, [(issuer, -120), (ledger.member_account(one), 120)],
            idempotency_key=f"fund:{key}", memo="服务")
        sign_up = activities.sign_up(activity, one)
        activities.sign_up(activity, two)
        if key == "a":  # a 16-year-old with her guardian's consent: the guardian's phone too
            minor = make_volunteer(first, name="甲站少年", consent=True)
            profile = profiles.profile_for(minor)
            profile.birth_date = activity.starts_at.date().replace(year=2010)
            profile.guardian_name, profile.guardian_phone = "甲站家长", GUARDIAN_PHONE
            profile.guardian_relationship, profile.guardian_consent_method = "mother", "paper"
            profile.guardian_consent_at = now()
            activities.sign_up(activity, minor)
        # Served two days ago (signed up while it was open), so that it is certified.
        activity.starts_at -= timedelta(days=3)
        activity.ends_at -= timedelta(days=3)
        records = []
        for volunteer in (one, two):
            checkin, _ = checkins.check_in(activity, volunteer, at=activity.starts_at)
            checkins.check_out(checkin, activity, at=activity.starts_at + timedelta(minutes=90))
            checkins.approve(checkin, by=manager)
            records.append(checkin)
        later = make_activity(station, worker, title=f"{key}站下周探访", slots=3,
                              start=activity.ends_at + timedelta(days=7))
        activities.sign_up(later, two)
        correction = corrections.ask(one, reason="签退时间记错了", checkin_id=records[0].id)
        run = match_runs.run_matching(later.starts_at.year, later.starts_at.month, station.id,
                                      by=worker)
        help_request = mutual_aid.post_request(one, {
            "title": "帮忙修风扇", "category": "appliance_repair", "minutes": 30,
            "place": "社区", "starts_at": later.starts_at})
        star = StarApplication(user_id=one.id, level=1, station_id=station.id,
                               served_minutes=100 * 60)
        db.session.add(star)
        certificate, _record = certificates.issue(one, by=manager)
        household = households.create_household(station, {
            "name": f"{key}站李桂英", "community_id": first.id, "categories": ["living_alone"],
            "phone": "13700000088", "id_number": id_number(next(sequence)),
            "lawful_basis": "public_duty"}, by=worker)
        pairing = households.pair(household, volunteer_id=one.id, rhythm="weekly_call",
                                  by=worker)
        visit = visits.record_visit(household, one, visited_on=local(now()).date(), minutes=60)
        # A complaint from a neighbour who left a volunteer's number, and a follow-up call.
        complaint = complaints.file_complaint(station_id=station.id, text="活动没人组织",
                                              contact=one.phone, name="路人")
        follow_up = FollowUp(station_id=station.id, month="2026-11", subject=f"user:{two.id}",
                             source="mutual_aid", user_id=two.id)
        db.session.add(follow_up)
        team = teams.create_team(worker, station, {"name": f"{key}站志愿服务队",
                                                   "captain_id": one.id})
        teams.add_member(team, worker, two)
        # A party branch: a volunteer its contact, the neighbour a party member who shares.
        group = groups.create_group({"name": f"{key}站党支部", "kind": "party_branch",
                                     "station_id": station.id, "phone": "020-84680000"},
                                    by=worker)
        groups.add_person(group, one.id, "contact", by=worker)
        membership = groups.add_person(group, two.id, "member", by=worker)
        groups.set_share(membership, two, True)
        course = training.create_course(worker, station.id, title=f"{key}站急救培训")
        session = training.create_session(course, worker, starts_at=now() - timedelta(hours=1),
                                          ends_at=now() + timedelta(hours=1))
        training.record_attendance(session, one.id, by=worker)
        picture = io.BytesIO()
        Image.new("RGB", (64, 48), (90, 140, 60)).save(picture, "PNG")
        picture.seek(0)
        photo = evidence.add_photo(activity, FileStorage(picture, filename="photo.png"),
                                   f"{key}站活动", worker)
        db.session.commit()
        people.update({f"worker_{key}": worker, f"manager_{key}": manager,
                       f"volunteer_{key}": one, f"neighbour_{key}": two})
        proposal = db.session.scalar(select(MatchProposal).where(MatchProposal.run_id == run.id))
        ids[key] = {"station_id": station.id, "activity_id": activity.id,
                    "later_id": later.id, "sign_up_id": sign_up.id, "transfer_id": transfer.id,
                    "correction_id": correction.id, "run_id": run.id,
                    "request_id": help_request.id, "application_id": star.id,
                    "number": certificate.number, "agency_id": station.agency_id,
                    "community_id": first.id, "proposal_id": proposal.id if proposal else None,
                    "household_id": household.id, "pairing_id": pairing.id,
                    "visit_id": visit.id,
                    "complaint_id": complaint.id, "follow_up_id": follow_up.id,
                    "team_id": team.id,
                    "group_id": group.id, "membership_id": membership.id,
                    "course_id": course.id, "session_id": session.id,
                    "token": training.make_code(session), "photo_id": photo.id}
    merchant, _password = merchants.register_merchant({
        "shop_name": "甲站糖水铺", "contact_name": "何老板", "login_phone": "13512345678",
        "password": PASSWORD, "station_id": ids["a"]["station_id"]}, by=people["manager_a"])
    people["admin"] = make_user(Role.DISTRICT_ADMIN, name="区管理员")
    merchants.approve_merchant(merchants.profile_of(merchant), by=people["admin"])
    settled(merchant)
    db.session.commit()
    people["merchant"] = merchant
    ids["merchant_id"] = merchant.id
    _evaluation(people, ids, make_user)
    return people, ids


def _evaluation(people, ids, make_user) -> None:
    """An open evaluation period with a photo of station a's activity and the evaluator's sheet
    of station a: the evaluator (assigned station a) sees figures and evidence, no one's data."""
    from volunteers.evaluation import services as evaluation
    from volunteers.evidence.models import ActivityPhoto

    admin = people["admin"]
    people["evaluator"] = make_user(Role.EVALUATOR, name="第三方评估员")
    station_a = ids["a"]["station_id"]
    evaluation.assign_stations(admin, people["evaluator"], [station_a])
    month = local(now()).year, local(now()).month
    period = evaluation.create_period(admin, name="中期评估", kind="mid_term", first=month,
                                      last=month)
    for party in ("evaluator", "town", "committee", "district"):
        evaluation.add_item(admin, period, party=party, title="服务成效", max_score=10)
    evaluation.add_veto_item(admin, period, title="虚报服务数据")
    evaluation.open_period(admin, period)
    photo = ActivityPhoto(activity_id=ids["a"]["activity_id"], stored_name="minimum-photo",
                          thumbnail_name="minimum-thumb", content_type="image/jpeg", width=1,
                          height=1, size_bytes=1, uploaded_by_id=people["worker_a"].id)
    db.session.add(photo)
    db.session.flush()
    item = evaluation.items_of(period, "evaluator")[0]
    evaluation.submit_sheet(people["evaluator"], period, station_a, scores={str(item.id): 8},
                            comments="台账齐全", activity_ids=[ids["a"]["activity_id"]],
                            photo_ids=[photo.id])
    db.session.commit()
    for key in ("a", "b"):
        ids[key].update(period_id=period.id, photo_id=photo.id)



def administered(viewer_key: str) -> set[str]:
    """Whose phones the viewer sees in full as the administrator of their accounts."""
    if viewer_key == "admin":
        return {"worker_a", "manager_a", "worker_b", "manager_b", "merchant"}
    if viewer_key == "manager_a":
        return {"worker_a", "merchant"}
    if viewer_key == "manager_b":
        return {"worker_b"}
    return set()


def urls(app, people, ids, viewer) -> list[tuple[str, str]]:
    """(endpoint, url) of every GET route, its ids filled with each seeded object's."""
    values = {
        "user_id": [person.id for person in people.values()],
        "staff_id": [people[key].id for key in ("worker_a", "manager_a", "worker_b", "manager_b")],
        "merchant_id": [ids["merchant_id"]],
        "name": ["towns", "communities", "stations", "service-points", "grid-teams", "agencies"],
        "dataset": list(DATASETS), "fmt": ["csv", "xlsx"], "kind": ["volunteers", "staff"],
    }
    for key in ("a", "b"):
        for name, value in ids[key].items():
            if value is not None:
                values.setdefault(name, []).append(value)
        values["activity_id"].append(ids[key]["later_id"])
    values["row_id"] = sorted({*values["station_id"], *values["community_id"]})
    walked = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIPPED:
            continue
        missing = set(rule.arguments) - set(values)
        assert not missing, f"{rule.rule}: no seeded object for {missing}"
        names = sorted(rule.arguments)
        for combination in itertools.product(*(values[name] for name in names)):
            url = rule.build(dict(zip(names, combination, strict=True)), append_unknown=False)[1]
            walked.append((rule.endpoint, url))
            if not rule.arguments and url.startswith(BY_STATION):
                for key in ("a", "b"):
                    walked.append((rule.endpoint, f"{url}?station_id={ids[key]['station_id']}"))
    # The member directory found by a full phone number: the person is found, shown masked.
    for person in people.values():
        walked.append(("staff.members", f"/staff/members?q={person.phone}"))
    return walked


def text_of(response) -> str:
    """What a person could read in the answer: the HTML or JSON, a CSV, a workbook's cells, or a
    PDF's text."""
    data = response.get_data()
    kind = response.mimetype or ""
    if data[:4] == b"%PDF":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    if data[:2] == b"PK" and zipfile.is_zipfile(io.BytesIO(data)) and "sheet" in kind:
        book = load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(str(cell) for sheet in book.worksheets
                         for row in sheet.iter_rows(values_only=True) for cell in row
                         if cell is not None)
    return data.decode("utf-8", errors="replace")


ROLES = ["worker_a", "manager_a", "worker_b", "manager_b", "volunteer_a", "merchant", "admin",
         "evaluator"]


@pytest.mark.parametrize("viewer_key", ROLES)
def test_no_page_api_or_export_shows_anothers_full_phone_or_id(app, world, viewer_key):
    from volunteers.profiles.models import VolunteerProfile

    people, ids = world
    viewer = people[viewer_key]
    client = app.test_client()
    response = client.post("/api/v1/auth/token", json={"phone": viewer.phone, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    bearer = {"Authorization": f"Bearer {response.get_json()['token']}"}
    pages = app.test_client()
    login = pages.get("/login").get_data(as_text=True)
    token = login.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert pages.post("/login", data={"phone": viewer.phone, "password": PASSWORD,
                                      "csrf_token": token}).status_code == 302
    id_numbers = dict(db.session.execute(select(VolunteerProfile.user_id,
                                                VolunteerProfile.id_number)).all())
    allowed = {viewer_key} | administered(viewer_key)
    secrets = []
    for key, person in people.items():
        if key not in allowed:
            secrets.append((f"{key}'s phone", person.phone))
        if key != viewer_key and id_numbers.get(person.id):
            secrets.append((f"{key}'s ID number", id_numbers[person.id]))
    secrets.append(("a minor's guardian's phone", GUARDIAN_PHONE))
    # A served household's ID number is shown to nobody in full, staff included.
    secrets += [("a household's ID number", number)
                for number in db.session.scalars(select(Household.id_number)) if number]
    leaks, answered = [], 0
    for endpoint, url in urls(app, people, ids, viewer):
        client_for = client if url.startswith("/api/") else pages
        response = client_for.get(url, headers=bearer if url.startswith("/api/") else {},
                                 buffered=True)
        if response.status_code != 200:
            continue
        answered += 1
        text = text_of(response)
        if endpoint == "staff.members" and "?q=" in url:  # the search box and links keep it
            typed = url.split("?q=", 1)[1]
            for echo in (f'value="{typed}"', f"q={typed}", f"q%3D{typed}"):
                text = text.replace(echo, "")
        leaks += [f"{url} ({endpoint}) shows {what}" for what, value in secrets if value in text]
    assert answered >= 40
    assert not leaks, "\n".join(leaks)
