"""`flask import geography|staff|volunteers PATH [--dry-run]`."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from timebank.extensions import db
from timebank.imports import services as imports


def _summary(result: imports.ImportResult) -> str:
    return (f"{result.rows} rows: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged")


@click.command("import")
@click.argument("kind")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and say what would change; "
              "write nothing.")
@with_appcontext
def import_command(kind, path, dry_run):
    """Load a CSV or XLSX file of KIND (geography, staff or volunteers): all rows or none."""
    known = imports.importers()
    if kind not in known:
        raise click.UsageError(f"KIND must be one of: {', '.join(sorted(known))}")

    def progress(phase, rows):
        click.echo(f"{phase} {rows} rows …", err=True)

    try:
        result = imports.run(kind, path, filename=path.name, dry_run=dry_run, progress=progress)
    except imports.ImportFileError as error:
        db.session.rollback()
        for problem in error.problems:
            click.echo(f"error: {problem}", err=True)
        raise SystemExit(1) from None
    if not result.ok:
        db.session.rollback()
        for problem in result.problems:
            click.echo(f"bad row: {problem}", err=True)
        if result.problem_count > len(result.problems):
            click.echo(f"… and {result.problem_count - len(result.problems)} more", err=True)
        click.echo(f"nothing written: {result.problem_count} problems in {result.rows} rows",
                   err=True)
        raise SystemExit(1)
    if dry_run:
        db.session.rollback()
        click.echo(f"dry run, nothing written; would be {_summary(result)}")
        return
    db.session.commit()
    click.echo(f"imported {path.name}: {_summary(result)}")
