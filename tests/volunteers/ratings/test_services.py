"""The rules of ratings: who may rate what and when, once; on a resident's behalf; and the
averages, checked against numbers worked out by hand."""

from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from tests.volunteers.ratings.conftest import done_help
from timebank.errors import Conflict, InvalidInput, PermissionDenied
from timebank.exchange.mutual_aid.models import RequestStatus
from timebank.extensions import db
from volunteers.ratings import services as ratings
from volunteers.ratings.models import Rating


def test_a_volunteer_who_served_rates_the_activity_after_it_ended(world):
    volunteer = world["volunteers"][0]
    rating = ratings.rate_activity(volunteer, world["visit"], score=5, comment=" 很有意义 ")
    assert (rating.rater_part, rating.score, rating.comment) == ("volunteer", 5, "很有意义")
    assert rating.station_id == world["a"].id and rating.volunteer_id is None
    assert not rating.on_behalf


def test_before_the_end_it_is_a_conflict(world):
    with pytest.raises(Conflict) as refused:
        ratings.rate_activity(world["volunteers"][0], world["today"], score=4)
    assert refused.value.status == 409


def test_someone_who_did_not_serve_is_refused(world):
    for outsider in (world["residents"][1], world["b_volunteer"], world["worker_b"]):
        with pytest.raises(PermissionDenied):
            ratings.rate_activity(outsider, world["visit"], score=4)


def test_a_second_rating_is_a_conflict_naming_the_first(world):
    volunteer = world["volunteers"][0]
    first = ratings.rate_activity(volunteer, world["visit"], score=5)
    with pytest.raises(ratings.AlreadyRated) as refused:
        ratings.rate_activity(volunteer, world["visit"], score=1)
    assert refused.value.status == 409
    assert refused.value.fields["existing"]["id"] == first.id


@pytest.mark.parametrize("score", [0, 6, -1, None, "5", True])
def test_a_score_outside_1_to_5_is_invalid(world, score):
    with pytest.raises(InvalidInput):
        ratings.rate_activity(world["volunteers"][0], world["visit"], score=score)


def test_a_comment_over_500_characters_is_invalid(world):
    with pytest.raises(InvalidInput):
        ratings.rate_activity(world["volunteers"][0], world["visit"], score=4, comment="好" * 501)
    assert ratings.rate_activity(world["volunteers"][0], world["visit"], score=4,
                                 comment="好" * 500).comment == "好" * 500


def test_the_database_refuses_a_score_outside_1_to_5(world):
    db.session.add(Rating(activity_id=world["visit"].id, rater_id=world["residents"][0].id,
                          rater_part="resident_served", score=7, station_id=world["a"].id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_resident_with_the_rating_link_rates_once_as_served(world):
    resident, activity = world["residents"][1], world["visit"]
    token = ratings.rating_token(activity)
    rating = ratings.rate_activity(resident, activity, score=4, token=token,
                                   volunteer_id=world["volunteers"][1].id)
    assert (rating.rater_part, rating.volunteer_id) == ("resident_served", world["volunteers"][1].id)
    with pytest.raises(ratings.AlreadyRated):
        ratings.rate_activity(resident, activity, score=4, token=token)


def test_a_link_of_another_activity_or_a_forged_one_does_not_let_a_resident_rate(world):
    resident = world["residents"][1]
    for token in (ratings.rating_token(world["clean"]), "forged.token", ""):
        with pytest.raises(PermissionDenied):
            ratings.rate_activity(resident, world["visit"], score=4, token=token)


def test_a_resident_may_name_only_a_volunteer_who_served(world):
    with pytest.raises(InvalidInput):
        ratings.rate_activity(world["residents"][1], world["visit"], score=4,
                              token=ratings.rating_token(world["visit"]),
                              volunteer_id=world["b_volunteer"].id)


def test_mutual_aid_the_requester_rates_the_helper_and_the_helper_the_help(world):
    item = world["help"]
    by_requester = ratings.rate_help(world["residents"][0], item, score=5)
    assert (by_requester.rater_part, by_requester.volunteer_id) == (
        "resident_served", world["volunteers"][0].id)
    by_helper = ratings.rate_help(world["volunteers"][0], item, score=4)
    assert (by_helper.rater_part, by_helper.volunteer_id) == ("volunteer", None)
    assert by_requester.station_id == world["a"].id
    with pytest.raises(PermissionDenied):
        ratings.rate_help(world["volunteers"][1], item, score=5)
    with pytest.raises(ratings.AlreadyRated):
        ratings.rate_help(world["residents"][0], item, score=1)


@pytest.mark.parametrize("status", [RequestStatus.MATCHED, RequestStatus.DISPUTED,
                                    RequestStatus.CANCELLED])
def test_a_help_not_done_cannot_be_rated_yet(world, status):
    item = done_help(world["residents"][1], world["volunteers"][1],
                     world["a"].town.communities[0], status=status)
    with pytest.raises(Conflict):
        ratings.rate_help(world["residents"][1], item, score=5)


def test_a_settled_help_can_be_rated(world):
    item = done_help(world["residents"][1], world["volunteers"][1],
                     world["a"].town.communities[0], status=RequestStatus.SETTLED)
    assert ratings.rate_help(world["residents"][1], item, score=3).score == 3


def test_a_social_worker_enters_ratings_given_by_phone(world):
    first = ratings.enter_on_behalf(world["worker_a"], world["visit"], on_behalf_of="周婆婆（电话）",
                                    score=5, comment="谢谢小黄")
    second = ratings.enter_on_behalf(world["worker_a"], world["visit"], on_behalf_of="吴伯伯",
                                     score=4, volunteer_id=world["volunteers"][0].id)
    assert first.on_behalf and first.entered_by_id == world["worker_a"].id
    assert first.rater_id is None and first.rater_part == "resident_served"
    assert second.volunteer_id == world["volunteers"][0].id
    with pytest.raises(PermissionDenied):
        ratings.enter_on_behalf(world["worker_b"], world["visit"], on_behalf_of="周婆婆", score=5)
    with pytest.raises(PermissionDenied):
        ratings.enter_on_behalf(world["volunteers"][0], world["visit"], on_behalf_of="周婆婆",
                                score=5)
    with pytest.raises(InvalidInput):
        ratings.enter_on_behalf(world["worker_a"], world["visit"], on_behalf_of=" ", score=5)
    with pytest.raises(Conflict):
        ratings.enter_on_behalf(world["worker_a"], world["today"], on_behalf_of="周婆婆", score=5)


def known_ratings(world) -> None:
    """The ratings the averages below are worked out from by hand.

    长者探访 (theme 敬老月): 5 (黄志强), 4 (林小梅), 4 (周婆婆 by phone, naming 林小梅)
    社区清洁 (theme 环保月): 3 (黄志强), 4 (陈大文)
    帮忙修风扇 (mutual aid): 2 (the requester, rating the helper 黄志强)
    乙站探访 (station B): 1 (乙站志愿者)
    """
    huang, lin, chen = world["volunteers"]
    ratings.rate_activity(huang, world["visit"], score=5)
    ratings.rate_activity(lin, world["visit"], score=4)
    ratings.enter_on_behalf(world["worker_a"], world["visit"], on_behalf_of="周婆婆", score=4,
                            volunteer_id=lin.id)
    ratings.rate_activity(huang, world["clean"], score=3)
    ratings.rate_activity(chen, world["clean"], score=4)
    ratings.rate_help(world["residents"][0], world["help"], score=2)
    ratings.rate_activity(world["b_volunteer"], world["elsewhere"], score=1)
    db.session.commit()


def rows(by, **narrowing) -> dict:
    return {row.label: (row.count, row.total, str(row.rounded))
            for row in ratings.averages(by, **narrowing)}


def test_averages_equal_the_numbers_worked_by_hand(world):
    known_ratings(world)
    a = world["a"].id
    # 长者探访: (5 + 4 + 4) / 3 = 4.333… → 4.3; 社区清洁: (3 + 4) / 2 = 3.5
    assert rows("activity", station_id=a) == {"长者探访": (3, 13, "4.3"), "社区清洁": (2, 7, "3.5")}
    assert rows("theme", station_id=a) == {"敬老月": (3, 13, "4.3"), "环保月": (2, 7, "3.5")}
    # Station A: 5 + 4 + 4 + 3 + 4 + 2 = 22 over 6 = 3.666… → 3.7 (station B's 1 left out)
    assert rows("station", station_id=a) == {world["a"].name: (3 + 2 + 1, 22, "3.7")}
    # 黄志强 was rated as the helper (2); 林小梅 was named by 周婆婆 (4).
    assert rows("volunteer", station_id=a) == {"林小梅": (1, 4, "4.0"), "黄志强": (1, 2, "2.0")}
    # The district: station A and B, each with its own.
    assert rows("station") == {world["a"].name: (6, 22, "3.7"), world["b"].name: (1, 1, "1.0")}
    exact = ratings.average_of("activity", activity_id=world["visit"].id)
    assert exact.average == Decimal(13) / Decimal(3)  # kept exact; rounded only for display
    assert ratings.average_text(exact) == "4.3"
    assert ratings.average_text(None) == "–"


def test_averages_round_halves_up_at_display():
    assert str(ratings.Average(1, "x", 4, 17).rounded) == "4.3"   # 4.25 → 4.3
    assert str(ratings.Average(1, "x", 20, 89).rounded) == "4.5"  # 4.45 → 4.5


def test_the_dashboard_figures_follow_the_reports_filters(world):
    from volunteers.reporting.filters import ReportFilters

    known_ratings(world)
    figures = ratings.dashboard_figures(ReportFilters(first_month=(2026, 12), last_month=(2026, 12),
                                                      station_id=world["a"].id))
    assert (figures.count, str(figures.overall.rounded)) == (6, "3.7")
    assert [(row.label, str(row.rounded)) for row in figures.themes] == [("敬老月", "4.3"),
                                                                          ("环保月", "3.5")]
    earlier = ratings.dashboard_figures(ReportFilters(first_month=(2026, 10), last_month=(2026, 11),
                                                      station_id=world["a"].id))
    assert earlier.count == 0 and earlier.overall is None
    themed = ratings.dashboard_figures(ReportFilters(first_month=(2026, 12), last_month=(2026, 12),
                                                     theme_id=world["themes"][1].id))
    assert (themed.count, str(themed.overall.rounded)) == (2, "3.5")
