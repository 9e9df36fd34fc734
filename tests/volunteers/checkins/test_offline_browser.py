"""On a staff phone without network: cards typed in are kept, then sent when the network is back."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser import log_in_on
from timebank.clock import now
from timebank.extensions import db
from volunteers.activities import services as activities
from volunteers.checkins.models import CheckIn
from volunteers.checkins.services import card_code

pytestmark = pytest.mark.browser

KEPT_SCANS = """() => new Promise((resolve) => {
  const opening = indexedDB.open("offline-scans");
  opening.onsuccess = () => {
    const reading = opening.result.transaction("scans").objectStore("scans").getAll();
    reading.onsuccess = () => resolve(reading.result);
  };
})"""

SEND_AGAIN = """(scans) => fetch(document.getElementById("offline").dataset.api, {
  method: "POST", credentials: "same-origin",
  headers: {"Content-Type": "application/json",
            "X-CSRFToken": document.getElementById("offline").dataset.csrf},
  body: JSON.stringify({scans: scans.map(({scan_id, card_code, scanned_at, purpose}) =>
    ({scan_id, card_code, scanned_at, purpose}))}),
}).then((response) => response.json())"""


@pytest.fixture
def village_event(make_station, make_staff, make_volunteer, make_activity):
    station = make_station()
    worker = make_staff(station)
    start = now().replace(second=0, microsecond=0) - timedelta(minutes=45)
    activity = make_activity(station, worker, title="村头义诊", start=start, hours=2)
    volunteers = [make_volunteer(station.town.communities[0], name=name)
                  for name in ("陈晓敏", "黄志强")]
    for volunteer in volunteers:
        activities.sign_up(activity, volunteer)
    db.session.commit()
    return worker, activity, volunteers


def type_code(page, code):
    page.locator("#code").fill(code)
    page.locator("#code").press("Enter")


def test_cards_scanned_offline_are_recorded_when_the_network_is_back(phone, village_event):
    worker, activity, volunteers = village_event
    log_in_on(phone, worker)
    phone.goto(f"/station/activities/{activity.id}/scan")
    phone.wait_for_selector("#offline[data-ready]", state="attached")  # kept for offline use

    phone.context.set_offline(True)
    assert phone.reload().from_service_worker  # the page opens without network
    expect(phone.locator("#offline-note")).to_be_visible()
    for volunteer in volunteers:
        type_code(phone, card_code(volunteer))
    type_code(phone, card_code(volunteers[0], now() - timedelta(days=1)))
    expect(phone.locator("#offline-count")).to_have_text("3")
    expect(phone.locator("#offline-queue li.waiting")).to_have_count(3)
    kept = phone.evaluate(KEPT_SCANS)

    phone.context.set_offline(False)  # the online event sends them
    results = phone.locator("#offline-results")
    expect(results.locator("li.ok")).to_have_count(2, timeout=20_000)  # a wait, not a timing
    expect(results).to_contain_text("已记录")
    expect(results.locator("li.warn")).to_contain_text("未记录：此卡码无效，或与扫描时间不符。")
    expect(phone.locator("#offline-count")).to_have_text("0")
    db.session.rollback()
    checkins = db.session.scalars(select(CheckIn).where(CheckIn.activity_id == activity.id)).all()
    assert sorted(c.user_id for c in checkins) == sorted(v.id for v in volunteers)
    assert {c.method for c in checkins} == {"offline"}

    again = phone.evaluate(SEND_AGAIN, kept)
    assert [r["status"] for r in again["results"]] == ["duplicate"] * 3
    db.session.rollback()
    assert len(db.session.scalars(select(CheckIn)).all()) == 2
