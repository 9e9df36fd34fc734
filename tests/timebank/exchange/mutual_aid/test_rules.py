"""The time bank's rules over HTTP: a help request priced in time coins, payments refused by
the minimum served, the cap and whole coins (409 with a code each), categories on statements."""

from datetime import timedelta

from tests.conftest import log_in, page, post_form
from tests.timebank.exchange.mutual_aid.test_services import (  # noqa: F401 (fixtures)
    SHANGHAI,
    act,
    ask,
    balance,
    fund,
    matched,
    place,
    tokens,
    when_it_starts,
)
from timebank.clock import now
from timebank.exchange.mutual_aid.models import HelpRequest
from timebank.extensions import db


def _form(**fields):
    day = (now() + timedelta(days=1)).astimezone(SHANGHAI)
    return {"title": "帮我修风扇", "category": "appliance_repair", "community_id": "",
            "start_date": day.date().isoformat(), "start_time": "10:00", **fields}


def test_a_help_request_is_priced_in_coins(app, client, place, tokens, fund):  # noqa: F811
    fund(place["alice"], 300)
    as_alice = app.test_client()
    log_in(as_alice, place["alice"])
    html = page(as_alice, "/help/new")
    assert 'name="coins"' in html and "时间币" in html and 'step="0.1"' in html
    posted = post_form(as_alice, "/help/new", _form(coins="1.5"))
    assert posted.status_code == 302
    db.session.rollback()
    item = db.session.get(HelpRequest, int(posted.headers["Location"].rstrip("/").split("/")[-1]))
    assert item.minutes == 90
    assert "1.5 时间币" in page(as_alice, f"/help/{item.id}")
    refused = post_form(as_alice, "/help/new", _form(coins="1.25"))
    assert refused.status_code == 422 and "一位小数" in refused.get_data(as_text=True)
    # The API takes coins too, and keeps taking minutes; it answers both.
    body = ask(client, tokens["alice"], minutes=None, coins="2").get_json()
    assert body["minutes"] == 120 and body["coins"] == 2
    body = ask(client, tokens["alice"], minutes=45).get_json()
    assert body["minutes"] == 45 and body["coins"] == 0.75
    assert ask(client, tokens["alice"], minutes=60, coins="2").status_code == 422
    assert ask(client, tokens["alice"], minutes=None).status_code == 422


def test_whole_coins_only_on_the_request_form_and_the_api(app, client, place, tokens, fund):  # noqa: F811
    app.config["WHOLE_UNIT_REDEMPTION"] = True
    fund(place["alice"], 300)
    as_alice = app.test_client()
    log_in(as_alice, place["alice"])
    assert 'step="1"' in page(as_alice, "/help/new")
    refused = post_form(as_alice, "/help/new", _form(coins="1.5"))
    assert refused.status_code == 422 and "整数" in refused.get_data(as_text=True)
    assert post_form(as_alice, "/help/new", _form(coins="2")).status_code == 302
    refused = ask(client, tokens["alice"], minutes=90)
    assert refused.status_code == 422 and "整数个时间币" in str(refused.get_json())


def test_paying_for_help_below_the_minimum_served_is_refused(app, client, place, tokens, fund,  # noqa: F811
                                                             pinned_clock):
    fund(place["alice"], 120)
    request_id = matched(client, tokens)
    when_it_starts(pinned_clock, request_id)
    app.config["SPENDING_MIN_SERVED_MINUTES"] = 600  # the district sets it meanwhile
    assert act(client, tokens["bob"], request_id, "confirm").status_code == 200
    refused = act(client, tokens["alice"], request_id, "confirm")
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "below_min_served" and "10小时" in error["message"]
    assert balance(place["alice"]) == 120 and balance(place["bob"]) == 0


def test_a_helper_at_the_cap_cannot_be_paid_past_it(app, client, place, tokens, fund,  # noqa: F811
                                                    pinned_clock):
    app.config["BALANCE_CAP_MINUTES"] = 600
    fund(place["alice"], 120)
    fund(place["bob"], 580)
    request_id = matched(client, tokens)
    when_it_starts(pinned_clock, request_id)
    assert act(client, tokens["bob"], request_id, "confirm").status_code == 200
    refused = act(client, tokens["alice"], request_id, "confirm")
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "balance_cap" and "时间币" in error["message"]
    assert balance(place["bob"]) == 580
    # A gift by the API is refused the same way.
    refused = client.post("/api/v1/transfers", headers=tokens["alice"],
                          json={"to_user_id": place["bob"].id, "minutes": 30})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "balance_cap"


def test_a_gift_need_not_be_whole_coins(app, client, place, tokens, fund):  # noqa: F811
    app.config["WHOLE_UNIT_REDEMPTION"] = True
    fund(place["alice"], 300)
    gift = client.post("/api/v1/transfers", headers=tokens["alice"],
                       json={"to_user_id": place["bob"].id, "minutes": 30})
    assert gift.status_code == 201 and gift.get_json()["category"] == "gift"


def test_categories_on_the_statements(app, client, place, tokens, fund, pinned_clock):  # noqa: F811
    fund(place["alice"], 120)
    request_id = matched(client, tokens)
    when_it_starts(pinned_clock, request_id)
    for who in ("bob", "alice"):
        assert act(client, tokens[who], request_id, "confirm").status_code == 200
    entries = client.get("/api/v1/accounts/me/entries", headers=tokens["alice"]).get_json()["items"]
    assert [entry["category"] for entry in entries] == ["escort_to_clinic", "volunteer_service"]
    assert entries[0]["category_label"] == "陪诊"
    summary = client.get("/api/v1/accounts/me", headers=tokens["bob"]).get_json()
    assert summary["balance_minutes"] == 60 and summary["balance_coins"] == 1
    as_bob = app.test_client()
    log_in(as_bob, place["bob"])
    html = page(as_bob, "/hours/")
    assert 'data-category="escort_to_clinic"' in html and "陪诊" in html
    assert '<p class="balance" data-minutes="60">1 时间币</p>' in html


def test_staff_filter_a_statement_by_category(app, client, place, tokens, fund, pinned_clock):  # noqa: F811
    fund(place["alice"], 120)
    request_id = matched(client, tokens)
    when_it_starts(pinned_clock, request_id)
    for who in ("bob", "alice"):
        assert act(client, tokens[who], request_id, "confirm").status_code == 200
    as_worker = app.test_client()
    log_in(as_worker, place["worker"])
    url = f"/staff/members/{place['alice'].id}/hours"
    everything = page(as_worker, url)
    assert 'data-category="escort_to_clinic"' in everything
    assert 'data-category="volunteer_service"' in everything
    service = page(as_worker, f"{url}?category=volunteer_service")
    assert 'data-category="volunteer_service"' in service
    assert 'data-category="escort_to_clinic"' not in service
    assert 'data-category="escort_to_clinic"' in page(as_worker, f"{url}?category=nonsense")
