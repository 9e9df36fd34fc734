"""`flask official import PATH --batch NAME [--system izy|national] [--date YYYY-MM-DD]
[--dry-run]`: mark the records of a result list 已补录 (all rows or none), and `flask official
export --month YYYY-MM [--station ID] [--system] [--pending] --output PATH`.

An operator acts for every station; each run that marks records is audited (no actor)."""

from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup

from timebank.errors import Conflict, InvalidInput
from timebank.extensions import db
from timebank.imports.services import ImportFileError
from volunteers.official import services as official
from volunteers.official.models import System
from volunteers.themes import services as themes

official_cli = AppGroup("official", help="The official export (补录) and its result lists.")
SYSTEMS = click.Choice([system.value for system in System])


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("give the day as YYYY-MM-DD", param_hint="--date") from None


@official_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--batch", required=True, help="The batch's name (at most 40 characters).")
@click.option("--system", type=SYSTEMS, default=System.IZY.value, show_default=True)
@click.option("--date", "day", help="The day the records were entered, where the file gives "
              "none (default: today).")
@click.option("--dry-run", is_flag=True, help="Check the file and say what would change; "
              "write nothing.")
def import_command(path, batch, system, day, dry_run):
    """Mark the successful rows of a result list (记录编号, 补录结果, 补录日期) 已补录."""
    try:
        result = official.import_results(path, filename=path.name, system=system, batch=batch,
                                         day=_day(day), dry_run=dry_run)
    except ImportFileError as error:
        db.session.rollback()
        for problem in error.problems:
            click.echo(f"error: {problem}", err=True)
        raise SystemExit(1) from None
    except (InvalidInput, Conflict) as error:
        db.session.rollback()
        for name, messages in (error.fields or {"": [error.message]}).items():
            click.echo(f"error: {name} {' '.join(map(str, messages))}".replace("  ", " "), err=True)
        raise SystemExit(1) from None
    summary = (f"{result.rows} rows: {result.matched} to mark, {result.already} already "
               f"synced, {result.not_marked} not marked, {result.unknown} unknown, "
               f"{result.refused} refused")
    if not result.ok:
        db.session.rollback()
        for problem in result.problems:
            click.echo(f"bad row: {problem}", err=True)
        click.echo(f"nothing written: {summary}", err=True)
        raise SystemExit(1)
    if dry_run:
        db.session.rollback()
        click.echo(f"dry run, nothing written; {summary}")
        return
    db.session.commit()
    click.echo(f"imported {path.name} as batch {result.batch}: {summary}")


@official_cli.command("export")
@click.option("--month", required=True, help="YYYY-MM (the activities' start).")
@click.option("--station", "station_id", type=int, help="A station's id; every station if "
              "left out.")
@click.option("--system", type=SYSTEMS, default=System.IZY.value, show_default=True)
@click.option("--pending", is_flag=True, help="Only the records still 待补录.")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
def export_command(month, station_id, system, pending, output):
    """Write the official export of a month as an Excel file (ID numbers in full)."""
    try:
        year, number = themes.parse_month(month.strip())
    except ValueError:
        raise click.BadParameter("give the month as YYYY-MM", param_hint="--month") from None
    scope = official.Scope(year, number, station_id, System(system), pending)
    with output.open("wb") as handle:
        summary = official.write_export(scope, handle)
    db.session.commit()
    click.echo(f"wrote {output}: {summary.rows} records, {summary.pending} still to enter, "
               f"{len(summary.without_id)} without an ID number")
