"""The rules of the four-party evaluation, through the services: the weighted score worked out
by hand, the veto, a missing party, the refusals (nothing changed) and the frozen figures."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.volunteers.evaluation.conftest import NOVEMBER, SHANGHAI, scores_of
from timebank.audit.models import AuditEntry
from timebank.errors import Conflict, InvalidInput, PermissionDenied
from timebank.extensions import db
from volunteers.activities.models import SignUp
from volunteers.checkins import services as checkins
from volunteers.evaluation import services as evaluation
from volunteers.evaluation.models import ScoreLine, ScoreSheet
from volunteers.reporting.monthly import station_report


def _open(setup):
    evaluation.open_period(setup.admin, setup.period)
    db.session.commit()


def _score_all(setup, station=None):
    station = station or setup.a
    by_hand = {"evaluator": (27, 18, 18), "town": (8,), "committee": (9,),
               "district": (3.5, 3.5)}
    for party, values in by_hand.items():
        evaluation.submit_sheet(setup.reviewer(party), setup.period, station.id,
                                scores=scores_of(setup.items(party), *values),
                                comments=f"{party} 意见")
    db.session.commit()


def _figure(report: dict, key: str):
    return next(figure["value"] for section in report["sections"]
                for figure in section["figures"] if figure["key"] == key)


def test_the_weighted_score_is_worked_out_by_hand(setup):
    _open(setup)
    _score_all(setup)
    result = evaluation.result(setup.period, setup.a)
    scores = {row.party.value: row.score for row in result.parties}
    # evaluator 63 of 70 → 90.0; town 8/10 → 80; committee 9/10 → 90; district 7/10 → 70
    assert scores == {"evaluator": Decimal("90.0"), "town": Decimal("80.0"),
                      "committee": Decimal("90.0"), "district": Decimal("70.0")}
    # 0.7 × 90 + 0.1 × 80 + 0.1 × 90 + 0.1 × 70 = 63 + 8 + 9 + 7
    assert result.total == Decimal("87.0")
    assert result.complete and not result.vetoed
    assert evaluation.outcome_text(result) == "已评分"


def test_the_district_sets_other_weights(setup):
    evaluation.update_period(setup.admin, setup.period, name="末期评估", kind="final",
                             first=NOVEMBER, last=NOVEMBER,
                             weights={"evaluator": 60, "town": 20, "committee": 10,
                                      "district": 10})
    db.session.commit()
    _open(setup)
    _score_all(setup)
    # 0.6 × 90 + 0.2 × 80 + 0.1 × 90 + 0.1 × 70 = 54 + 16 + 9 + 7
    assert evaluation.result(setup.period, setup.a).total == Decimal("86.0")


def test_weights_not_adding_up_to_100_are_refused(setup):
    with pytest.raises(InvalidInput) as refused:
        evaluation.create_period(setup.admin, name="x", kind="other", first=NOVEMBER,
                                 last=NOVEMBER, weights={"evaluator": 70, "town": 10,
                                                         "committee": 10, "district": 20})
    assert "weights" in refused.value.fields


def test_a_veto_answered_yes_fails_the_station_whatever_its_score(setup):
    _open(setup)
    _score_all(setup)
    [accident, _false_data] = setup.period.veto_items
    evaluation.answer_veto(setup.admin, setup.period, setup.a.id, accident.id, vetoed=False)
    db.session.commit()
    assert not evaluation.result(setup.period, setup.a).vetoed
    evaluation.answer_veto(setup.admin, setup.period, setup.a.id, accident.id, vetoed=True,
                           note="11月发生安全事故")
    db.session.commit()
    result = evaluation.result(setup.period, setup.a)
    assert result.vetoed and result.total == Decimal("87.0")
    assert [item.title for item in result.vetoes] == ["发生重大安全责任事故"]
    assert evaluation.outcome_text(result) == "不合格：一票否决"


def test_a_missing_party_shows_missing_and_the_total_incomplete(setup):
    _open(setup)
    evaluation.submit_sheet(setup.evaluator, setup.period, setup.a.id,
                            scores=scores_of(setup.items("evaluator"), 27, 18, 18))
    db.session.commit()
    result = evaluation.result(setup.period, setup.a)
    assert [(row.party.value, row.score, row.missing) for row in result.parties] == [
        ("evaluator", Decimal("90.0"), False), ("town", None, True),
        ("committee", None, True), ("district", None, True)]
    assert result.total == Decimal("63.0") and not result.complete
    assert evaluation.outcome_text(result) == "未评完"


def _nothing_scored(setup) -> None:
    assert db.session.scalar(select(func.count(ScoreSheet.id))) == 0
    assert db.session.scalar(select(func.count(ScoreLine.id))) == 0


@pytest.mark.parametrize("bad", [10.5, -1, "8.25", "八", None, "nan", "1e400"])
def test_a_score_outside_the_item_range_is_refused(setup, bad):
    _open(setup)
    with pytest.raises(InvalidInput) as refused:
        evaluation.submit_sheet(setup.town, setup.period, setup.a.id,
                                scores=scores_of(setup.items("town"), bad))
    db.session.rollback()
    assert list(refused.value.fields) == [f"scores.{setup.items('town')[0].id}"]
    _nothing_scored(setup)


def test_decimals_to_one_place_are_kept_exactly(setup):
    _open(setup)
    evaluation.submit_sheet(setup.town, setup.period, setup.a.id,
                            scores=scores_of(setup.items("town"), "7.5"))
    db.session.commit()
    town = evaluation.result(setup.period, setup.a).parties[1]
    assert town.score == Decimal("75.0")
    assert [line.score_tenths for line in town.sheet.lines] == [75]


def test_a_reviewer_scoring_a_station_not_assigned_is_refused(setup):
    _open(setup)
    with pytest.raises(PermissionDenied):
        evaluation.submit_sheet(setup.evaluator, setup.period, setup.b.id,
                                scores=scores_of(setup.items("evaluator"), 27, 18, 18))
    db.session.rollback()
    _nothing_scored(setup)


def test_another_partys_item_is_refused(setup):
    _open(setup)
    town_item = setup.items("town")[0]
    with pytest.raises(InvalidInput) as refused:
        evaluation.submit_sheet(setup.committee, setup.period, setup.a.id,
                                scores={**scores_of(setup.items("committee"), 9),
                                        str(town_item.id): 8})
    db.session.rollback()
    assert f"scores.{town_item.id}" in refused.value.fields
    _nothing_scored(setup)


def test_a_closed_period_refuses_scores_answers_and_edits(setup):
    _open(setup)
    evaluation.submit_sheet(setup.town, setup.period, setup.a.id,
                            scores=scores_of(setup.items("town"), 8))
    evaluation.close_period(setup.admin, setup.period)
    db.session.commit()
    audits = db.session.scalar(select(func.count(AuditEntry.id)))
    with pytest.raises(Conflict):
        evaluation.submit_sheet(setup.town, setup.period, setup.a.id,
                                scores=scores_of(setup.items("town"), 2))
    with pytest.raises(Conflict):
        evaluation.answer_veto(setup.admin, setup.period, setup.a.id,
                               setup.period.veto_items[0].id, vetoed=True)
    with pytest.raises(Conflict):
        evaluation.add_item(setup.admin, setup.period, party="town", title="新增", max_score=5)
    with pytest.raises(Conflict):
        evaluation.update_period(setup.admin, setup.period, name="改名", kind="final",
                                 first=NOVEMBER, last=NOVEMBER,
                                 weights=evaluation.DEFAULT_WEIGHTS)
    db.session.rollback()
    assert evaluation.result(setup.period, setup.a).parties[1].score == Decimal("80.0")
    assert setup.period.name == "2026年度中期评估" and len(setup.items("town")) == 1
    assert db.session.scalar(select(func.count(AuditEntry.id))) == audits


def test_only_the_district_opens_and_edits_periods(setup):
    with pytest.raises(PermissionDenied):
        evaluation.open_period(setup.evaluator, setup.period)
    with pytest.raises(PermissionDenied):
        evaluation.add_item(setup.worker, setup.period, party="town", title="x", max_score=5)


def test_the_frozen_figures_do_not_change_when_later_records_arrive(setup, make_activity,
                                                                    make_volunteer):
    _open(setup)
    frozen = evaluation.snapshot(setup.period, setup.a.id).figures
    assert frozen["station"] == {"id": setup.a.id, "name": setup.a.name}
    assert (frozen["first"], frozen["last"]) == ("2026-11", "2026-11")
    assert _figure(frozen, "activities_held") == 1
    # A late record of November: another activity, and a volunteer checked in and approved.
    late = make_activity(setup.a, setup.worker, start=datetime(2026, 11, 20, 9, tzinfo=SHANGHAI),
                         title="补录活动")
    db.session.add(SignUp(activity_id=late.id, user_id=setup.volunteer.id, status="confirmed"))
    db.session.flush()
    checkin, _ = checkins.check_in(late, setup.volunteer, at=late.starts_at)
    checkins.approve(checkins.check_out(checkin, late, at=late.starts_at + timedelta(hours=2)),
                     by=setup.worker)
    db.session.commit()
    now_report = station_report(setup.a.id, NOVEMBER, NOVEMBER).to_dict()
    assert _figure(now_report, "activities_held") == 2
    assert now_report["sections"] != frozen["sections"]
    db.session.expire_all()
    assert evaluation.snapshot(setup.period, setup.a.id).figures == frozen


def test_opening_freezes_every_station_or_those_chosen(setup):
    evaluation.open_period(setup.admin, setup.period, [setup.a.id])
    db.session.commit()
    assert [snap.station_id for snap in evaluation.snapshots(setup.period)] == [setup.a.id]
    with pytest.raises(Conflict):
        evaluation.open_period(setup.admin, setup.period)


def test_every_write_is_audited(setup):
    _open(setup)
    _score_all(setup)
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"evaluation.assign", "evaluation.period.create", "evaluation.item.add",
            "evaluation.veto_item.add", "evaluation.period.open",
            "evaluation.sheet.submit"} <= actions


def test_the_export_keeps_a_comment_that_looks_like_a_formula_as_text(setup):
    """A reviewer's comment opened in the district's spreadsheet must never run."""
    from io import BytesIO

    from openpyxl import load_workbook

    _open(setup)
    evaluation.submit_sheet(setup.evaluator, setup.period, setup.a.id,
                            scores=scores_of(setup.items("evaluator"), 27, 18, 18),
                            comments='=HYPERLINK("http://example.com","点此")')
    db.session.commit()
    sheet = load_workbook(BytesIO(evaluation.results_xlsx(setup.admin, setup.period))).active
    [cell] = [cell for row in sheet.iter_rows() for cell in row
              if cell.value == '=HYPERLINK("http://example.com","点此")']
    assert cell.data_type == "s"


def test_a_photo_is_served_only_for_its_station_and_the_periods_months(setup):
    _open(setup)
    assert evaluation.evidence_photo(setup.period, setup.a.id, setup.photo.id) == setup.photo
    assert evaluation.evidence_photo(setup.period, setup.b.id, setup.photo.id) is None
    assert evaluation.evidence_photo(setup.period, setup.a.id, setup.photo.id + 1) is None
    setup.activity.starts_at = datetime(2026, 12, 2, 9, tzinfo=SHANGHAI)  # after November
    setup.activity.ends_at = setup.activity.starts_at + timedelta(hours=2)
    db.session.flush()
    assert evaluation.evidence_photo(setup.period, setup.a.id, setup.photo.id) is None
