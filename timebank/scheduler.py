"""The scheduler process: `flask scheduler run`.

APScheduler 3 with its jobs in the database (SQLAlchemy job store), run as one process of its
own beside the web workers, so each job runs once however many workers there are. Jobs are
plain functions registered by name in ``app.extensions["timebank.jobs"]`` (name → (function,
trigger arguments)); each run gets an app context and commits once, or rolls back. Every job
is written so that running it twice does no harm.
"""

import logging

import click
from flask import current_app
from flask.cli import AppGroup

from timebank.extensions import db

log = logging.getLogger(__name__)
scheduler_cli = AppGroup("scheduler", help="Run scheduled jobs.")

_app = None


def run_job(name: str) -> None:
    """Run the job called `name` inside the app; APScheduler stores this by reference."""
    with _app.app_context():
        function, _trigger = _app.extensions["timebank.jobs"][name]
        try:
            result = function()
            db.session.commit()
            log.info("job %s done: %s", name, result)
        except Exception:
            db.session.rollback()
            log.exception("job %s failed", name)
            raise
        finally:
            db.session.remove()


def build_scheduler(app, scheduler_class=None):
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.blocking import BlockingScheduler

    global _app
    _app = app
    scheduler = (scheduler_class or BlockingScheduler)(
        jobstores={"default": SQLAlchemyJobStore(url=app.config["SQLALCHEMY_DATABASE_URI"],
                                                 tablename="scheduled_jobs")},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone=app.config["TIMEZONE"],
    )
    for name, (_function, trigger) in app.extensions["timebank.jobs"].items():
        scheduler.add_job("timebank.scheduler:run_job", args=[name], id=name, name=name,
                          replace_existing=True, **trigger)
    return scheduler


@scheduler_cli.command("run")
def run_command():
    """Run the scheduler in the foreground (one process per deployment)."""
    logging.basicConfig(level=logging.INFO)
    scheduler = build_scheduler(current_app._get_current_object())
    click.echo("scheduler running: " + ", ".join(sorted(current_app.extensions["timebank.jobs"])))
    scheduler.start()


@scheduler_cli.command("run-once")
@click.argument("name")
def run_once_command(name):
    """Run one job now, in this process (for operators and tests)."""
    jobs = current_app.extensions["timebank.jobs"]
    if name not in jobs:
        raise click.ClickException(f"no job called {name}; jobs: {', '.join(sorted(jobs))}")
    function, _trigger = jobs[name]
    result = function()
    db.session.commit()
    click.echo(f"{name}: {result}")
