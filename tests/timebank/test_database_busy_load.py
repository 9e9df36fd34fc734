"""Registrations and logins under load, through gunicorn: a busy database is never a 500.

The app runs under ``gunicorn -w 2`` (separate processes, as in production: on SQLite they
share the file's write lock) on a fresh database of each backend, with rate limits off. Eight
client threads register residents and take their tokens. Every request must succeed.

Hashing a password is slow on purpose. While a request hashed inside its write transaction,
the other worker's writers waited for the lock, and SQLite's busy handler, which polls,
could miss every moment the lock was free until it gave up with "database is locked" (a 500).
The workers here wait at most `BUSY_TIMEOUT_MS` for the lock, shorter than the default, so that
a bounded run shows that starvation if it comes back.
"""

import http.client
import json
import os
import threading
import time
from collections import Counter

import pytest
import sqlalchemy
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from app import create_app
from tests.servers import gunicorn
from timebank.extensions import db

WORKERS = 2
CLIENTS = 8
REGISTRATIONS_PER_CLIENT = 20
BUSY_TIMEOUT_MS = 2000
REQUEST_TIMEOUT = 30  # seconds, for each request
DEADLINE = 150  # seconds for the whole load; no client starts a registration after it
PASSWORD = "load test password 1"


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(request, tmp_path):
    """The URL of a migrated database of its own (PostgreSQL: created beside the test
    database on the same server, and dropped afterwards)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'load.sqlite3'}"
        _migrate(url)
        yield url
        return
    test_url = os.environ.get("TEST_DATABASE_URL")
    if not test_url:
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL")
    server = make_url(test_url)
    name = f"{server.database}_load"
    admin = sqlalchemy.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        _migrate(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _migrate(url: str) -> None:
    app = create_app({"TESTING": True, "APP_ENV": "testing", "SECRET_KEY": "load",
                      "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture
def server(fresh_database, tmp_path):
    """The port of ``gunicorn -w 2 'app:create_app()'`` serving `fresh_database`."""
    env = {"APP_ENV": "development", "SECRET_KEY": "load-test-secret",
           "DATABASE_URL": fresh_database, "RATELIMIT_ENABLED": "false",
           "SQLITE_BUSY_TIMEOUT_MS": str(BUSY_TIMEOUT_MS)}
    log_path = tmp_path / "gunicorn.log"
    try:
        with gunicorn(env, log_path, workers=WORKERS) as port:
            yield port
    finally:
        print(f"gunicorn log (tail):\n{log_path.read_text()[-2000:]}")


def _post(port: int, path: str, body: dict) -> tuple[int, dict, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request("POST", path, body=json.dumps(body),
                           headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        raw = response.read()
        try:
            data = json.loads(raw)
        except ValueError:
            data = {"raw": raw[:200].decode(errors="replace")}
        return response.status, dict(response.getheaders()), data
    finally:
        connection.close()


def test_registrations_and_logins_under_load_are_never_5xx(server):
    counts: Counter = Counter()  # (route, status) → responses
    failures: list = []  # what went wrong, for the message
    lock = threading.Lock()
    stop_at = time.monotonic() + DEADLINE

    def note(route, status, headers, data):
        with lock:
            counts[(route, status)] += 1
            if status >= 500:
                failures.append((route, status, headers.get("Retry-After"), data))

    def client(number: int) -> None:
        for index in range(REGISTRATIONS_PER_CLIENT):
            if time.monotonic() > stop_at:
                return
            phone = f"135{number:02d}{index:06d}"
            for route, body in (
                ("register", {"phone": phone, "password": PASSWORD, "name": f"压测居民{number}"}),
                ("token", {"phone": phone, "password": PASSWORD}),
            ):
                try:
                    status, headers, data = _post(server, f"/api/v1/auth/{route}", body)
                except OSError as error:  # a timeout or a dropped connection
                    with lock:
                        counts[(route, "no answer")] += 1
                        failures.append((route, "no answer", None, repr(error)))
                    break
                note(route, status, headers, data)
                if status not in (200, 201):
                    break

    threads = [threading.Thread(target=client, args=(number,)) for number in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DEADLINE + REQUEST_TIMEOUT * 2 + 10)
    assert not any(thread.is_alive() for thread in threads)

    print("responses by route and status:", dict(sorted(counts.items(), key=str)))
    expected = CLIENTS * REGISTRATIONS_PER_CLIENT
    assert not failures, f"{len(failures)} failed: {failures[:5]}; all: {dict(counts)}"
    assert counts == Counter({("register", 201): expected, ("token", 200): expected})
