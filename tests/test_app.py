"""The factory, settings, languages, migrations and the package layering."""

import pathlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app import create_app
from timebank.config import DEFAULT_SECRET_KEY
from timebank.extensions import db

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_production_refuses_the_default_secret_key(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-of-thirty-two-chars")
    assert create_app().config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("key", ["", "short", "x" * 31])
def test_production_refuses_a_short_secret_key_and_says_how_to_make_one(monkeypatch, key):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="at least 32 characters") as refused:
        create_app()
    assert "secrets.token_hex(32)" in str(refused.value)


def test_production_sends_hsts_and_development_does_not(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    production = create_app()
    assert "max-age=31536000" in production.test_client().get("/").headers["Strict-Transport-Security"]
    monkeypatch.setenv("APP_ENV", "development")
    assert "Strict-Transport-Security" not in create_app().test_client().get("/").headers


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("APP_ENV", "development")
    monkeypatch.setenv("DATABASE_URL", "postgresql://someone@db/timebank")
    monkeypatch.setenv("RATELIMIT_ENABLED", "false")
    monkeypatch.setenv("TIMEZONE", "Asia/Hong_Kong")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://someone@db/timebank"
    assert app.config["RATELIMIT_ENABLED"] is False
    assert app.config["TIMEZONE"] == "Asia/Hong_Kong"
    assert app.config["SECRET_KEY"] == DEFAULT_SECRET_KEY


def test_home_page_is_chinese_by_default_and_english_on_request(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert "付出一小时，收获一小时" in page
    response = client.get("/lang/en?next=/")
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Give an hour, gain an hour" in page


def test_pages_forbid_inline_scripts_and_framing(client):
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_output_is_escaped(client, make_user, login):
    login(make_user(name="<script>x</script>"))
    page = client.get("/").get_data(as_text=True)
    assert "<script>x</script>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page


def test_migrations_match_the_models(app):
    """`flask db upgrade` builds exactly the schema the models describe."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True,
            # APScheduler keeps its own table beside ours.
            "include_name": lambda name, kind, parents: name != "scheduled_jobs"})
        assert compare_metadata(context, db.metadata) == []


def test_every_catalog_message_is_translated_to_chinese():
    from babel.messages.pofile import read_po

    with open(ROOT / "translations/zh_Hans_CN/LC_MESSAGES/messages.po", "rb") as po:
        catalog = read_po(po)
    def translated(message):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        return all(strings) and not message.fuzzy

    missing = [m.id for m in catalog if m.id and not translated(m)]
    assert missing == []


def test_every_string_in_the_code_is_in_the_catalog():
    """A string wrapped for translation but never extracted would show in English."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    with open(ROOT / "translations/zh_Hans_CN/LC_MESSAGES/messages.po", "rb") as po:
        known = {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_po(po) if m.id}
    method_map = [("timebank/**.py", "python"), ("volunteers/**.py", "python"),
                  ("templates/**.html", "jinja2")]
    found = {
        message[2] if isinstance(message[2], str) else message[2][0]
        for message in extract_from_dir(
            str(ROOT), method_map, keywords={"_": None, "_l": None, "gettext": None,
                                             "lazy_gettext": None, "ngettext": (1, 2)}
        )
    }
    assert found - known == set()


def test_seed_demo_is_idempotent(runner):
    from sqlalchemy import func, select

    from timebank.accounts.models import User

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    count = db.session.scalar(select(func.count(User.id)))
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert db.session.scalar(select(func.count(User.id))) == count > 300
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0


def test_users_create_command(runner):
    from timebank.accounts.services import get_by_phone

    result = runner.invoke(args=["users", "create", "--role", "social_worker", "--phone",
                                 "13800000099", "--password", "a-long-pass", "--name", "李社工"])
    assert result.exit_code == 0, result.output
    assert get_by_phone("13800000099").role_names == ["social_worker"]
    again = runner.invoke(args=["users", "create", "--role", "resident", "--phone",
                                "13800000099", "--password", "a-long-pass", "--name", "李社工"])
    assert again.exit_code == 1
    assert "该手机号已注册" in again.output
    bad = runner.invoke(args=["users", "create", "--role", "resident", "--phone", "123",
                              "--password", "a-long-pass", "--name", "某某"])
    assert bad.exit_code == 1 and "phone" in bad.output
