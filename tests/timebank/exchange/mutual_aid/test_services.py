"""Mutual aid (互助) through HTTP: ask, offer, choose, both confirm; cancel, no-show, report a
problem and a social worker's settlement; standing offers. Hours move only through the ledger,
once, under ``help:<id>``."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.conftest import log_in, post_form
from timebank.accounts.permissions import Role
from timebank.audit.models import AuditEntry
from timebank.clock import now
from timebank.exchange.mutual_aid.models import HelpRequest
from timebank.extensions import db
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, Transfer, TransferKind
from timebank.notifications.models import Delivery, Notification

SHANGHAI = ZoneInfo("Asia/Shanghai")


# --- helpers ----------------------------------------------------------------------------------

@pytest.fixture
def fund(app):
    """Credit a user's account with service minutes from a test issuer."""
    issuer = ledger.open_account("test:issuer", AccountKind.ISSUER, name="南沙街道社工站",
                                 min_balance=None)
    db.session.commit()
    counter = iter(range(10_000))

    def credit(user, minutes):
        ledger.post_transfer(TransferKind.EARN, [(issuer, -minutes),
                                                 (ledger.member_account(user), minutes)],
                             idempotency_key=f"fund:{user.id}:{next(counter)}", memo="长者探访")
        db.session.commit()

    return credit


@pytest.fixture
def place(make_station, make_volunteer, make_staff, fund):
    """A station with two communities, three residents of the first, and its social worker."""
    station = make_station()
    community = station.town.communities[0]
    people = {
        "station": station, "community": community,
        "alice": make_volunteer(community, name="陈晓敏"),
        "bob": make_volunteer(community, name="梁伯"),
        "carol": make_volunteer(community, name="何雪"),
        "worker": make_staff(station, name="李社工"),
    }
    return people


def balance(user) -> int:
    db.session.rollback()
    return ledger_queries.balance(ledger.member_account(user))


def tomorrow(hours: int = 0) -> str:
    moment = (now() + timedelta(days=1, hours=hours)).astimezone(SHANGHAI)
    return moment.replace(second=0, microsecond=0).isoformat()


def ask(client, headers, **fields):
    body = {"title": "陪我去区医院复诊", "category": "escort_to_clinic", "minutes": 60,
            "starts_at": tomorrow(), "place": "南沙医院门诊楼", **fields}
    return client.post("/api/v1/help-requests", json=body, headers=headers)


def offer(client, headers, request_id, message="我有空"):
    return client.post(f"/api/v1/help-requests/{request_id}/offers", json={"message": message},
                       headers=headers)


def act(client, headers, request_id, step, body=None):
    return client.post(f"/api/v1/help-requests/{request_id}/{step}", json=body or {},
                       headers=headers)


def matched(client, tokens, requester="alice", helper="bob", **fields) -> int:
    """A request by `requester` with `helper` chosen; returns its id."""
    response = ask(client, tokens[requester], **fields)
    assert response.status_code == 201, response.get_json()
    request_id = response.get_json()["id"]
    offer_id = offer(client, tokens[helper], request_id).get_json()["id"]
    response = act(client, tokens[requester], request_id, "choose", {"offer_id": offer_id})
    assert response.status_code == 200, response.get_json()
    return request_id


def when_it_starts(clock, request_id) -> None:
    """Move the test's clock to an hour after the request's agreed time: help is confirmed
    once it has been given."""
    db.session.rollback()
    clock.move_to(db.session.get(HelpRequest, request_id).starts_at + timedelta(hours=1))


def help_transfers(request_id) -> list[Transfer]:
    db.session.rollback()
    return list(db.session.scalars(select(Transfer).where(
        Transfer.idempotency_key == f"help:{request_id}")))


@pytest.fixture
def tokens(place, api_token):
    return {name: api_token(place[name]) for name in ("alice", "bob", "carol", "worker")}


# --- the main path ----------------------------------------------------------------------------

def test_both_confirm_moves_the_minutes_once_even_when_confirmed_twice(client, place, tokens, fund,
                                                                      pinned_clock):
    alice, bob = place["alice"], place["bob"]
    fund(alice, 120)

    created = ask(client, tokens["alice"])
    assert created.status_code == 201
    item = created.get_json()
    assert item["status"] == "open" and item["community_id"] == place["community"].id
    assert item["minutes"] == 60 and item["starts_at"].endswith("+08:00")

    first = offer(client, tokens["bob"], item["id"])
    assert first.status_code == 201
    again = offer(client, tokens["bob"], item["id"], "再说一次")
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    carol_offer = offer(client, tokens["carol"], item["id"]).get_json()
    assert offer(client, tokens["alice"], item["id"]).status_code == 403  # not your own

    listed = client.get("/api/v1/help-requests", headers=tokens["carol"]).get_json()
    assert [row["id"] for row in listed["items"]] == [item["id"]] and listed["total"] == 1
    # Others see only their own offer; the requester sees them all.
    assert len(client.get(f"/api/v1/help-requests/{item['id']}",
                          headers=tokens["carol"]).get_json()["offers"]) == 1
    assert len(client.get(f"/api/v1/help-requests/{item['id']}",
                          headers=tokens["alice"]).get_json()["offers"]) == 2

    assert act(client, tokens["bob"], item["id"], "choose",
               {"offer_id": first.get_json()["id"]}).status_code == 403
    chosen = act(client, tokens["alice"], item["id"], "choose", {"offer_id": first.get_json()["id"]})
    assert chosen.status_code == 200
    body = chosen.get_json()
    assert body["status"] == "matched" and body["helper_id"] == bob.id
    statuses = {row["id"]: row["status"] for row in body["offers"]}
    assert statuses == {first.get_json()["id"]: "chosen", carol_offer["id"]: "not_chosen"}
    told = db.session.scalar(select(Notification).where(
        Notification.user_id == bob.id, Notification.key.like(f"help:{item['id']}:chosen:%")))
    assert told.kind == "help_chosen"  # a notice that also goes out by SMS
    assert [delivery.channel for delivery in db.session.scalars(
        select(Delivery).where(Delivery.notification_id == told.id))] == ["sms"]
    assert act(client, tokens["carol"], item["id"], "confirm").status_code == 403
    early = act(client, tokens["bob"], item["id"], "confirm")  # the day before: not yet
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "not_started"

    when_it_starts(pinned_clock, item["id"])
    for _ in range(2):  # the helper confirms twice: nothing moves yet
        response = act(client, tokens["bob"], item["id"], "confirm")
        assert response.status_code == 200 and response.get_json()["status"] == "matched"
    assert balance(alice) == 120 and balance(bob) == 0

    done = act(client, tokens["alice"], item["id"], "confirm")
    assert done.status_code == 200
    assert done.get_json()["status"] == "done" and done.get_json()["paid_minutes"] == 60
    again = act(client, tokens["alice"], item["id"], "confirm")
    assert again.status_code == 200 and again.get_json()["transfer_id"] == done.get_json()["transfer_id"]
    act(client, tokens["bob"], item["id"], "confirm")

    assert balance(alice) == 60 and balance(bob) == 60
    [transfer] = help_transfers(item["id"])
    assert transfer.kind == TransferKind.SPEND and transfer.memo == "陪我去区医院复诊"
    assert transfer.reference == f"help:{item['id']}"
    actions = list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.subject == f"help:{item['id']}").order_by(AuditEntry.id)))
    assert actions == ["help.post", "help.offer", "help.offer", "help.choose", "help.confirm",
                       "help.confirm", "help.done"]
    assert ledger_queries.verify() == []


def test_a_requester_without_enough_hours_is_refused_until_a_pool_grant(client, place, tokens, fund):
    alice = place["alice"]
    fund(alice, 30)
    refused = ask(client, tokens["alice"], minutes=60)
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "insufficient_balance"
    assert "0.5 时间币" in error["message"] and "1 时间币" in error["message"]
    assert "时间不足" in error["message"] or "不足" in error["message"]
    assert error["fields"]["minutes"]
    assert db.session.scalar(select(func.count(HelpRequest.id))) == 0

    # A social worker grants hours from the community pool (another module builds pools; for the
    # mutual-aid rule a grant is simply hours moved into the requester's account).
    pool = ledger.open_account("pool:test", AccountKind.POOL, name="第1社区互助池", min_balance=None)
    ledger.post_transfer(TransferKind.DONATE, [(pool, -60), (ledger.member_account(alice), 60)],
                         idempotency_key="grant:test", memo="独居长者补贴")
    db.session.commit()
    assert ask(client, tokens["alice"], minutes=60).status_code == 201


def test_minutes_promised_to_other_matched_requests_are_not_free(client, place, tokens, fund):
    fund(place["alice"], 90)
    matched(client, tokens, minutes=60)
    refused = ask(client, tokens["alice"], minutes=60, title="修理洗衣机", category="appliance_repair")
    assert refused.status_code == 409
    assert "0.5 时间币" in refused.get_json()["error"]["message"]
    assert ask(client, tokens["alice"], minutes=30).status_code == 201


def test_choosing_a_helper_checks_the_balance_again(client, place, tokens, fund):
    alice = place["alice"]
    fund(alice, 60)
    request_id = ask(client, tokens["alice"]).get_json()["id"]
    offer_id = offer(client, tokens["bob"], request_id).get_json()["id"]
    # Meanwhile she gives half her hours to family.
    assert client.post("/api/v1/transfers", json={"to_user_id": place["carol"].id, "minutes": 30,
                                                  "memo": "给家人"},
                       headers=tokens["alice"]).status_code == 201
    refused = act(client, tokens["alice"], request_id, "choose", {"offer_id": offer_id})
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "insufficient_balance"
    assert client.get(f"/api/v1/help-requests/{request_id}",
                      headers=tokens["alice"]).get_json()["status"] == "open"


def test_a_helper_is_not_shown_the_requesters_balance_when_it_falls_short(client, place, tokens,
                                                                        fund, pinned_clock):
    fund(place["alice"], 60)
    request_id = matched(client, tokens)
    when_it_starts(pinned_clock, request_id)
    act(client, tokens["alice"], request_id, "confirm")
    client.post("/api/v1/transfers", json={"to_user_id": place["carol"].id, "minutes": 30},
                headers=tokens["alice"])
    refused = act(client, tokens["bob"], request_id, "confirm")
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "insufficient_balance" and "30" not in error["message"]
    assert act(client, tokens["bob"], request_id, "report",
               {"problem": "对方时间不够"}).get_json()["status"] == "disputed"
    assert help_transfers(request_id) == []


def test_invalid_requests_get_field_messages(client, place, tokens, fund):
    fund(place["alice"], 600)
    response = ask(client, tokens["alice"], minutes=10, category="massage",
                   starts_at="2030-01-01T09:00:00")
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"minutes", "category", "starts_at"}
    past = (now() - timedelta(days=1)).astimezone(SHANGHAI).isoformat()
    assert ask(client, tokens["alice"], starts_at=past).status_code == 422
    assert ask(client, tokens["alice"], minutes=481).status_code == 422
    assert client.post("/api/v1/help-requests/999/offers", json={},
                       headers=tokens["bob"]).status_code == 404


# --- cancel, no-show, report ------------------------------------------------------------------

def test_cancel_while_open_or_matched_moves_nothing(client, place, tokens, fund, pinned_clock):
    fund(place["alice"], 120)
    open_id = ask(client, tokens["alice"]).get_json()["id"]
    assert act(client, tokens["bob"], open_id, "cancel").status_code == 403
    cancelled = act(client, tokens["alice"], open_id, "cancel")
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert offer(client, tokens["bob"], open_id).status_code == 409
    assert act(client, tokens["alice"], open_id, "cancel").status_code == 409

    matched_id = matched(client, tokens)
    assert act(client, tokens["alice"], matched_id, "cancel").get_json()["status"] == "cancelled"
    assert act(client, tokens["bob"], matched_id, "confirm").status_code == 409

    # Once the helper has confirmed the service, cancelling is no longer the way.
    third = matched(client, tokens)
    when_it_starts(pinned_clock, third)
    act(client, tokens["bob"], third, "confirm")
    refused = act(client, tokens["alice"], third, "cancel")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "helper_confirmed"
    assert balance(place["alice"]) == 120 and balance(place["bob"]) == 0


def test_no_show_opens_the_request_again_without_the_helper(client, place, tokens, fund,
                                                             monkeypatch):
    fund(place["alice"], 120)
    request_id = ask(client, tokens["alice"]).get_json()["id"]
    bob_offer = offer(client, tokens["bob"], request_id).get_json()["id"]
    carol_offer = offer(client, tokens["carol"], request_id).get_json()["id"]
    act(client, tokens["alice"], request_id, "choose", {"offer_id": bob_offer})

    early = act(client, tokens["alice"], request_id, "no-show")
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "not_started"

    monkeypatch.setattr("timebank.exchange.mutual_aid.services.now", lambda: now() + timedelta(days=2))
    assert act(client, tokens["bob"], request_id, "no-show").status_code == 403
    reopened = act(client, tokens["alice"], request_id, "no-show")
    assert reopened.status_code == 200
    body = reopened.get_json()
    assert body["status"] == "open" and body["helper_id"] is None
    statuses = {row["id"]: row["status"] for row in body["offers"]}
    assert statuses == {bob_offer: "not_chosen", carol_offer: "offered"}
    assert act(client, tokens["alice"], request_id, "choose",
               {"offer_id": bob_offer}).status_code == 409
    again = act(client, tokens["alice"], request_id, "choose", {"offer_id": carol_offer})
    assert again.get_json()["helper_id"] == place["carol"].id
    assert help_transfers(request_id) == []


def test_a_dispute_is_settled_by_the_station_with_a_reason(client, place, tokens, fund, make_station,
                                                           make_staff, api_token):
    alice, bob = place["alice"], place["bob"]
    fund(alice, 300)
    pay_id, split_id, cancel_id = (matched(client, tokens) for _ in range(3))

    assert act(client, tokens["carol"], pay_id, "report", {"problem": "x y"}).status_code == 403
    assert act(client, tokens["alice"], pay_id, "report", {"problem": ""}).status_code == 422
    for request_id, who in ((pay_id, "bob"), (split_id, "alice"), (cancel_id, "alice")):
        reported = act(client, tokens[who], request_id, "report", {"problem": "时间没谈拢，只帮了一半"})
        assert reported.status_code == 200 and reported.get_json()["status"] == "disputed"
    # No hours move while disputed, whoever confirms.
    assert act(client, tokens["alice"], pay_id, "confirm").status_code == 409
    assert balance(alice) == 300

    elsewhere = make_staff(make_station(), name="别站社工")
    other_worker = api_token(elsewhere)
    forbidden = act(client, other_worker, pay_id, "settle", {"decision": "pay", "reason": "核实过了"})
    assert forbidden.status_code == 403
    assert act(client, tokens["bob"], pay_id, "settle",
               {"decision": "pay", "reason": "核实过了"}).status_code == 403
    invalid = act(client, tokens["worker"], split_id, "settle", {"decision": "split", "reason": "各让一步"})
    assert invalid.status_code == 422 and "minutes" in invalid.get_json()["error"]["fields"]
    assert act(client, tokens["worker"], split_id, "settle",
               {"decision": "split", "reason": "各让一步", "minutes": 60}).status_code == 422

    paid = act(client, tokens["worker"], pay_id, "settle",
               {"decision": "pay", "reason": "双方电话核实，服务已完成"})
    assert paid.status_code == 200
    assert paid.get_json()["status"] == "settled" and paid.get_json()["settlement_decision"] == "pay"
    split = act(client, tokens["worker"], split_id, "settle",
                {"decision": "split", "reason": "各让一步", "minutes": 25}).get_json()
    assert split["settlement_decision"] == "split" and split["paid_minutes"] == 25
    cancelled = act(client, tokens["worker"], cancel_id, "settle",
                    {"decision": "cancel", "reason": "服务未进行"}).get_json()
    assert cancelled["settlement_decision"] == "cancel" and cancelled["transfer_id"] is None
    assert act(client, tokens["worker"], pay_id, "settle",
               {"decision": "pay", "reason": "再来一次"}).status_code == 409

    assert balance(alice) == 300 - 60 - 25 and balance(bob) == 85
    assert len(help_transfers(pay_id)) == 1 and len(help_transfers(cancel_id)) == 0
    reasons = dict(db.session.execute(select(AuditEntry.subject, AuditEntry.reason).where(
        AuditEntry.action == "help.settle")).all())
    assert reasons == {f"help:{pay_id}": "双方电话核实，服务已完成", f"help:{split_id}": "各让一步",
                       f"help:{cancel_id}": "服务未进行"}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.subject == f"help:{split_id}",
                                                       AuditEntry.action == "help.settle"))
    assert entry.actor_id == place["worker"].id and entry.details["decision"] == "split"
    assert ledger_queries.verify() == []


def test_every_path_then_the_ledger_verifies(client, place, tokens, fund, monkeypatch, runner,
                                             pinned_clock):
    alice, bob, carol = place["alice"], place["bob"], place["carol"]
    fund(alice, 30)
    assert ask(client, tokens["alice"]).status_code == 409                      # refused
    pool = ledger.open_account("pool:every", AccountKind.POOL, name="互助池", min_balance=None)
    ledger.post_transfer(TransferKind.DONATE, [(pool, -300), (ledger.member_account(alice), 300)],
                         idempotency_key="grant:every", memo="困境群体补贴")
    db.session.commit()

    done = matched(client, tokens)                                              # both confirm
    when_it_starts(pinned_clock, done)
    for who in ("bob", "alice", "alice", "bob"):
        act(client, tokens[who], done, "confirm")
    cancelled = ask(client, tokens["alice"], minutes=30).get_json()["id"]        # cancel
    act(client, tokens["alice"], cancelled, "cancel")
    disputed = matched(client, tokens, helper="carol", minutes=45)             # report, settle
    act(client, tokens["carol"], disputed, "report", {"problem": "没有按时到"})
    act(client, tokens["worker"], disputed, "settle", {"decision": "split", "reason": "迟到一半",
                                                       "minutes": 20})
    no_show = matched(client, tokens, minutes=15)                              # no-show
    monkeypatch.setattr("timebank.exchange.mutual_aid.services.now", lambda: now() + timedelta(days=2))
    assert act(client, tokens["alice"], no_show, "no-show").get_json()["status"] == "open"

    assert balance(alice) == 330 - 60 - 20 and balance(bob) == 60 and balance(carol) == 20
    assert ledger_queries.verify() == []
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output


def test_help_requests_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/help-requests", "/api/v1/help-requests/{request_id}",
                 "/api/v1/help-requests/{request_id}/offers", "/api/v1/help-requests/{request_id}/choose",
                 "/api/v1/help-requests/{request_id}/confirm", "/api/v1/help-requests/{request_id}/cancel",
                 "/api/v1/help-requests/{request_id}/report", "/api/v1/help-requests/{request_id}/settle",
                 "/api/v1/service-offers"):
        assert path in paths, path
    assert "409" in paths["/api/v1/help-requests"]["post"]["responses"]


# --- standing offers --------------------------------------------------------------------------

def test_standing_offers_can_be_posted_listed_and_withdrawn(client, place, tokens):
    posted = client.post("/api/v1/service-offers", json={"title": "帮长者理发", "category": "haircut",
                                                         "description": "周末上午有空"},
                         headers=tokens["bob"])
    assert posted.status_code == 201
    listing = posted.get_json()
    assert listing["community_id"] == place["community"].id and listing["user_name"] == "梁*"
    listed = client.get("/api/v1/service-offers", headers=tokens["alice"]).get_json()
    assert [row["id"] for row in listed["items"]] == [listing["id"]]
    assert client.delete(f"/api/v1/service-offers/{listing['id']}",
                         headers=tokens["alice"]).status_code == 403
    withdrawn = client.delete(f"/api/v1/service-offers/{listing['id']}", headers=tokens["bob"])
    assert withdrawn.status_code == 200 and withdrawn.get_json()["active"] is False
    assert client.get("/api/v1/service-offers", headers=tokens["alice"]).get_json()["items"] == []
    assert client.post("/api/v1/service-offers", json={"title": "x", "category": "nope"},
                       headers=tokens["bob"]).status_code == 422


# --- pages ------------------------------------------------------------------------------------

def browser_for(app, user):
    other = app.test_client()
    log_in(other, user)
    return other


def test_the_whole_path_on_the_pages(app, place, fund, pinned_clock):
    alice, bob = place["alice"], place["bob"]
    fund(alice, 90)
    as_alice, as_bob = browser_for(app, alice), browser_for(app, bob)

    page = as_alice.get("/help/").get_data(as_text=True)
    assert "邻里互助" in page and "1.5 时间币" in page  # spending is shown in time coins
    day = (now() + timedelta(days=1)).astimezone(SHANGHAI)
    form = {"title": "陪我去区医院复诊", "category": "escort_to_clinic", "description": "腿脚不便",
            "community_id": "", "place": "南沙医院", "start_date": day.date().isoformat(),
            "start_time": "09:30", "minutes": "120"}
    refused = post_form(as_alice, "/help/new", form)
    assert refused.status_code == 422
    assert "时间不足" in refused.get_data(as_text=True) or "不足" in refused.get_data(as_text=True)
    posted = post_form(as_alice, "/help/new", {**{k: v for k, v in form.items() if k != "minutes"},
                                               "coins": "1.5"})  # the price in time coins
    assert posted.status_code == 302
    request_id = int(posted.headers["Location"].rstrip("/").split("/")[-1])
    assert "陪我去区医院复诊" in as_bob.get("/help/").get_data(as_text=True)

    page = f"/help/{request_id}"
    assert post_form(as_bob, f"{page}/offer", {"message": "我有空"}, page=page).status_code == 302
    mine = as_alice.get(page).get_data(as_text=True)
    assert "选择" in mine and "梁伯" in mine
    offer_id = db.session.scalar(select(HelpRequest).where(HelpRequest.id == request_id)).offers[0].id
    post_form(as_alice, f"{page}/choose", {"offer_id": offer_id}, page=page)
    before = as_bob.get(page).get_data(as_text=True)
    assert "约定的时间到了之后才能确认完成" in before and "确认完成</button>" not in before
    when_it_starts(pinned_clock, request_id)
    assert "确认完成</button>" in as_bob.get(page).get_data(as_text=True)
    post_form(as_bob, f"{page}/confirm", {}, page=page)
    post_form(as_bob, f"{page}/confirm", {}, page=page)  # twice: still moves once
    post_form(as_alice, f"{page}/confirm", {}, page=page)
    shown = as_alice.get(page).get_data(as_text=True)
    assert "已完成" in shown
    assert balance(alice) == 0 and balance(bob) == 90
    assert len(help_transfers(request_id)) == 1


def test_report_and_settle_on_the_pages(app, place, fund, make_station, make_staff):
    alice, bob, worker = place["alice"], place["bob"], place["worker"]
    fund(alice, 60)
    as_alice, as_bob = browser_for(app, alice), browser_for(app, bob)
    day = (now() + timedelta(days=1)).astimezone(SHANGHAI)
    post_form(as_alice, "/help/new", {"title": "修洗衣机", "category": "appliance_repair",
                                      "start_date": day.date().isoformat(), "start_time": "15:00",
                                      "minutes": "60"})
    item = db.session.scalar(select(HelpRequest))
    page = f"/help/{item.id}"
    post_form(as_bob, f"{page}/offer", {}, page=page)
    db.session.rollback()
    post_form(as_alice, f"{page}/choose", {"offer_id": item.offers[0].id}, page=page)
    reported = post_form(as_alice, f"{page}/report", {"problem": "修完又坏了"}, page=page,
                         follow_redirects=True)
    assert "反映" in reported.get_data(as_text=True) or "问题" in reported.get_data(as_text=True)

    as_worker = browser_for(app, worker)
    disputes = as_worker.get("/help/disputes").get_data(as_text=True)
    assert "修洗衣机" in disputes and "修完又坏了" in disputes
    other = browser_for(app, make_staff(make_station(), name="别站社工"))
    assert "修洗衣机" not in other.get("/help/disputes").get_data(as_text=True)
    assert post_form(other, f"{page}/settle", {"decision": "pay", "reason": "x y"},
                     page="/help/disputes").status_code == 403
    assert browser_for(app, place["carol"]).get("/help/disputes").status_code == 403

    settled = post_form(as_worker, f"{page}/settle", {"decision": "split", "minutes": "30",
                                                      "reason": "修了一半"},
                        page="/help/disputes", follow_redirects=True)
    assert settled.status_code == 200
    assert balance(alice) == 30 and balance(bob) == 30
    assert "修了一半" in as_bob.get(page).get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry.reason).where(
        AuditEntry.action == "help.settle")) == "修了一半"


def test_cancel_no_show_and_listings_on_the_pages(app, place, fund, monkeypatch):
    alice, bob = place["alice"], place["bob"]
    fund(alice, 120)
    as_alice, as_bob = browser_for(app, alice), browser_for(app, bob)
    day = (now() + timedelta(days=1)).astimezone(SHANGHAI)
    form = {"title": "陪老人聊天", "category": "elderly_company", "start_date": day.date().isoformat(),
            "start_time": "10:00", "minutes": "60"}
    post_form(as_alice, "/help/new", form)
    post_form(as_alice, "/help/new", form)
    first, second = db.session.scalars(select(HelpRequest).order_by(HelpRequest.id)).all()
    post_form(as_alice, f"/help/{first.id}/cancel", {}, page=f"/help/{first.id}")
    post_form(as_bob, f"/help/{second.id}/offer", {}, page=f"/help/{second.id}")
    db.session.rollback()
    post_form(as_alice, f"/help/{second.id}/choose", {"offer_id": second.offers[0].id},
              page=f"/help/{second.id}")
    monkeypatch.setattr("timebank.exchange.mutual_aid.services.now", lambda: now() + timedelta(days=2))
    assert "没有来" in as_alice.get(f"/help/{second.id}").get_data(as_text=True)
    post_form(as_alice, f"/help/{second.id}/no-show", {}, page=f"/help/{second.id}")
    db.session.rollback()
    assert db.session.get(HelpRequest, first.id).status == "cancelled"
    assert db.session.get(HelpRequest, second.id).status == "open"
    assert db.session.get(HelpRequest, second.id).helper_id is None

    posted = post_form(as_bob, "/help/listings/new", {"title": "辅导小学数学", "category": "homework_help",
                                                      "community_id": ""})
    assert posted.status_code == 302
    assert "辅导小学数学" in as_alice.get("/help/listings").get_data(as_text=True)
    assert post_form(as_bob, "/help/listings/new", {"title": "", "category": "homework_help"}
                     ).status_code == 422


def test_the_nav_links_to_mutual_aid(client, make_user, login):
    login(make_user(Role.RESIDENT))
    assert 'href="/help/"' in client.get("/help/").get_data(as_text=True)
