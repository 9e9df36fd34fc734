"""A scheduler process for `tests/timebank/test_scheduler.py`:
``python -m tests.scheduler_process DATABASE_URL``.

The app on that database with one job in place of the real ones, ``tick``, every second, which
writes this process's id and the time into the table ``scheduler_ticks`` (made by the test).
It runs the real `timebank.scheduler.run`, so it stands by while another process leads.
"""

import logging
import os
import sys
import time

from sqlalchemy import text

from app import create_app
from timebank import scheduler
from timebank.extensions import db


def tick() -> int:
    db.session.execute(text("INSERT INTO scheduler_ticks (pid, at) VALUES (:pid, :at)"),
                       {"pid": os.getpid(), "at": time.time()})
    return os.getpid()


def main(url: str) -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    app = create_app({"TESTING": True, "APP_ENV": "testing", "SECRET_KEY": "test-secret",
                      "SQLALCHEMY_DATABASE_URI": url})
    app.extensions["timebank.jobs"] = {"tick": (tick, {"trigger": "interval", "seconds": 1})}
    scheduler.run(app, every=0.2)


if __name__ == "__main__":
    main(sys.argv[1])
