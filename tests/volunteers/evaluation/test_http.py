"""The evaluation over HTTP: the district's pages from a new period to its results and export,
four reviewers scoring through the API, the refusals' status codes, and the reviewers' pages
holding figures and evidence but no volunteer's name or phone."""

from datetime import datetime
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.conftest import log_in, page, post_form
from tests.volunteers.evaluation.conftest import SHANGHAI, scores_of
from timebank.accounts.permissions import Role
from timebank.accounts.services import get_by_phone
from timebank.extensions import db
from volunteers.evaluation import services as evaluation
from volunteers.evaluation.models import EvaluationPeriod, ScoreSheet


def _put(client, headers, period, station, scores, **extra):
    return client.put(f"/api/v1/evaluations/{period.id}/stations/{station.id}/score-sheet",
                      json={"scores": scores, **extra}, headers=headers)


def test_a_period_from_opening_to_result_with_four_reviewers(client, make_user, make_station,
                                                             make_staff, make_activity,
                                                             api_token):
    a = make_station(name="横沥镇")
    make_station(name="黄阁镇")
    admin = make_user(Role.DISTRICT_ADMIN, name="区民政局")
    visit = make_activity(a, make_staff(a), start=datetime(2026, 11, 10, 9, tzinfo=SHANGHAI),
                          title="十一月探访")
    log_in(client, admin)
    index = "/district/evaluations/"
    assert "四方绩效评估" in page(client, index)
    # Three reviewers, created by the district and assigned 横沥镇.
    phones = {"evaluator": "13700000001", "town_reviewer": "13700000002",
              "committee_reviewer": "13700000003"}
    for role, phone in phones.items():
        response = post_form(client, "/district/evaluations/reviewers",
                             {"phone": phone, "name": f"评审{role}", "role": role,
                              "password": "review-pass-1"}, page=index)
        assert response.status_code == 302
    reviewers = {role: get_by_phone(phone) for role, phone in phones.items()}
    assert all(role in reviewers[role].role_names for role in phones)
    for user in reviewers.values():
        response = post_form(client, f"/district/evaluations/reviewers/{user.id}/stations",
                             {"station_ids": [str(a.id)]}, page=index)
        assert response.status_code == 302
    # The period, its items and veto list, through the forms.
    response = post_form(client, index, {"name": "2026年度中期评估", "kind": "mid_term",
                                         "first": "2026-11", "last": "2026-11",
                                         "weight_evaluator": "70", "weight_town": "10",
                                         "weight_committee": "10", "weight_district": "10"})
    period = db.session.scalar(select(EvaluationPeriod))
    assert response.status_code == 302 and period.status == "draft"
    there = f"/district/evaluations/{period.id}"
    for party, title, most in (("evaluator", "服务成效", 40), ("evaluator", "项目管理", 30),
                               ("town", "月度检查", 10), ("committee", "满意度", 10),
                               ("district", "台账", 10)):
        assert post_form(client, f"{there}/items", {"party": party, "title": title,
                                                    "max_score": str(most)},
                         page=there).status_code == 302
    post_form(client, f"{there}/veto-items", {"title": "虚报服务数据"}, page=there)
    assert post_form(client, f"{there}/open", {}, page=there).status_code == 302
    db.session.expire_all()
    assert period.status == "open" and len(evaluation.snapshots(period)) == 2
    items = {party: evaluation.items_of(period, party) for party in
             ("evaluator", "town", "committee", "district")}
    # The four parties score: evaluator 36 + 27 = 63 of 70 → 90; town 8, committee 9, district 7.
    post_form(client, "/logout", {}, page="/")
    for role, values in (("evaluator", (36, 27)), ("town_reviewer", (8,)),
                         ("committee_reviewer", (9,))):
        headers = api_token(reviewers[role], "review-pass-1")
        party = evaluation.ROLE_PARTY[Role(role)].value
        response = _put(client, headers, period, a, scores_of(items[party], *values),
                        comments=f"{party}的意见", activity_ids=[visit.id])
        assert response.status_code == 200, response.get_json()
    headers = api_token(admin)
    assert _put(client, headers, period, a, scores_of(items["district"], 7)).status_code == 200
    body = client.get(f"/api/v1/evaluations/{period.id}/results", headers=headers).get_json()
    [hengli] = [row for row in body["stations"] if row["station_id"] == a.id]
    assert [(row["party"], row["score"]) for row in hengli["parties"]] == [
        ("evaluator", 90.0), ("town", 80.0), ("committee", 90.0), ("district", 70.0)]
    assert hengli["total"] == 87.0 and hengli["complete"] and not hengli["vetoed"]
    # The district's page and export show the same.
    log_in(client, admin)
    html = page(client, there)
    assert "87.0" in html and "evaluator的意见" in html
    export = client.get(f"{there}/results.xlsx")
    assert export.status_code == 200
    sheet = load_workbook(BytesIO(export.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    [row] = [row for row in rows if row[0] == "横沥镇社工服务站"]
    assert row[1] == 90.0 and row[4] == 80.0 and row[7] == 90.0 and row[10] == 70.0
    assert row[13] == 87.0 and row[2] == "evaluator的意见" and row[3] == "十一月探访"
    # Closed: the sheet no longer changes (409), nothing changed.
    assert post_form(client, f"{there}/close", {}, page=there).status_code == 302
    post_form(client, "/logout", {}, page="/")
    headers = api_token(reviewers["town_reviewer"], "review-pass-1")
    response = _put(client, headers, period, a, scores_of(items["town"], 1))
    assert response.status_code == 409
    assert evaluation.result(period, a).parties[1].score == 80


def test_the_api_refuses_clearly_and_changes_nothing(client, setup, api_token):
    evaluation.open_period(setup.admin, setup.period)
    db.session.commit()
    headers = api_token(setup.town)
    town_items = setup.items("town")
    out_of_range = _put(client, headers, setup.period, setup.a, scores_of(town_items, 10.5))
    assert out_of_range.status_code == 422
    assert f"scores.{town_items[0].id}" in out_of_range.get_json()["error"]["fields"]
    wrong_party = _put(client, headers, setup.period, setup.a,
                       {**scores_of(town_items, 8), str(setup.items("committee")[0].id): 9})
    assert wrong_party.status_code == 422
    unassigned = _put(client, headers, setup.period, setup.b, scores_of(town_items, 8))
    assert unassigned.status_code == 403
    assert client.get(f"/api/v1/evaluations/{setup.period.id}/stations/{setup.b.id}",
                      headers=headers).status_code == 403
    assert client.get(f"/api/v1/evaluations/{setup.period.id}/results",
                      headers=headers).status_code == 403
    assert _put(client, headers, setup.period, setup.a, {"x": "y"}).status_code == 422
    assert db.session.scalar(select(func.count(ScoreSheet.id))) == 0
    mine = client.get(f"/api/v1/evaluations/{setup.period.id}/stations/{setup.a.id}",
                      headers=headers).get_json()
    assert mine["party"] == "town" and mine["sheet"] is None
    assert [item["title"] for item in mine["items"]] == ["镇街月度检查"]
    assert mine["figures"]["station"]["id"] == setup.a.id
    listed = client.get("/api/v1/evaluations", headers=headers).get_json()
    assert [period["id"] for period in listed["items"]] == [setup.period.id]


def test_a_resident_or_station_staff_see_no_evaluation(client, setup, api_token, make_user):
    evaluation.open_period(setup.admin, setup.period)
    db.session.commit()
    for user in (setup.worker, setup.volunteer):
        headers = api_token(user)
        assert client.get("/api/v1/evaluations", headers=headers).status_code == 403
        log_in(client, user)
        assert client.get("/review/").status_code == 403
        assert client.get("/district/evaluations/").status_code == 403
        post_form(client, "/logout", {}, page="/")


def test_the_reviewer_page_shows_figures_and_evidence_but_no_volunteer(client, setup):
    evaluation.open_period(setup.admin, setup.period)
    db.session.commit()
    log_in(client, setup.committee)
    assert '<a class="button" href="/review/">' in page(client, "/")  # home leads to the work
    listing = page(client, "/review/")
    assert setup.a.name in listing and setup.b.name not in listing
    url = f"/review/{setup.period.id}/{setup.a.id}"
    html = page(client, url)
    assert "长者探访十一月" in html and "探访长者12位" in html and "村居满意度" in html
    assert 'data-figure="themes.activities_held"' in html
    for secret in (setup.volunteer.name, setup.volunteer.phone, setup.worker.phone):
        assert secret not in html
    # A social worker is named only where the report names them: volunteers linked per worker.
    linked = html.split('id="report-table-volunteers"')[1].split("</table>")[0]
    assert setup.worker.name in linked and setup.worker.name not in html.replace(linked, "")
    thumbnail = f"{url}/photos/{setup.photo.id}"
    with client.get(thumbnail) as response:
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert response.data[:2] == b"\xff\xd8"
    assert client.get(f"/review/{setup.period.id}/{setup.b.id}").status_code == 403
    assert client.get(f"/review/{setup.period.id}/{setup.b.id}/photos/{setup.photo.id}"
                      ).status_code == 403


def test_a_reviewer_submits_the_form_and_a_bad_score_shows_beside_its_item(client, setup):
    evaluation.open_period(setup.admin, setup.period)
    db.session.commit()
    log_in(client, setup.evaluator)
    url = f"/review/{setup.period.id}/{setup.a.id}"
    first, second, third = setup.items("evaluator")
    bad = post_form(client, url, {f"score-{first.id}": "31", f"score-{second.id}": "18",
                                  f"score-{third.id}": "18", "comments": "好"})
    assert bad.status_code == 422
    assert f'aria-describedby="e-score-{first.id}"' in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ScoreSheet.id))) == 0
    good = post_form(client, url, {f"score-{first.id}": "27", f"score-{second.id}": "18",
                                   f"score-{third.id}": "17.5", "comments": "服务扎实",
                                   "activity_ids": [str(setup.activity.id)],
                                   "photo_ids": [str(setup.photo.id)]})
    assert good.status_code == 302
    sheet = db.session.scalar(select(ScoreSheet))
    assert sheet.evidence == {"activities": [setup.activity.id], "photos": [setup.photo.id]}
    assert sorted(line.score_tenths for line in sheet.lines) == [175, 180, 270]
    assert "服务扎实" in page(client, url)


def test_the_district_page_shows_results_with_veto(client, setup):
    evaluation.open_period(setup.admin, setup.period)
    db.session.commit()
    log_in(client, setup.admin)
    there = f"/district/evaluations/{setup.period.id}"
    item = setup.period.veto_items[1]
    response = post_form(client, f"{there}/veto", {"station_id": str(setup.a.id),
                                                   "item_id": str(item.id), "vetoed": "yes",
                                                   "note": "核查发现"}, page=there)
    assert response.status_code == 302
    html = page(client, there)
    assert "虚报服务数据" in html and "status--refused" in html
    assert evaluation.result(setup.period, setup.a).vetoed
