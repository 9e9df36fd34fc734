"""A volunteer's correction request through HTTP, from asking to the station's answer: a
reversal (the notices sent, the hours no longer counted, the ledger still balanced), an
adjustment, a refusal; someone else's record is not found; a social worker cannot change hours;
an overdue request on the district's dashboard and the station's list."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import SHANGHAI, page, post_form
from timebank.accounts.permissions import Role
from timebank.audit.models import AuditEntry
from timebank.extensions import db
from timebank.ledger import services as ledger
from timebank.ledger.models import Transfer, TransferKind
from timebank.notifications import wechat
from timebank.notifications.models import Delivery, Notification
from volunteers.checkins import services as checkins
from volunteers.checkins.models import CheckIn, counted_as_hours
from volunteers.corrections.models import Correction


def notices(user, kind=None) -> list[Notification]:
    db.session.rollback()
    statement = select(Notification).where(Notification.user_id == user.id)
    if kind:
        statement = statement.where(Notification.kind == kind)
    return list(db.session.scalars(statement.order_by(Notification.id)))


def counted(checkin) -> bool:
    db.session.rollback()
    return db.session.scalar(select(CheckIn.id).where(CheckIn.id == checkin.id,
                                                      counted_as_hours())) is not None


def balance(user) -> int:
    db.session.rollback()
    return ledger.member_account(user).balance


@pytest.fixture
def served(make_station, make_staff, make_volunteer, make_activity):
    """A volunteer living at station B served 2 h at an activity of station A (approved)."""
    organiser, home = make_station(), make_station()
    worker = make_staff(organiser, name="李社工")
    manager = make_staff(organiser, Role.STATION_MANAGER, name="陈主管")
    volunteer = make_volunteer(home.town.communities[0], name="黄志强")
    activity = make_activity(organiser, worker, title="长者探访", start="2026-12-14T09:00",
                             allow_walk_ins=True)
    checkin, _new = checkins.check_in(activity, volunteer, at=activity.starts_at)
    checkins.check_out(checkin, activity, at=activity.starts_at + timedelta(hours=2))
    checkins.approve(checkin, by=worker)
    db.session.commit()
    return {"organiser": organiser, "home": home, "worker": worker, "manager": manager,
            "volunteer": volunteer, "activity": activity, "checkin": checkin,
            "home_worker": make_staff(home, name="王社工")}


def ask(client, api_token, user, status=201, **body):
    response = client.post("/api/v1/corrections", json={"reason": "我服务了三个小时，只记了两小时",
                                                         **body}, headers=api_token(user))
    assert response.status_code == status, response.get_json()
    return response.get_json()


def resolve(client, api_token, user, ticket_id, status=200, **body):
    response = client.post(f"/api/v1/corrections/{ticket_id}/resolve", json=body,
                           headers=api_token(user))
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_a_correction_from_request_to_reversal(app, client, api_token, runner, served):
    recorder = wechat.RecordingWeChat()
    app.extensions[wechat.EXTENSION] = recorder
    volunteer, checkin = served["volunteer"], served["checkin"]
    volunteer.wechat_openid = "o-volunteer"
    db.session.commit()
    assert counted(checkin) and balance(volunteer) == 120

    ticket = ask(client, api_token, volunteer, checkin_id=checkin.id)
    assert ticket["status"] == "open"
    assert ticket["station_id"] == served["organiser"].id  # the organiser, not the home station
    assert ticket["subject"] == f"checkin:{checkin.id}"
    assert datetime.fromisoformat(ticket["due_at"]).astimezone(SHANGHAI) == \
        datetime(2026, 12, 23, 23, 59, 59, tzinfo=SHANGHAI)  # asked Wednesday 16th
    # The organising station's staff are told; the volunteer's home station is not.
    for person in (served["worker"], served["manager"]):
        told = notices(person, "correction_asked")
        assert len(told) == 1 and "长者探访" in told[0].title and "黄志强" in told[0].body
    assert notices(served["home_worker"], "correction_asked") == []

    # A social worker may not withdraw hours: 403 naming who may.
    refused = resolve(client, api_token, served["worker"], ticket["id"], status=403,
                      action="reverse", reason="签退记录有误")
    assert served["organiser"].name in refused["error"]["message"]
    assert refused["error"]["code"] == "needs_station_manager"

    answer = resolve(client, api_token, served["manager"], ticket["id"], action="reverse",
                     reason="核查签到记录，当天活动取消，时长撤回")
    assert answer["status"] == "reversed" and answer["resolution"].startswith("核查")
    reversal = db.session.get(Transfer, answer["result_transfer_id"])
    assert reversal.kind == TransferKind.REVERSAL and reversal.reverses_id == checkin.transfer_id
    assert reversal.posted_by_id == served["manager"].id
    assert not counted(checkin) and balance(volunteer) == 0

    told = notices(volunteer, "correction_resolved")
    assert len(told) == 1 and "当天活动取消" in told[0].body
    assert [d.channel for d in db.session.scalars(
        select(Delivery).where(Delivery.notification_id == told[0].id))] == ["wechat"]

    # Answered once; the ledger is still whole.
    again = resolve(client, api_token, served["manager"], ticket["id"], status=409,
                    action="refuse", reason="再次")
    assert again["error"]["code"] == "correction_resolved"
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    actions = set(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.subject == f"correction:{ticket['id']}")))
    assert actions == {"correction.ask", "correction.reverse"}


def test_an_adjustment_adds_hand_entered_hours_with_the_reason(client, api_token, runner, served):
    volunteer = served["volunteer"]
    ticket = ask(client, api_token, volunteer, checkin_id=served["checkin"].id)
    answer = resolve(client, api_token, served["manager"], ticket["id"], action="adjust",
                     minutes=60, reason="签退扫码失败，核实服务至12点")
    assert answer["status"] == "adjusted" and answer["minutes"] == 60
    adjustment = db.session.get(Transfer, answer["result_transfer_id"])
    assert adjustment.kind == TransferKind.ADJUST and adjustment.memo == "签退扫码失败，核实服务至12点"
    assert balance(volunteer) == 180 and counted(served["checkin"])
    assert "+1" in notices(volunteer, "correction_resolved")[0].title
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0


def test_a_reversal_already_posted_is_not_posted_twice(client, api_token, runner, served,
                                                      make_user):
    volunteer, checkin = served["volunteer"], served["checkin"]
    ticket = ask(client, api_token, volunteer, checkin_id=checkin.id)
    admin = make_user(Role.DISTRICT_ADMIN, name="区管理员")
    earlier = ledger.reverse(db.session.get(Transfer, checkin.transfer_id), "重复记录",
                             posted_by=admin)
    db.session.commit()
    answer = resolve(client, api_token, admin, ticket["id"], action="reverse", reason="已撤回")
    assert answer["result_transfer_id"] == earlier.id and balance(volunteer) == 0
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0


def test_a_social_worker_may_refuse_with_a_reason(client, api_token, served):
    volunteer = served["volunteer"]
    ticket = ask(client, api_token, volunteer, checkin_id=served["checkin"].id)
    missing = resolve(client, api_token, served["worker"], ticket["id"], status=422,
                      action="refuse", reason="  ")
    assert "reason" in missing["error"]["fields"]
    answer = resolve(client, api_token, served["worker"], ticket["id"], action="refuse",
                     reason="签到签退记录与现场登记表一致")
    assert answer["status"] == "refused" and answer["result_transfer_id"] is None
    assert balance(volunteer) == 120
    told = notices(volunteer, "correction_resolved")
    assert "现场登记表" in told[0].body


def test_someone_elses_record_is_not_found_like_one_that_does_not_exist(
        client, api_token, served, make_volunteer):
    stranger = make_volunteer(name="林美华")
    checkin = served["checkin"]
    theirs = ask(client, api_token, stranger, status=404, checkin_id=checkin.id)
    none = ask(client, api_token, stranger, status=404, checkin_id=checkin.id + 1000)
    assert theirs == none
    line = ask(client, api_token, stranger, status=404, transfer_id=checkin.transfer_id)
    no_line = ask(client, api_token, stranger, status=404, transfer_id=checkin.transfer_id + 1000)
    assert line == no_line
    # Nor can they read a ticket of someone else.
    ticket = ask(client, api_token, served["volunteer"], checkin_id=checkin.id)
    assert client.get(f"/api/v1/corrections/{ticket['id']}",
                      headers=api_token(stranger)).status_code == 404


def test_only_service_records_and_one_open_request_per_record(
        client, api_token, served, make_activity, make_user):
    volunteer, checkin = served["volunteer"], served["checkin"]
    # Not a service line: hours given by someone else.
    friend = make_user(name="邻居")
    ledger.adjust(ledger.member_account(friend), 60, "开户", posted_by=None,
                  idempotency_key="t:friend")
    gift = ledger.transfer_between(ledger.member_account(friend), ledger.member_account(volunteer),
                                   30, TransferKind.DONATE, idempotency_key="t:gift")
    db.session.commit()
    assert "transfer_id" in ask(client, api_token, volunteer, status=422,
                                transfer_id=gift.id)["error"]["fields"]
    # Not finished: a check-in still open.
    later = make_activity(served["organiser"], served["worker"], start="2026-12-16T09:30",
                          allow_walk_ins=True)
    still_in, _new = checkins.check_in(later, volunteer)
    db.session.commit()
    assert ask(client, api_token, volunteer, status=422, checkin_id=still_in.id)
    # Neither or both named.
    assert ask(client, api_token, volunteer, status=422)
    assert ask(client, api_token, volunteer, status=422, reason="x" * 1001, checkin_id=checkin.id)

    first = ask(client, api_token, volunteer, checkin_id=checkin.id)
    # The ledger line of the same check-in is the same record.
    second = ask(client, api_token, volunteer, status=409, transfer_id=checkin.transfer_id)
    assert second["error"]["code"] == "correction_open"
    assert second["error"]["fields"]["existing"]["id"] == first["id"]
    # Once answered, the record may be asked about again.
    resolve(client, api_token, served["worker"], first["id"], action="refuse", reason="记录无误")
    assert ask(client, api_token, volunteer, transfer_id=checkin.transfer_id)["subject"] == \
        f"checkin:{checkin.id}"


def test_an_adjustment_is_checked_by_the_station_of_the_staff_who_posted_it(
        client, api_token, served, make_station, make_staff):
    volunteer = served["volunteer"]
    elsewhere = make_station()
    admin = make_staff(elsewhere, Role.DISTRICT_ADMIN, name="区管理员")
    line = ledger.adjust(ledger.member_account(volunteer), 45, "补录纸质签到表",
                         posted_by=admin, idempotency_key="t:paper")
    by_platform = ledger.adjust(ledger.member_account(volunteer), 15, "系统补发",
                                posted_by=None, idempotency_key="t:platform")
    db.session.commit()
    assert ask(client, api_token, volunteer, transfer_id=line.id)["station_id"] == elsewhere.id
    # Posted by nobody's station: the volunteer's home station checks it.
    assert ask(client, api_token, volunteer,
               transfer_id=by_platform.id)["station_id"] == served["home"].id


def test_the_lists_show_my_requests_and_the_stations_requests(client, api_token, served,
                                                              make_station, make_staff):
    volunteer = served["volunteer"]
    ticket = ask(client, api_token, volunteer, checkin_id=served["checkin"].id)
    mine = client.get("/api/v1/corrections", headers=api_token(volunteer)).get_json()
    assert [item["id"] for item in mine["items"]] == [ticket["id"]] and mine["total"] == 1
    station = client.get("/api/v1/corrections?status=open",
                         headers=api_token(served["worker"])).get_json()
    assert [item["id"] for item in station["items"]] == [ticket["id"]]
    assert client.get("/api/v1/corrections?status=refused",
                      headers=api_token(served["worker"])).get_json()["items"] == []
    other = make_staff(make_station())
    assert client.get("/api/v1/corrections", headers=api_token(other)).get_json()["total"] == 0
    assert client.get(f"/api/v1/corrections/{ticket['id']}/resolve",
                      headers=api_token(other)).status_code == 405
    assert resolve(client, api_token, other, ticket["id"], status=403, action="refuse",
                   reason="不是本站")


# --- pages ------------------------------------------------------------------------------------

def test_the_volunteer_asks_from_the_history_and_the_statement(client, login, served):
    volunteer, checkin = served["volunteer"], served["checkin"]
    login(volunteer)
    history = page(client, "/volunteer/activities")
    ask_url = f"/volunteer/corrections/new?checkin_id={checkin.id}"
    assert ask_url in history
    statement = page(client, "/hours/")
    assert f"/volunteer/corrections/new?transfer_id={checkin.transfer_id}" in statement
    form = page(client, ask_url)
    assert "长者探访" in form and 'name="reason"' in form
    empty = post_form(client, ask_url, {"reason": ""})
    assert empty.status_code == 422
    sent = post_form(client, ask_url, {"reason": "签退时间记错了"})
    assert sent.status_code == 302
    ticket = db.session.scalar(select(Correction))
    assert sent.headers["Location"].endswith(f"/volunteer/corrections/{ticket.id}")
    shown = page(client, f"/volunteer/corrections/{ticket.id}")
    assert "签退时间记错了" in shown and served["organiser"].name in shown
    # The line now shows the request and its status instead of a second link.
    history = page(client, "/volunteer/activities")
    assert f"/volunteer/corrections/{ticket.id}" in history and ask_url not in history
    assert f"/volunteer/corrections/{ticket.id}" in page(client, "/hours/")
    assert f"/volunteer/corrections/{ticket.id}" in page(client, "/volunteer/corrections")


def test_the_station_answers_on_its_page(client, login, served, api_token):
    ticket = ask(client, api_token, served["volunteer"], checkin_id=served["checkin"].id)
    login(served["worker"])
    listing = page(client, "/station/corrections")
    assert f'id="correction-{ticket["id"]}"' in listing and "黄志强" in listing
    detail_url = f"/station/corrections/{ticket['id']}"
    detail = page(client, detail_url)
    assert 'value="reverse" required disabled' in detail  # a social worker cannot change hours
    post_form(client, f"{detail_url}/notes", {"body": "已联系带队社工核实"}, page=detail_url)
    post_form(client, f"{detail_url}/resolve", {"action": "reverse", "reason": "撤回"},
              page=detail_url)
    assert db.session.get(Correction, ticket["id"]).status == "open"  # refused: 403 flashed
    post_form(client, f"{detail_url}/resolve", {"action": "refuse", "reason": "记录无误"},
              page=detail_url)
    db.session.rollback()
    done = db.session.get(Correction, ticket["id"])
    assert done.status == "refused" and [note.body for note in done.notes] == ["已联系带队社工核实"]
    assert "记录无误" in page(client, detail_url)


# --- overdue ----------------------------------------------------------------------------------

@pytest.mark.parametrize("instant", [datetime(2026, 12, 14, 10, 0, tzinfo=SHANGHAI)])
def test_an_overdue_request_shows_on_the_district_dashboard_and_the_station_list(
        instant, client, login, api_token, pinned_clock, make_station, make_staff, make_volunteer,
        make_activity, make_user):
    station = make_station()
    worker = make_staff(station, name="李社工")
    volunteer = make_volunteer(station.town.communities[0], name="黄志强")
    activity = make_activity(station, worker, start="2026-12-12T09:00", allow_walk_ins=True)
    checkin, _new = checkins.check_in(activity, volunteer, at=activity.starts_at)
    checkins.check_out(checkin, activity, at=activity.starts_at + timedelta(hours=2))
    checkins.approve(checkin, by=worker)
    db.session.commit()
    ticket = ask(client, api_token, volunteer, checkin_id=checkin.id)  # Monday 14th
    admin = make_user(Role.DISTRICT_ADMIN, name="区管理员")

    login(admin)
    on_time = page(client, "/reports/")
    assert 'data-count="0"' in on_time and f'id="overdue-{ticket["id"]}"' not in on_time

    pinned_clock.move_to(datetime(2026, 12, 22, 10, 0, tzinfo=SHANGHAI))  # 8 days later
    dashboard = page(client, "/reports/")
    assert 'data-count="1"' in dashboard
    row = dashboard.split(f'id="overdue-{ticket["id"]}"')[1].split("</tr>")[0]
    assert station.name in row and '<td class="num">1</td>' in row
    listing = page(client, f"/station/corrections?station_id={station.id}")
    assert f'<tr id="correction-{ticket["id"]}" class="overdue">' in listing
