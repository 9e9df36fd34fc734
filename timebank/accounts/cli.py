"""`flask users create`: accounts made by an operator."""

import click
from flask.cli import AppGroup
from marshmallow import ValidationError

from timebank.accounts import services as users
from timebank.accounts.permissions import Role
from timebank.accounts.schemas import RegisterSchema
from timebank.audit import services as audit
from timebank.errors import ServiceError, localise
from timebank.extensions import db

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
