"""A busy database answers 503 with Retry-After, and slow password work stays out of the write lock.

The write lock is SQLite's (every write request's transaction begins IMMEDIATE); on PostgreSQL
the same views must not begin by locking, and a lock that times out is "busy" too.
"""

import sqlite3

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tests.conftest import PASSWORD, csrf_token, post_form, registration_code
from timebank.accounts import models as user_models
from timebank.accounts import services as users
from timebank.audit.models import AuditEntry
from timebank.database import deferred_begin
from timebank.errors import InvalidInput
from timebank.extensions import db

BUSY_MESSAGE = "系统繁忙，请稍后再试。"


def assert_busy_json(response):
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert response.get_json() == {"error": {"code": "busy", "message": BUSY_MESSAGE, "fields": {}}}


# --- 503 -----------------------------------------------------------------------------------------

def _raise(message):
    def view():
        raise OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError(message))

    return view


def test_database_is_locked_is_503_with_retry_after(app, client):
    app.add_url_rule("/api/v1/test-locked", "test_locked_api", _raise("database is locked"),
                     methods=["POST"])
    app.add_url_rule("/test-locked", "test_locked_page", _raise("database is locked"),
                     methods=["POST"])
    app.config["WTF_CSRF_ENABLED"] = False
    assert_busy_json(client.post("/api/v1/test-locked", json={}))

    response = client.post("/test-locked")
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert BUSY_MESSAGE in response.get_data(as_text=True)


def test_other_operational_errors_are_not_busy(app, client):
    app.add_url_rule("/api/v1/test-broken", "test_broken", _raise("no such table: nowhere"),
                     methods=["POST"])
    app.config["WTF_CSRF_ENABLED"] = False
    with pytest.raises(OperationalError):  # TESTING propagates what would be a 500
        client.post("/api/v1/test-broken", json={})


@pytest.fixture
def locked(app, backend, make_app, monkeypatch):
    """An app whose database is locked by another connection, and whose lock waits are short.

    SQLite: another connection holds the write lock. PostgreSQL: another connection holds an
    exclusive lock on the users table, and the app's lock_timeout is short.
    """
    db.session.commit()  # the test's own reads must not be what the lock waits for
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if backend == "sqlite":
        monkeypatch.setenv("SQLITE_BUSY_TIMEOUT_MS", "100")
        other = make_app()
        holder = sqlite3.connect(url.database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
    else:
        other = make_app(SQLALCHEMY_ENGINE_OPTIONS={
            "connect_args": {"options": "-c lock_timeout=100"}})
        holder = db.engine.raw_connection()
        holder.cursor().execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
    try:
        yield other
    finally:
        holder.rollback()
        holder.close()


def test_a_registration_that_meets_a_lock_is_503(locked):
    client = locked.test_client()
    response = client.post("/api/v1/auth/register",
                           json={"phone": "13912340001", "password": PASSWORD, "name": "排队居民"})
    assert_busy_json(response)


def test_an_html_form_that_meets_a_lock_gets_the_busy_page(request, client, sms):
    # A real code, asked for before the lock: the registration gets as far as the users table
    # (on PostgreSQL only that table is locked; a made-up code would be refused before it).
    code = registration_code(client, sms, "13912340002")
    client = request.getfixturevalue("locked").test_client()
    token = csrf_token(client, "/register")  # a GET reads, and waits for no lock
    response = client.post("/register", data={"phone": "13912340002", "password": PASSWORD,
                                              "name": "排队居民", "sms_code": code,
                                              "agree": "1", "csrf_token": token})
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert BUSY_MESSAGE in response.get_data(as_text=True)


# --- no hashing inside a write transaction ----------------------------------------------------

@pytest.fixture
def trace(app, monkeypatch):
    """What happens in order: ("begin", deferred?) for every transaction begun, and "hash" for
    every password hashed or checked."""
    events = []

    def on_begin(connection):
        events.append(("begin", deferred_begin.get()))

    def traced(function):
        def wrapper(*args, **kwargs):
            events.append("hash")
            return function(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(users, "generate_password_hash", traced(users.generate_password_hash))
    monkeypatch.setattr(users, "check_password_hash", traced(users.check_password_hash))
    monkeypatch.setattr(user_models, "check_password_hash", traced(user_models.check_password_hash))
    event.listen(db.engine, "begin", on_begin)
    yield events
    event.remove(db.engine, "begin", on_begin)


def hashed_in_writes(events) -> bool:
    """Whether a password was hashed while a write transaction (begun IMMEDIATE) was open."""
    mode = None
    for item in events:
        if item == "hash" and mode is False:
            return True
        if item != "hash":
            mode = item[1]
    return False


def test_registration_hashes_before_its_first_query(client, trace):
    response = client.post("/api/v1/auth/register",
                           json={"phone": "13912340003", "password": PASSWORD, "name": "新居民"})
    assert response.status_code == 201
    assert trace[0] == "hash"
    assert ("begin", False) in trace  # the registration itself is a write


def test_html_registration_hashes_before_its_first_query(client, trace, sms):
    code = registration_code(client, sms, "13912340004")
    token = csrf_token(client, "/register")
    trace.clear()
    response = client.post("/register", data={"phone": "13912340004", "password": PASSWORD,
                                              "name": "新居民", "sms_code": code, "agree": "1",
                                              "csrf_token": token})
    assert response.status_code == 302
    assert trace[0] == "hash"


def test_taking_a_token_only_reads(client, make_user, trace):
    user = make_user()
    # The day's first token also records the visit (`users.touch`), in a short write
    # transaction after the password was checked, never around it.
    trace.clear()
    response = client.post("/api/v1/auth/token", json={"phone": user.phone, "password": PASSWORD})
    assert response.status_code == 200
    checked = trace.index("hash")
    assert ("begin", False) not in trace[:checked] and ("begin", False) in trace[checked:]
    # Any later token that day only reads.
    trace.clear()
    response = client.post("/api/v1/auth/token", json={"phone": user.phone, "password": PASSWORD})
    assert response.status_code == 200
    assert "hash" in trace
    assert {item for item in trace if item != "hash"} == {("begin", True)}


@pytest.mark.parametrize("known", [True, False])
def test_html_login_checks_the_password_before_it_writes(client, make_user, trace, known):
    user = make_user()
    phone = user.phone if known else "13912349999"
    token = csrf_token(client, "/login")
    trace.clear()
    response = client.post("/login", data={"phone": phone, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == (302 if known else 200)
    assert trace.count("hash") == 1  # the dummy hash for an unknown phone: the same cost
    checked = trace.index("hash")
    assert ("begin", True) in trace[:checked] and ("begin", False) not in trace[:checked]
    assert ("begin", False) in trace[checked:]  # then the audit row, in a write transaction
    action = "auth.login" if known else "auth.login_failed"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == action))


def test_password_change_hashes_before_it_writes(client, make_user, login, trace):
    user = make_user()
    login(user)
    token = csrf_token(client, "/profile")
    trace.clear()
    response = client.post("/profile", data={"current_password": PASSWORD,
                                             "new_password": "another-pass",
                                             "csrf_token": token})
    assert response.status_code == 302
    assert trace.count("hash") == 2
    assert not hashed_in_writes(trace)
    db.session.refresh(user)
    assert user.check_password("another-pass")
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.password_change"))


def test_a_password_change_checked_against_an_old_password_is_refused(app, make_user):
    user = make_user()
    change = users.prepare_password_change(user, PASSWORD, "another-pass")
    users.change_password(user, PASSWORD, "changed-meanwhile")
    with pytest.raises(InvalidInput):
        users.apply_password_change(user, change)
    assert user.check_password("changed-meanwhile")


def test_html_login_still_logs_in(client, make_user):
    user = make_user()
    response = post_form(client, "/login", {"phone": user.phone, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200


def test_the_api_document_lists_the_busy_answer(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/auth/token", "/api/v1/auth/register"):
        busy = spec["paths"][path]["post"]["responses"]["503"]
        assert "Retry-After" in busy["headers"]
