"""The restore drill of `docs/deploy.md`, run for real: a nightly dump restores into a fresh
database whose schema is the code's and whose ledger verifies."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).with_name("flask"))


@pytest.fixture
def source_database():
    """A fresh PostgreSQL database beside the test one, migrated and loaded with the demo."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("the restore drill needs TEST_DATABASE_URL (PostgreSQL)")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore") and shutil.which("psql")):
        pytest.skip("the restore drill needs pg_dump, pg_restore and psql")
    base = make_url(url)
    name = f"drill_source_{os.getpid()}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    source = base.set(database=name)
    env = {**os.environ, "APP_ENV": "development",
           "DATABASE_URL": source.render_as_string(hide_password=False)}
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run([FLASK, "--app", "app", *command], cwd=ROOT, env=env, check=True,  # noqa: S603
                       capture_output=True, timeout=600)
    yield source
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_a_nightly_dump_restores_and_its_ledger_verifies(source_database, tmp_path):
    env = {**os.environ, "PGHOST": source_database.host or "127.0.0.1",
           "PGPORT": str(source_database.port or 5432),
           "PGUSER": source_database.username or "postgres", "FLASK": FLASK}
    if source_database.password:
        env["PGPASSWORD"] = source_database.password
    backup = subprocess.run(  # noqa: S603 (our own script)
        [str(ROOT / "deploy/backup.sh"), str(tmp_path), source_database.database],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert backup.returncode == 0, backup.stderr
    dump = Path(backup.stdout.strip())
    assert dump.parent == tmp_path and dump.stat().st_size > 0
    scratch = f"drill_scratch_{os.getpid()}"
    drill = subprocess.run([str(ROOT / "deploy/restore-drill.sh"), str(dump), scratch],  # noqa: S603
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert drill.returncode == 0, drill.stdout + drill.stderr
    assert "ledger OK" in drill.stdout
    assert "restore drill passed" in drill.stdout
