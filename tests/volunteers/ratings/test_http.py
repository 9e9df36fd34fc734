"""Ratings through HTTP: a volunteer's and a resident's pages, mutual aid's request page, the
API (201, 403, 409, 422), the staff pages and dashboards showing the averages worked out by hand,
and another station's staff refused (403) on every route."""

import re

from sqlalchemy import func, select

from tests.conftest import log_in, page, post_form
from tests.volunteers.ratings.test_services import known_ratings
from timebank.accounts.permissions import Role
from timebank.audit.models import AuditEntry
from timebank.extensions import db
from volunteers.ratings import services as ratings
from volunteers.ratings.models import Rating


def count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Rating.id)))


def test_a_volunteer_rates_an_activity_from_its_page(client, world):
    volunteer, activity = world["volunteers"][0], world["visit"]
    log_in(client, volunteer)
    url = f"/volunteer/activities/{activity.id}/rate"
    assert url in page(client, f"/volunteer/activities/{activity.id}")
    html = page(client, url)
    assert 'type="radio" name="score" value="5"' in html
    response = post_form(client, url, {"score": "6"})
    assert response.status_code == 422 and count() == 0
    response = post_form(client, url, {"score": "4", "comment": "<b>很好</b>"})
    assert response.status_code == 302
    rating = db.session.scalar(select(Rating))
    assert (rating.rater_id, rating.score, rating.rater_part) == (volunteer.id, 4, "volunteer")
    # Rated: the page thanks them, the activity page no longer offers it.
    assert url not in page(client, f"/volunteer/activities/{activity.id}")
    assert "4" in page(client, url) and count() == 1
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "rating.create"))


def test_before_the_end_the_page_says_so_and_a_post_changes_nothing(client, world):
    log_in(client, world["volunteers"][0])
    url = f"/volunteer/activities/{world['today'].id}/rate"
    assert 'name="score"' not in page(client, url)
    post_form(client, url, {"score": "4"}, page=f"/volunteer/activities/{world['today'].id}")
    assert count() == 0


def test_a_resident_rates_with_the_link_staff_show(client, world):
    activity = world["visit"]
    log_in(client, world["worker_a"])
    staff_page = page(client, f"/station/activities/{activity.id}")
    link = re.search(r'value="(https?://[^"]+/rate\?token=[^"]+)"', staff_page).group(1)
    assert client.get(f"/station/activities/{activity.id}/rating-code.svg").mimetype == "image/svg+xml"
    resident_client = client.application.test_client()
    log_in(resident_client, world["residents"][1])
    path = link.split("localhost", 1)[1] if "localhost" in link else link
    html = page(resident_client, path)
    assert 'name="volunteer_id"' in html
    response = post_form(resident_client, path, {"score": "5", "comment": "小伙子们很耐心"})
    assert response.status_code == 302, response.get_data(as_text=True)
    rating = db.session.scalar(select(Rating))
    assert (rating.rater_part, rating.rater_id) == ("resident_served", world["residents"][1].id)
    # Without the link, a resident who did not serve is refused.
    assert resident_client.get(f"/volunteer/activities/{world['clean'].id}/rate").status_code == 403


def test_the_mutual_aid_request_page_offers_rating_to_both_sides(client, world):
    item = world["help"]
    log_in(client, world["residents"][0])
    url = f"/volunteer/help/{item.id}/rate"
    assert url in page(client, f"/help/{item.id}")
    assert post_form(client, url, {"score": "5"}).status_code == 302
    assert url not in page(client, f"/help/{item.id}")
    rating = db.session.scalar(select(Rating))
    assert rating.volunteer_id == world["volunteers"][0].id


def test_the_api_rates_once_and_refuses_what_it_must(client, world, api_token):
    volunteer = api_token(world["volunteers"][0])
    body = {"activity_id": world["visit"].id, "score": 5, "comment": "很充实"}
    response = client.post("/api/v1/ratings", json=body, headers=volunteer)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["rater_part"] == "volunteer"
    assert client.post("/api/v1/ratings", json=body, headers=volunteer).status_code == 409
    for score in (0, 6, 4.5, "x"):
        response = client.post("/api/v1/ratings", json={**body, "score": score}, headers=volunteer)
        assert response.status_code == 422, score
    assert client.post("/api/v1/ratings", json={"activity_id": world["today"].id, "score": 3},
                       headers=volunteer).status_code == 409
    assert client.post("/api/v1/ratings", json={"activity_id": 999999, "score": 3},
                       headers=volunteer).status_code == 404
    outsider = api_token(world["residents"][2])
    assert client.post("/api/v1/ratings", json={"activity_id": world["visit"].id, "score": 3},
                       headers=outsider).status_code == 403
    token = ratings.rating_token(world["visit"])
    response = client.post("/api/v1/ratings", json={"activity_id": world["visit"].id, "score": 3,
                                                    "token": token}, headers=outsider)
    assert response.status_code == 201 and response.get_json()["rater_part"] == "resident_served"
    helper = api_token(world["volunteers"][0])
    response = client.post("/api/v1/ratings", json={"help_request_id": world["help"].id,
                                                    "score": 4}, headers=helper)
    assert response.status_code == 201 and response.get_json()["rater_part"] == "volunteer"
    # Residents do not read ratings.
    assert client.get("/api/v1/ratings", headers=outsider).status_code == 403
    assert client.get("/api/v1/ratings/averages", headers=outsider).status_code == 403


def test_staff_read_the_ratings_and_the_averages_worked_by_hand(client, world, api_token,
                                                               make_user):
    known_ratings(world)
    staff = api_token(world["worker_a"])
    listed = client.get("/api/v1/ratings", headers=staff).get_json()
    assert listed["total"] == 6 and {item["station_id"] for item in listed["items"]} == {world["a"].id}
    on_behalf = [item for item in listed["items"] if item["on_behalf"]]
    assert [(item["on_behalf_of"], item["entered_by_id"]) for item in on_behalf] == [
        ("周婆婆", world["worker_a"].id)]
    visit = client.get(f"/api/v1/ratings?activity_id={world['visit'].id}", headers=staff)
    assert visit.get_json()["total"] == 3
    themed = client.get(f"/api/v1/ratings?theme_id={world['themes'][1].id}", headers=staff)
    assert sorted(item["score"] for item in themed.get_json()["items"]) == [3, 4]
    named = client.get(f"/api/v1/ratings?volunteer_id={world['volunteers'][1].id}", headers=staff)
    assert [item["score"] for item in named.get_json()["items"]] == [4]
    averages = client.get("/api/v1/ratings/averages?by=theme", headers=staff).get_json()
    assert [(row["label"], row["count"], row["total"], row["rounded"]) for row in averages["items"]] \
        == [("敬老月", 3, 13, "4.3"), ("环保月", 2, 7, "3.5")]
    station = client.get("/api/v1/ratings/averages?by=station", headers=staff).get_json()
    assert [(row["count"], row["rounded"]) for row in station["items"]] == [(6, "3.7")]
    admin = api_token(make_user(Role.DISTRICT_ADMIN, name="区管理员"))
    everything = client.get("/api/v1/ratings/averages?by=station", headers=admin).get_json()
    assert sorted((row["count"], row["rounded"]) for row in everything["items"]) == [
        (1, "1.0"), (6, "3.7")]
    assert client.get("/api/v1/ratings", headers=admin).get_json()["total"] == 7


def test_another_stations_staff_get_403_everywhere(client, world, api_token):
    known_ratings(world)
    a, visit = world["a"].id, world["visit"].id
    for person in (world["worker_b"], world["manager_b"]):
        headers = api_token(person)
        for url in (f"/api/v1/ratings?station_id={a}", f"/api/v1/ratings/averages?station_id={a}",
                    f"/api/v1/ratings/averages?station_id={a}&by=volunteer"):
            assert client.get(url, headers=headers).status_code == 403, url
        response = client.post("/api/v1/ratings", json={
            "activity_id": visit, "score": 5, "on_behalf_of": "周婆婆"}, headers=headers)
        assert response.status_code == 403
        # Their own lists show their own station only.
        listed = client.get("/api/v1/ratings", headers=headers).get_json()
        assert {item["station_id"] for item in listed["items"]} == {world["b"].id}
    before = count()
    log_in(client, world["worker_b"])
    assert client.get(f"/station/activities/{visit}/rating-code.svg").status_code == 403
    response = post_form(client, f"/station/activities/{visit}/ratings",
                         {"on_behalf_of": "周婆婆", "score": "5"}, page="/station/ratings")
    assert response.status_code == 403
    html = page(client, "/station/ratings")
    assert "长者探访" not in html and "乙站探访" in html
    assert count() == before


def test_the_station_pages_show_comments_escaped_averages_and_the_on_behalf_mark(client, world):
    known_ratings(world)
    ratings.rate_activity(world["residents"][1], world["clean"], score=4,
                          token=ratings.rating_token(world["clean"]),
                          comment="<script>alert(1)</script>")
    db.session.commit()
    log_in(client, world["worker_a"])
    html = page(client, "/station/ratings")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert "代录" in html and "周婆婆" in html
    # 22 + 4 = 26 over 7 = 3.714… → 3.7
    assert re.search(r'id="station-average"[^>]*>3\.7<', html)
    filtered = page(client, f"/station/ratings?activity_id={world['visit'].id}")
    assert re.search(r'id="station-average"[^>]*>4\.3<', filtered)
    activity = page(client, f"/station/activities/{world['visit'].id}")
    assert re.search(r"data-average=\"[0-9.]+\">4\.3<", activity)
    # The on-behalf form of the staff activity page.
    response = post_form(client, f"/station/activities/{world['clean'].id}/ratings",
                         {"on_behalf_of": "郑阿姨", "score": "2", "comment": "电话回访"},
                         page=f"/station/activities/{world['clean'].id}")
    assert response.status_code == 302
    entered = db.session.scalar(select(Rating).where(Rating.on_behalf_of == "郑阿姨"))
    assert entered.entered_by_id == world["worker_a"].id and entered.rater_id is None
    assert db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "rating.enter_on_behalf", AuditEntry.actor_id == world["worker_a"].id))


def test_the_dashboards_show_the_averages_worked_by_hand(client, world, make_user):
    known_ratings(world)
    log_in(client, world["manager_a"])
    html = page(client, "/reports/?from=2026-12&to=2026-12")
    station = re.search(r'id="table-ratings-station".*?</table>', html, re.S).group(0)
    assert re.search(rf'data-station="{world["a"].id}".*?>3\.7</td><td class="num">6<', station,
                     re.S)
    themes = re.search(r'id="table-ratings-theme".*?</table>', html, re.S).group(0)
    assert re.search(r">敬老月</th><td[^>]*>4\.3</td><td class=\"num\">3<", themes)
    assert re.search(r">环保月</th><td[^>]*>3\.5</td><td class=\"num\">2<", themes)
    activities = re.search(r'id="table-ratings-activity".*?</table>', html, re.S).group(0)
    assert "长者探访" in activities and "乙站探访" not in activities
    admin_client = client.application.test_client()
    log_in(admin_client, make_user(Role.DISTRICT_ADMIN, name="区管理员"))
    html = page(admin_client, "/reports/?from=2026-12&to=2026-12")
    station = re.search(r'id="table-ratings-station".*?</table>', html, re.S).group(0)
    # The district: 22 + 1 = 23 over 7 = 3.285… → 3.3
    assert re.search(r"<tfoot>.*?>3\.3</td><td class=\"num\">7<", station, re.S)
    assert re.search(rf'data-station="{world["b"].id}".*?>1\.0</td><td class="num">1<', station,
                     re.S)


def test_a_raters_comment_is_in_their_export_and_blanked_when_they_are_erased(client, world,
                                                                              api_token):
    from tests.conftest import PASSWORD

    resident = world["residents"][1]
    ratings.rate_activity(resident, world["visit"], score=5, comment="谢谢小黄陪我聊天",
                          token=ratings.rating_token(world["visit"]))
    db.session.commit()
    headers = api_token(resident)
    sections = {section["table"]: section for section in
                client.get("/api/v1/me/export", headers=headers).get_json()["sections"]}
    assert sections["ratings"]["rows"][0]["comment"] == "谢谢小黄陪我聊天"
    assert client.post("/api/v1/me/erasure", json={"password": PASSWORD},
                       headers=headers).status_code == 202
    db.session.rollback()
    rating = db.session.scalar(select(Rating))
    assert rating.comment is None and rating.score == 5  # the average keeps its number
