"""Fixtures in flaskr's shape: `app`, `client`, `runner`, plus factories and a login helper.

Every test that touches the database runs once per backend: SQLite always, PostgreSQL when
``TEST_DATABASE_URL`` is set. The schema is built by the real migrations once per backend and
emptied between tests. With ``TIMEBANK_NO_SKIPS=1`` (CI), a skipped test counts as a failure, so
a missing database or browser cannot pass unnoticed.
"""

import contextvars
import itertools
import os
import re
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade

from app import create_app
from timebank.accounts import services as users
from timebank.accounts.permissions import Role
from timebank.database import deferred_begin
from timebank.extensions import db

pytest_plugins = ["tests.browser"]

NO_SKIPS = os.environ.get("TIMEBANK_NO_SKIPS") == "1"
SHANGHAI = ZoneInfo("Asia/Shanghai")
#: The instant every test starts at, whatever the day: a Wednesday in mid-December at 10:00 in
#: Nansha. ``TIMEBANK_TEST_INSTANT=2027-02-28T23:59+08:00`` runs the suite at another instant.
SUITE_INSTANT = datetime.fromisoformat(os.environ.get("TIMEBANK_TEST_INSTANT") or "2026-12-16T10:00+08:00")
#: Instants where dates turn: the 1st, the 15th and the last day of a month, 31 December into
#: 1 January, 29 February, and a minute before and after midnight in Asia/Shanghai. Tests that
#: depend on the date take them as ``@pytest.mark.parametrize("instant", EDGE_INSTANTS)``.
EDGE_INSTANTS = [datetime(*fields, tzinfo=SHANGHAI) for fields in (
    (2027, 3, 1, 0, 1),     # the 1st, a minute after midnight (after a 28-day February)
    (2027, 6, 15, 12, 0),   # the 15th
    (2026, 12, 31, 23, 59), # the last day of a month and of the year, a minute before midnight
    (2027, 1, 1, 0, 1),     # the new year's first minute
    (2028, 2, 29, 23, 59),  # a leap day, late
)]
PASSWORD = "correct horse 9"
_phones = itertools.count(13900000000)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if NO_SKIPS and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped while TIMEBANK_NO_SKIPS=1: {report.longrepr}"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Under pytest-xdist (``make test`` runs ``-n 2``), every test of one database goes to one
    worker: each worker builds only its own database, and no two share the PostgreSQL one.
    Tests without a database go wherever there is room. (xdist's own ``loadgroup`` cannot
    group them on pytest 9: it renames node ids, which pytest 9 no longer reads.)"""
    from xdist.scheduler import LoadScopeScheduling

    class ByDatabase(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            params = nodeid.rpartition("[")[2].rstrip("]").split("-") if nodeid.endswith("]") else ()
            return next((backend for backend in ("sqlite", "postgresql") if backend in params), nodeid)

    return ByDatabase(config, log)


def instant_id(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M")


@pytest.fixture(autouse=True)
def pinned_clock(request):
    """Every test runs at a known instant (`SUITE_INSTANT`, or its ``instant`` parameter), with
    time moving on from there (or standing still, with ``@pytest.mark.frozen_clock``), so no
    test depends on the day it runs. Browser tests keep the real clock: Chromium has its own,
    and cookies dated in its past would be thrown away."""
    if request.node.get_closest_marker("browser"):
        yield None
        return
    instant = request.getfixturevalue("instant") if "instant" in request.fixturenames else SUITE_INSTANT
    tick = request.node.get_closest_marker("frozen_clock") is None
    with time_machine.travel(instant, tick=tick) as traveller:
        yield traveller


class IsolatedClient(FlaskClient):
    """Runs each request in a fresh context, as a server would.

    Tests hold an app context of their own; without this, every request would reuse it and
    share its `g` and database session, hiding bugs that production would show. The test's
    own transaction ends first (as another client's would), so SQLite's write lock is free
    and what the test reads afterwards is fresh.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)


def _config(url: str, **overrides) -> dict:
    return {
        "TESTING": True,
        "APP_ENV": "testing",
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "RATELIMIT_ENABLED": False,
        # Check-ins wait for staff in tests of other features; the tiered-approval tests turn it on.
        "APPROVE_AT_CHECKOUT": False,
        **overrides,
    }


@pytest.fixture(scope="session", autouse=True)
def evidence_folder(tmp_path_factory):
    """Evidence photos written by tests go to a temporary folder, never the instance folder
    (a test of evidence itself points ``EVIDENCE_DIR`` at its own ``tmp_path``)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EVIDENCE_DIR", str(tmp_path_factory.mktemp("evidence")))
        yield


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    """A migrated, empty database for the whole session, one per backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    else:
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            pytest.skip("PostgreSQL tests need TEST_DATABASE_URL")
    app = create_app(_config(url))
    with app.app_context():
        if request.param == "postgresql":
            db.drop_all()
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade()
        db.engine.dispose()
    return app.config["SQLALCHEMY_DATABASE_URI"]


@pytest.fixture
def app(database_url):
    app = create_app(_config(database_url))
    app.test_client_class = IsolatedClient
    # Test code looks at the database between requests; on SQLite it must not hold the write
    # lock while that happens, or a server thread (browser and concurrency tests) would wait.
    deferred_begin.set(True)
    with app.app_context():
        yield app
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def make_app(database_url):
    """Another app on the same database with other settings; its connections are closed after."""
    made = []

    def make(**overrides):
        other = create_app(_config(database_url, **overrides))
        other.test_client_class = IsolatedClient
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


@pytest.fixture
def redis_url():
    """An empty Redis database for the test (``TEST_REDIS_URL``, default db 15 of the local
    server), emptied again after. Skipped (a failure in CI) when no Redis answers there."""
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    if worker.isdigit() and int(worker):  # each xdist worker a database of its own: 15, 14, ...
        parts = urlsplit(url)
        url = parts._replace(path=f"/{(int(parts.path.strip('/') or 0) - int(worker)) % 16}").geturl()
    connection = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    try:
        connection.ping()
    except redis.RedisError as error:
        connection.close()
        pytest.skip(f"needs a Redis server at {url} (set TEST_REDIS_URL): {error}")
    connection.flushdb()
    yield url
    connection.flushdb()
    connection.close()


@pytest.fixture
def backend(app) -> str:
    return db.engine.dialect.name


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Create and commit a user: ``make_user(Role.SOCIAL_WORKER, name="李社工")``."""

    def make(*roles, phone=None, name="测试用户", password=PASSWORD):
        user = users.create_user(
            phone or str(next(_phones)), password, name, roles=roles or (Role.RESIDENT,)
        )
        settled(user)
        db.session.commit()
        return user

    return make


def settled(user):
    """A user who has verified their phone and agreed to the current privacy notice, as every
    account made before those rules was: the pages do not stop them to ask (the tests of
    `timebank.consents` and `accounts.verification` make users who have not)."""
    from timebank.clock import now
    from timebank.consents import services as consents
    from timebank.consents.models import Consent

    user.phone_verified_at = now()
    db.session.add(Consent(user_id=user.id, purpose=consents.PRIVACY, given_at=now(),
                           notice_version=consents.current_version()
                           or consents.NOTICES[-1].version, method="self"))
    db.session.flush()
    return user


CSRF_PATTERN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, page: str) -> str:
    """The CSRF token a real browser would find in the form on `page`."""
    html = client.get(page).get_data(as_text=True)
    match = CSRF_PATTERN.search(html)
    assert match, f"no CSRF token on {page}"
    return match.group(1)


def post_form(client, url: str, data: dict, page: str | None = None, **kwargs):
    """Post `data` to `url` the way the form on `page` (default: `url`) would."""
    return client.post(url, data={**data, "csrf_token": csrf_token(client, page or url)}, **kwargs)


def page(client, url: str, status: int = 200) -> str:
    """The HTML of `url`, which must answer `status`."""
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def registration_code(client, sms, phone: str) -> str:
    """Press 获取验证码 on the registration page for `phone`; the code the SMS test double got."""
    response = post_form(client, "/register", {"phone": phone, "send_code": "1"})
    assert response.status_code == 200, response.get_data(as_text=True)
    number = re.sub(r"\D", "", phone)[-11:]
    texts = sms.to(number)
    assert texts, f"no code was texted to {number}"
    return re.search(r"\b(\d{6})\b", texts[-1]).group(1)


def log_in(client, user, password=PASSWORD):
    response = post_form(client, "/login", {"phone": user.phone, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


@pytest.fixture
def login(client):
    def do(user, password=PASSWORD):
        return log_in(client, user, password)

    return do


@pytest.fixture
def api_token(client):
    """Bearer headers for `user`: ``client.get(url, headers=api_token(user))``."""

    def issue(user, password=PASSWORD):
        response = client.post("/api/v1/auth/token", json={"phone": user.phone, "password": password})
        assert response.status_code == 200, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    return issue


# --- coordination factories -------------------------------------------------------------------

_names = itertools.count(1)


@pytest.fixture
def make_station(app):
    """A town with `communities` communities, its station, and one grid team covering them all."""
    from timebank.org.models import Community, GridTeam, ServicePoint, Station, Town

    def make(name=None, communities=2):
        number = next(_names)
        town = Town(name=name or f"测试街道{number}")
        db.session.add(town)
        db.session.flush()
        station = Station(town_id=town.id, name=f"{town.name}社工服务站")
        db.session.add(station)
        members = []
        for index in range(communities):
            community = Community(town_id=town.id, name=f"第{index + 1}社区")
            db.session.add(community)
            db.session.flush()
            db.session.add(ServicePoint(community_id=community.id, name=f"{community.name}服务点"))
            members.append(community)
        team = GridTeam(station=station, name=f"{town.name}片区", communities=members)
        db.session.add(team)
        db.session.commit()
        return station

    return make


@pytest.fixture
def make_staff(make_user):
    """A staff member posted at `station` (in its first grid team): ``make_staff(station)``."""
    from timebank.org.services import assign_post

    def make(station, role=Role.SOCIAL_WORKER, name="社工"):
        user = make_user(role, name=name)
        team = station.grid_teams[0] if station.grid_teams and role == Role.SOCIAL_WORKER else None
        assign_post(user, station, team)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_volunteer(make_user):
    """A resident with a volunteer profile in `community` (linked to a social worker if any)."""
    from volunteers.profiles.services import profile_for, update_profile

    def make(community=None, name="志愿者", **profile):
        user = make_user(name=name)
        fields = {"community_id": community.id} if community is not None else {}
        update_profile(profile_for(user), {**fields, **profile})
        db.session.commit()
        return user

    return make


@pytest.fixture
def manager_for(make_station, make_staff):
    """Staff (a station manager unless `role` says otherwise) of a new station where `people`
    (users, or their accounts) volunteer: whom corrections of their hours are for."""
    from volunteers.profiles.services import profile_for, update_profile

    def make(*people, role=Role.STATION_MANAGER):
        station = make_station()
        for person in people:
            user = getattr(person, "owner", None) or person
            update_profile(profile_for(user), {"community_id": station.town.communities[0].id})
        db.session.commit()
        return make_staff(station, role, name="项目主管")

    return make


@pytest.fixture
def make_activity(app):
    """A published activity at `station`, by default tomorrow 09:00-11:00 Shanghai time."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from timebank.clock import now
    from volunteers.activities.services import create_activity

    def make(station, by, *, start=None, hours=2, slots=5, community=None, **fields):
        if start is None:
            tomorrow = now().astimezone(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)
            start = tomorrow.replace(hour=9, minute=0, second=0, microsecond=0)
        elif isinstance(start, str):
            start = datetime.fromisoformat(start).replace(tzinfo=ZoneInfo("Asia/Shanghai"))
        data = {"title": fields.pop("title", "长者探访"), "starts_at": start,
                "ends_at": start + timedelta(hours=hours), "slots": slots,
                "community_id": (community or station.town.communities[0]).id,
                "status": "published", **fields}
        activity = create_activity(by, station, data)
        db.session.commit()
        return activity

    return make


@pytest.fixture
def sms(app):
    """The SMS test double in place of the app's gateway: ``sms.sent`` is [(phone, text), ...],
    ``sms.to(phone)`` the texts one number got (`timebank.notifications.sms.RecordingGateway`)."""
    from timebank.notifications.sms import EXTENSION, RecordingGateway

    gateway = RecordingGateway()
    app.extensions[EXTENSION] = gateway
    return gateway
