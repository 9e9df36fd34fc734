"""Operator commands: `flask users create`, `flask seed-demo`."""

import click
from flask import current_app
from flask.cli import AppGroup
from marshmallow import ValidationError

from timebank import audit, ledger, users
from timebank.errors import ServiceError, localise
from timebank.extensions import db
from timebank.permissions import Role
from timebank.schemas import RegisterSchema

users_cli = AppGroup("users", help="Manage user accounts.")


def _fail(fields: dict) -> click.ClickException:
    lines = [f"{name}: {' '.join(map(str, messages))}" for name, messages in fields.items()]
    return click.ClickException("\n".join(lines))


@users_cli.command("create")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice([role.value for role in Role]), help="Repeat for several roles.")
@click.option("--phone", required=True)
@click.option("--password", required=True, prompt=True, hide_input=True)
@click.option("--name", required=True)
def create_user_command(roles, phone, password, name):
    """Create a user with the given roles."""
    try:
        data = RegisterSchema().load({"phone": phone, "password": password, "name": name})
        user = users.create_user(data["phone"], data["password"], data["name"], roles=roles)
    except ValidationError as error:
        raise _fail(localise(error.messages)) from None
    except ServiceError as error:
        raise _fail(error.fields or {"error": [error.message]}) from None
    audit.record("user.create", f"user:{user.id}", roles=list(roles), via="cli")
    db.session.commit()
    click.echo(f"created user {user.id} ({user.phone}) with roles {', '.join(roles)}")


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="Allow in production (never do this with real data).")
def seed_demo_command(force):
    """Load the demo data once; running it again adds nothing."""
    if current_app.config["APP_ENV"] == "production" and not force:
        raise click.ClickException("refusing to load demo data in production (use --force)")
    for seeder in current_app.extensions["timebank.demo_seeders"]:
        seeder()
    db.session.commit()
    click.echo("demo data is loaded")


ledger_cli = AppGroup("ledger", help="Inspect the hour ledger.")


@ledger_cli.command("verify")
def verify_command():
    """Check every invariant of the ledger; exit 1 and say what broke."""
    problems = ledger.verify()
    if problems:
        for problem in problems:
            click.echo(f"BROKEN: {problem}", err=True)
        raise SystemExit(1)
    figures = ledger.counts()
    click.echo("ledger OK: {accounts} accounts, {transfers} transfers, {entries} entries; "
               "every transfer and the whole ledger sum to zero, every cached balance "
               "matches its entries, none is below its minimum".format(**figures))
