"""Operator command: `flask match run --month YYYY-MM [--station ID]`."""

import time

import click
from flask.cli import AppGroup

from timebank.errors import NotFound
from timebank.extensions import db
from timebank.org.services import get_station
from volunteers.matching import services as match_runs
from volunteers.themes import services as themes

match_cli = AppGroup("match", help="Match volunteers to the month's activities.")


@match_cli.command("run")
@click.option("--month", required=True, help="YYYY-MM")
@click.option("--station", "station_id", type=int, default=None,
              help="Only this station's activities (default: every station).")
def run_command(month, station_id):
    """Propose volunteers for a month's published activities and store the run."""
    try:
        year, number = themes.parse_month(month)
    except ValueError:
        raise click.BadParameter("give the month as YYYY-MM, such as 2026-03",
                                 param_hint="--month") from None
    if station_id is not None:
        try:
            get_station(station_id)
        except NotFound as error:
            raise click.BadParameter(error.message, param_hint="--station") from None
    started = time.perf_counter()
    run = match_runs.run_matching(year, number, station_id, source=match_runs.RunSource.CLI)
    db.session.commit()
    seconds = time.perf_counter() - started
    where = f"station {station_id}" if station_id is not None else "all stations"
    click.echo(f"matching run {run.id} for {run.month_key} ({where}) in {seconds:.2f} s")
    click.echo(f"  activities with places left: {run.activity_count}")
    click.echo(f"  places to fill:              {run.place_count}")
    click.echo(f"  proposals:                   {run.proposal_count}")
    click.echo(f"  total score:                 {run.total_score}")
    if run.proposal_count:
        click.echo(f"  mean score:                  {run.total_score / run.proposal_count:.1f}")
