"""Playwright fixtures: Debian's Chromium, headless, on a phone-sized screen, against a live server."""

import os
import threading

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD
from timebank.extensions import db

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True, "locale": "zh-CN"}
#: Without these, Chromium keeps reaching for Google's servers, which this network refuses.
QUIET_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"browser tests need Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=QUIET_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def live_app(make_app):
    """The app that `live_server` serves; its texts go to a `RecordingGateway`
    (``live_app.extensions["timebank.sms"].to(phone)``)."""
    return make_app(SMS_GATEWAY="timebank.notifications.sms:RecordingGateway")


@pytest.fixture
def live_server(live_app):
    """The app served over HTTP in a thread, with CSRF and everything else switched on. What the
    browser wrote is removed afterwards, as the `app` fixture does, even for a test without it."""
    served = live_app
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    with served.app_context(), db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def phone(browser, live_server):
    """A new page on a phone-sized screen, pointed at the live server."""
    context = browser.new_context(base_url=live_server, **PHONE)
    page = context.new_page()
    yield page
    context.close()

#: A station's desktop: staff pages are tested at this size.
DESK = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}


@pytest.fixture
def desk(browser, live_server):
    """A new page on a staff desktop screen (1366×900), pointed at the live server."""
    context = browser.new_context(base_url=live_server, **DESK)
    page = context.new_page()
    yield page
    context.close()


def log_in_on(page, user) -> None:
    """Log `user` in on the page's login form (the suite's one password)."""
    page.goto("/login")
    page.get_by_label("手机号码").fill(user.phone)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
