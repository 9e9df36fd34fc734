"""Rate limits hold across gunicorn workers when ``RATELIMIT_STORAGE_URI`` points at Redis.

The real server: ``gunicorn -w 2 'app:create_app()'`` on a temporary SQLite database (migrated
with ``flask db upgrade``, one user made with ``flask users create``), rate limits on, Redis
(``TEST_REDIS_URL``) as their storage, and ``PROXY_FIX_X_FOR=1`` so that each request can come
from an address of its own. With ``memory://`` each worker counts alone: two workers let up to
twice a limit through (19 logins through a limit of 10, as measured).

Both workers answer for sure, without relying on how the kernel hands out connections: logins
are sent in pairs, and the first connection of a pair sends its headers without their end, so
the (sync) worker that took it waits on it while the other worker takes and answers the
second; then the first is finished. The access log, written with each worker's pid, shows it.

Skipped (a failure in CI, with ``TIMEBANK_NO_SKIPS=1``) only when no Redis answers.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PHONE, PASSWORD = "13800000001", "correct horse 9"
LOGIN_LIMIT = 10  # LOGIN_RATE_LIMIT's "10 per minute", per address
PHONE_LIMIT = 10  # LOGIN_PHONE_FAILURE_LIMIT's "10 per 15 minutes", per phone
PAIRS = 8  # 16 logins in each round


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask(env: dict, *args: str) -> None:
    result = subprocess.run(  # noqa: S603 -- our own flask, our own arguments
        [str(BIN / "flask"), "--app", "app", *args], cwd=REPO, env=env, capture_output=True,
        text=True, timeout=120)
    assert result.returncode == 0, f"flask {' '.join(args)}:\n{result.stdout}\n{result.stderr}"


@contextmanager
def gunicorn(env: dict, workdir: Path):
    """Two sync workers on a free port, in a process group of their own; yields the port. The
    whole group is ended on the way out, errors included."""
    port = free_port()
    log = open(workdir / "gunicorn.log", "w")  # noqa: SIM115 -- closed below
    process = subprocess.Popen(  # noqa: S603 -- our own gunicorn, our own arguments
        [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "30",
         "--access-logfile", str(workdir / "access.log"), "--access-logformat", "%(p)s %(s)s %(U)s",
         "app:create_app()"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (workdir / "gunicorn.log").read_text()[-3000:]
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                    sock.sendall(b"GET /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    assert status_of(sock) == 200
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
                time.sleep(0.2)
        yield port
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)
        log.close()


def login_request(password: str, address: str) -> tuple[bytes, bytes]:
    """``POST /api/v1/auth/token`` from `address`, split just before the end of its headers."""
    body = json.dumps({"phone": PHONE, "password": password}).encode()
    head = ("POST /api/v1/auth/token HTTP/1.1\r\nHost: localhost\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"X-Forwarded-For: {address}\r\nConnection: close\r\n").encode()
    return head, b"\r\n" + body


def status_of(sock: socket.socket) -> int:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return int(data.split(b" ", 2)[1])


def pair(port: int, first: tuple[bytes, bytes], second: tuple[bytes, bytes]) -> list[int]:
    """Two logins, each answered by another worker (see the module's docstring)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as held, \
            socket.create_connection(("127.0.0.1", port), timeout=30) as other:
        held.sendall(first[0])
        other.sendall(b"".join(second))
        statuses = [status_of(other)]
        held.sendall(first[1])
        statuses.append(status_of(held))
    return statuses


def test_two_gunicorn_workers_on_redis_let_exactly_the_limit_through(redis_url, tmp_path):
    env = {**os.environ, "APP_ENV": "development", "SECRET_KEY": "test-workers-secret",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'timebank.sqlite3'}",
           "RATELIMIT_ENABLED": "true", "RATELIMIT_STORAGE_URI": redis_url, "PROXY_FIX_X_FOR": "1"}
    flask(env, "db", "upgrade")
    flask(env, "users", "create", "--role", "resident", "--phone", PHONE, "--name", "测试居民",
          "--password", PASSWORD)

    with gunicorn(env, tmp_path) as port:
        # Right passwords from one address: the per-address login limit.
        same_address = login_request(PASSWORD, "203.0.113.1")
        by_address = [status for _ in range(PAIRS) for status in pair(port, same_address, same_address)]
        # Wrong passwords, each from an address of its own: the per-phone limit on failures.
        by_phone = [status for number in range(PAIRS) for status in pair(
            port, login_request("wrong-pass", f"198.51.100.{2 * number + 1}"),
            login_request("wrong-pass", f"198.51.100.{2 * number + 2}"))]

    assert Counter(by_address) == {200: LOGIN_LIMIT, 429: 2 * PAIRS - LOGIN_LIMIT}, by_address
    assert Counter(by_phone) == {401: PHONE_LIMIT, 429: 2 * PAIRS - PHONE_LIMIT}, by_phone
    # Both workers answered logins (read once the server has stopped and flushed its log).
    workers = {line.split()[0] for line in (tmp_path / "access.log").read_text().splitlines()
               if line.endswith("/api/v1/auth/token")}
    assert len(workers) == 2, (tmp_path / "access.log").read_text()
