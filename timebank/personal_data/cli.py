"""``flask personal-data review``: flag the accounts inactive for longer than the district keeps
them (the scheduler runs the same daily)."""

import click
from flask.cli import AppGroup

from timebank.extensions import db
from timebank.personal_data import services as personal

personal_data_cli = AppGroup("personal-data", help="A resident's own data: retention review.")


@personal_data_cli.command("review")
def review_command():
    """Flag accounts not used for the district's retention period, for a decision."""
    flagged = personal.review()
    db.session.commit()
    click.echo(f"flagged {flagged} account(s) not used for {personal.retention_years()} years")
