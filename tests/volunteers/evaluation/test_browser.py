"""In a browser at a desk (1366×900): the third-party evaluator logs in, opens their station's
frozen figures and evidence, ticks what they consulted, scores and submits; the district reads
the results table. ``SHOTS=/some/dir`` keeps the screenshots."""

import os

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser import log_in_on
from tests.volunteers.evaluation.conftest import scores_of
from timebank.extensions import db
from volunteers.evaluation import services as evaluation
from volunteers.evaluation.models import ScoreSheet

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SHOTS")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/evaluation-{name}.png", full_page=True)


@pytest.fixture
def opened(setup, app, live_app):
    live_app.config["EVIDENCE_DIR"] = app.config["EVIDENCE_DIR"]
    evaluation.open_period(setup.admin, setup.period)
    db.session.commit()
    return setup


def test_the_evaluator_scores_a_station_at_the_desk(desk, opened):
    setup = opened
    log_in_on(desk, setup.evaluator)
    desk.get_by_role("navigation", name="主导航").get_by_role("link", name="评审").click()
    expect(desk.get_by_role("heading", name="待评审的社工站")).to_be_visible()
    desk.get_by_role("link", name=setup.a.name).click()
    expect(desk.get_by_role("heading", name=setup.a.name)).to_be_visible()
    expect(desk.locator('[data-figure="themes.activities_held"] .report-value')).to_have_text("1")
    expect(desk.get_by_text("探访长者12位，送米送油。")).to_be_visible()
    thumbnail = desk.locator(f'input[name="photo_ids"][value="{setup.photo.id}"] + img')
    expect(thumbnail).to_be_visible()
    # The thumbnail really loads (160 px wide, as drawn) once scrolled to (it loads lazily, below
    # the frozen figures): a retrying property check, which the page's CSP allows.
    thumbnail.scroll_into_view_if_needed()
    expect(thumbnail).to_have_js_property("naturalWidth", 160)
    desk.locator(f'input[name="activity_ids"][value="{setup.activity.id}"]').check()
    desk.locator(f'input[name="photo_ids"][value="{setup.photo.id}"]').check()
    first, second, third = setup.items("evaluator")
    desk.locator(f"#f-score-{first.id}").fill("27")
    desk.locator(f"#f-score-{second.id}").fill("18")
    desk.locator(f"#f-score-{third.id}").fill("17.5")
    desk.get_by_label("评审意见").fill("服务覆盖面广，台账完整。")
    shot(desk, "review-1366")
    if SHOTS:
        desk.locator('section[aria-labelledby="evidence-title"]').screenshot(
            path=f"{SHOTS}/evaluation-evidence-1366.png")
    assert desk.evaluate("document.documentElement.scrollWidth") <= 1366
    desk.get_by_role("button", name="提交评分").click()
    expect(desk.get_by_text("评分已提交")).to_be_visible()
    expect(desk.locator(f"#f-score-{third.id}")).to_have_value("17.5")
    db.session.rollback()
    sheet = db.session.scalar(select(ScoreSheet))
    assert sheet.party == "evaluator" and sheet.reviewer_id == setup.evaluator.id
    assert sorted(line.score_tenths for line in sheet.lines) == [175, 180, 270]
    assert sheet.evidence == {"activities": [setup.activity.id], "photos": [setup.photo.id]}


def test_the_district_reads_the_results_at_the_desk(desk, opened):
    setup = opened
    for party, values in (("evaluator", (27, 18, 18)), ("town", (8,)), ("committee", (9,)),
                          ("district", (3.5, 3.5))):
        evaluation.submit_sheet(setup.reviewer(party), setup.period, setup.a.id,
                                scores=scores_of(setup.items(party), *values),
                                comments="材料齐全" if party == "evaluator" else "",
                                activity_ids=[setup.activity.id])
    evaluation.answer_veto(setup.admin, setup.period, setup.a.id,
                           setup.period.veto_items[0].id, vetoed=False)
    db.session.commit()
    log_in_on(desk, setup.admin)
    desk.goto(f"/district/evaluations/{setup.period.id}")
    row = desk.locator(f"#result-{setup.a.id}")
    expect(row.locator(".total")).to_contain_text("87.0")
    expect(row.locator(".party-evaluator")).to_contain_text("90.0")
    expect(desk.locator(f"#result-{setup.b.id} .total")).to_contain_text("未评完")
    shot(desk, "results-1366")
    desk.get_by_role("link", name="← 绩效评估").click()
    expect(desk.locator(f"#period-{setup.period.id}")).to_contain_text("进行中")
    expect(desk.locator(".reviewers")).to_contain_text("第三方评估员")
    shot(desk, "district-1366")


def test_a_committee_reviewer_reads_the_page_on_a_phone(phone, opened):
    setup = opened
    log_in_on(phone, setup.committee)
    phone.goto(f"/review/{setup.period.id}/{setup.a.id}")
    expect(phone.get_by_role("heading", name="评分：村（居）委会")).to_be_visible()
    shot(phone, "review-390")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
