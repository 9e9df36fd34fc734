"""``flask notifications deliver``: send the outbox's messages that are due."""

import logging
import time

import click
from flask.cli import AppGroup

from timebank.extensions import db
from timebank.notifications import delivery

notifications_cli = AppGroup("notifications", help="Deliver notices by SMS and WeChat.")


@notifications_cli.command("deliver")
@click.option("--loop", is_flag=True, help="Keep going: a pass, then a pause, until stopped.")
@click.option("--interval", default=30, show_default=True, type=click.IntRange(1, 3600),
              help="Seconds between passes with --loop.")
@click.option("--limit", default=1000, show_default=True, type=click.IntRange(1),
              help="Messages one pass sends at most.")
def deliver_command(loop, interval, limit):
    """Send the SMS and WeChat messages that are due (one pass unless --loop)."""
    logging.basicConfig(level=logging.INFO)
    while True:
        counts = delivery.deliver_due(limit)
        db.session.remove()
        click.echo(", ".join(f"{name} {count}" for name, count in counts.items()))
        if not loop:
            return
        time.sleep(interval)
