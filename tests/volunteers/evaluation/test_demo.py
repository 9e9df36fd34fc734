"""The demo's evaluation: three reviewers who log in with the demo password, the 2026 mid-term
period open with its items and veto list and one sheet submitted, added once."""

import pytest
from sqlalchemy import func, select

from timebank.accounts.permissions import Role, has_role
from timebank.accounts.services import authenticate, get_by_phone
from timebank.demo import DEMO_PASSWORD
from timebank.extensions import db
from volunteers.demo.evaluation import (
    COMMITTEE_REVIEWER_PHONE,
    EVALUATOR_PHONE,
    TOWN_REVIEWER_PHONE,
)
from volunteers.evaluation import services as evaluation
from volunteers.evaluation.models import EvaluationPeriod, ScoreSheet


@pytest.mark.frozen_clock
def test_the_demo_holds_an_open_mid_term_evaluation_once(runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    for phone, role in ((EVALUATOR_PHONE, Role.EVALUATOR), (TOWN_REVIEWER_PHONE,
                                                            Role.TOWN_REVIEWER),
                        (COMMITTEE_REVIEWER_PHONE, Role.COMMITTEE_REVIEWER)):
        user = get_by_phone(phone)
        assert has_role(user, role) and authenticate(phone, DEMO_PASSWORD) is not None
        assert evaluation.assigned_station_ids(user)
    [period] = db.session.scalars(select(EvaluationPeriod))
    assert (period.name, period.kind, period.status) == ("2026年度中期评估", "mid_term", "open")
    assert {party.value for party in evaluation.PARTIES} == {item.party for item in period.items}
    assert len(period.veto_items) == 2 and len(evaluation.snapshots(period)) == 9
    [sheet] = db.session.scalars(select(ScoreSheet))
    assert sheet.party == "evaluator" and db.session.scalar(
        select(func.count()).select_from(ScoreSheet)) == 1
    evaluator = get_by_phone(EVALUATOR_PHONE)
    assert len(evaluation.my_assignments(evaluator)) == 9
