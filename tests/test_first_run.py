"""The first day of a district: an empty database, one administrator made on the command line,
and everything else through pages."""

from sqlalchemy import func, select

from tests.conftest import log_in
from timebank.accounts import services as users
from timebank.accounts.models import User
from timebank.extensions import db

ADMIN_PHONE, ADMIN_PASSWORD = "13900000001", "first day 2026"


def _pages_without_arguments(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static":
            yield rule.rule


def test_every_page_answers_on_an_empty_database(app, runner):
    """Nothing assumes the demo: no towns, stations, themes, accounts or activities yet."""
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    made = runner.invoke(args=["users", "create", "--role", "district_admin", "--phone",
                               ADMIN_PHONE, "--name", "区管理员", "--password", ADMIN_PASSWORD])
    assert made.exit_code == 0, made.output
    admin = users.get_by_phone(ADMIN_PHONE)
    visitor, administrator = app.test_client(), app.test_client()
    log_in(administrator, admin, ADMIN_PASSWORD)
    failures = []
    for url in _pages_without_arguments(app):
        for who, client in (("visitor", visitor), ("administrator", administrator)):
            status = client.get(url).status_code
            if status >= 500:
                failures.append(f"{who} GET {url} → {status}")
    assert failures == []
    home = administrator.get("/admin/").get_data(as_text=True)
    assert "/admin/towns" in home and "/admin/stations" in home
