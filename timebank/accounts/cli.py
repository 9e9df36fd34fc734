"""`flask users create`: accounts made by an operator."""

import click
from flask.cli import AppGroup
from marshmallow import ValidationError

from timebank.accounts import services as users
from timebank.accounts.permissions import Role
from timebank.accounts.schemas import RegisterSchema
from timebank.audit import services as audit
from timebank.clock import now
from timebank.errors import ServiceError, localise
from timebank.exchange.merchants import services as merchants
from timebank.extensions import db
from timebank.org import services as org
from timebank.web.inputs import INT_MAX

users_cli = AppGroup("users", help="Manage user accounts.")

#: Roles that work for one station, and so need a post there.
STATION_ROLES = (Role.SOCIAL_WORKER.value, Role.STATION_MANAGER.value)


def _fail(fields: dict) -> click.ClickException:
    lines = [f"{name}: {' '.join(map(str, messages))}" for name, messages in fields.items()]
    return click.ClickException("\n".join(lines))


@users_cli.command("create")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice([role.value for role in Role]), help="Repeat for several roles.")
@click.option("--phone", required=True)
@click.option("--password", required=True, prompt=True, hide_input=True)
@click.option("--name", required=True)
@click.option("--station", "station_id", type=click.IntRange(1, INT_MAX),
              help="Post a staff member at this station (its id).")
@click.option("--grid-team", "grid_team_id", type=click.IntRange(1, INT_MAX),
              help="And in this grid team of the station (its id); needs --station.")
def create_user_command(roles, phone, password, name, station_id, grid_team_id):
    """Create a user with the given roles; staff are posted to the station (and grid team) given."""
    if grid_team_id is not None and station_id is None:
        raise click.UsageError("--grid-team needs --station")
    try:
        data = RegisterSchema().load({"phone": phone, "password": password, "name": name})
        user = users.create_user(data["phone"], data["password"], data["name"], roles=roles)
        # The operator vouches for the number: the first administrator must be able to log in
        # before any SMS gateway is set up.
        user.phone_verified_at = now()
        if station_id is not None:
            org.post_staff(user, station_id, grid_team_id)
        if Role.MERCHANT.value in roles:  # an operator's merchant trades at once
            merchants.ensure_profile(user)
    except ValidationError as error:
        db.session.rollback()
        raise _fail(localise(error.messages)) from None
    except ServiceError as error:
        db.session.rollback()
        raise _fail(error.fields or {"error": [error.message]}) from None
    post = {"station_id": station_id, "grid_team_id": grid_team_id} if station_id else {}
    audit.record("user.create", f"user:{user.id}", roles=list(roles), via="cli", **post)
    db.session.commit()
    posted = f", posted at station {station_id}" if station_id is not None else ""
    click.echo(f"created user {user.id} ({user.phone}) with roles {', '.join(roles)}{posted}")
    if station_id is None and any(role in STATION_ROLES for role in roles) \
            and Role.DISTRICT_ADMIN.value not in roles:
        click.echo("note: this staff member has no station yet, so they cannot work on any "
                   "station's activities; give --station ID", err=True)
