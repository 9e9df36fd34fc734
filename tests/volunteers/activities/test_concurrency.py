"""Sign-ups at the same moment, through the API: the slot limit and "one live sign-up per
volunteer and activity" hold under concurrent requests.

Each thread is a client of its own, so each request has its own context, session and
connection, as under gunicorn. On SQLite writes queue behind ``BEGIN IMMEDIATE``; on PostgreSQL
the service locks the activity row (``SELECT ... FOR UPDATE``) before counting places.
"""

import threading

import pytest
from sqlalchemy import select

from timebank.extensions import db
from volunteers.activities.models import SignUp, SignUpStatus

THREADS = 20


def post_at_once(app, requests):
    """POST each ``(url, headers)`` from its own thread, all released together."""
    barrier = threading.Barrier(len(requests))
    responses: list = [None] * len(requests)

    def worker(i):
        url, headers = requests[i]
        client = app.test_client()
        barrier.wait()
        try:
            response = client.post(url, headers=headers)
            responses[i] = (response.status_code, response.get_json())
        except Exception as error:  # noqa: BLE001 - the test inspects what each thread got
            responses[i] = error

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    db.session.rollback()  # end the test's own snapshot, to read what the requests committed
    return responses


@pytest.fixture
def activity(make_station, make_staff, make_activity):
    station = make_station()
    return make_activity(station, make_staff(station), slots=5)


def live_sign_ups(activity_id: int) -> list[SignUp]:
    return list(db.session.scalars(select(SignUp).where(
        SignUp.activity_id == activity_id, SignUp.status != SignUpStatus.CANCELLED)))


def test_twenty_volunteers_at_once_fill_five_places_and_wait_for_the_rest(
        app, activity, make_volunteer, api_token):
    volunteers = [make_volunteer(name=f"志愿者{i}") for i in range(THREADS)]
    url = f"/api/v1/activities/{activity.id}/signups"
    responses = post_at_once(app, [(url, api_token(volunteer)) for volunteer in volunteers])

    assert all(isinstance(r, tuple) and r[0] == 201 for r in responses), responses
    statuses = [body["status"] for _, body in responses]
    assert statuses.count("confirmed") == 5 and statuses.count("waitlisted") == 15, statuses
    stored = live_sign_ups(activity.id)
    assert len(stored) == THREADS
    assert sum(entry.status == SignUpStatus.CONFIRMED for entry in stored) == 5
    assert {entry.user_id for entry in stored} == {volunteer.id for volunteer in volunteers}


def test_the_same_volunteer_twenty_times_at_once_holds_one_sign_up(
        app, activity, make_volunteer, api_token):
    volunteer = make_volunteer()
    headers = api_token(volunteer)
    url = f"/api/v1/activities/{activity.id}/signups"
    responses = post_at_once(app, [(url, headers)] * THREADS)

    assert all(isinstance(r, tuple) and r[0] in (200, 201) for r in responses), responses
    assert len({body["id"] for _, body in responses}) == 1
    assert 201 in {status for status, _ in responses}
    stored = live_sign_ups(activity.id)
    assert len(stored) == 1 and stored[0].user_id == volunteer.id
    assert stored[0].status == SignUpStatus.CONFIRMED
