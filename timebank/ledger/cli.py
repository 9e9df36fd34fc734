"""`flask ledger verify`: the ledger's invariants, checked from the command line."""

import click
from flask.cli import AppGroup

from timebank.database import reads_only_command
from timebank.ledger import queries as ledger_queries

ledger_cli = AppGroup("ledger", help="Inspect the hour ledger.")


@ledger_cli.command("verify")
@reads_only_command  # reads the whole ledger: SQLite writers must not wait for it
def verify_command():
    """Check every invariant of the ledger; exit 1 and say what broke."""
    problems = ledger_queries.verify()
    if problems:
        for problem in problems:
            click.echo(f"BROKEN: {problem}", err=True)
        raise SystemExit(1)
    figures = ledger_queries.counts()
    click.echo("ledger OK: {accounts} accounts, {transfers} transfers, {entries} entries; "
               "every transfer and the whole ledger sum to zero, every cached balance "
               "matches its entries, none is below its minimum".format(**figures))
