"""The real server for tests that need separate processes: ``gunicorn 'app:create_app()'`` on a
free port, in a process group of its own that is always ended, errors included."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(process: subprocess.Popen, port: int, log_path: Path, seconds: int = 60) -> None:
    """Until the server answers any HTTP request (or fail, with the tail of its log)."""
    deadline = time.monotonic() + seconds
    while True:
        assert process.poll() is None, f"gunicorn exited:\n{log_path.read_text()[-3000:]}"
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", "/login")
            connection.getresponse().read()
            return
        except OSError:
            assert time.monotonic() < deadline, f"gunicorn did not answer within {seconds} s"
            time.sleep(0.2)
        finally:
            connection.close()


@contextmanager
def gunicorn(env: dict, log_path: Path, *, workers: int = 2, timeout: int = 60, args: tuple = ()):
    """``gunicorn -w workers`` with `env` (on top of this process's environment); yields its port.

    Its output goes to `log_path`; `args` are more of gunicorn's options (an access log, say).
    """
    port = free_port()
    with open(log_path, "w") as log:
        process = subprocess.Popen(  # noqa: S603 -- our own gunicorn, our own arguments
            [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
             "--timeout", str(timeout), *args, "app:create_app()"],
            cwd=REPO, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        _wait_until_up(process, port, log_path)
        yield port
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)
