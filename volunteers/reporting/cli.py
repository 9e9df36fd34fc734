"""`flask export DATASET --output PATH`: the staff exports from the command line.

    flask --app app export checkins --month 2026-11 --station 3 --output checkins.xlsx
    flask --app app export hours --from 2026-01 --to 2026-12 --format csv --output -

An operator sees every station; headers are in Chinese (the platform's default language).
"""

import io
import os
import sys
import tempfile

import click
from flask.cli import AppGroup

from timebank.database import reads_only_command
from timebank.extensions import db
from timebank.org.models import Station
from volunteers.reporting import exports
from volunteers.reporting.filters import ReportFilters
from volunteers.themes import services as themes

export_cli = AppGroup("export", help="Export volunteers, activities, check-ins and hours.")


def _month(value: str | None, option: str) -> tuple[int, int] | None:
    if value is None:
        return None
    try:
        return themes.parse_month(value.strip())
    except ValueError:
        raise click.BadParameter("give the month as YYYY-MM, such as 2026-03",
                                 param_hint=option) from None


def _filters(month, first, last, station_id, theme_id) -> ReportFilters:
    if month and (first or last):
        raise click.UsageError("give either --month or --from/--to, not both")
    first = _month(first, "--from") or _month(month, "--month")
    last = _month(last, "--to") or _month(month, "--month")
    if first and last and first > last:
        raise click.BadParameter("the last month comes before the first", param_hint="--to")
    if station_id is not None and db.session.get(Station, station_id) is None:
        raise click.BadParameter(f"there is no station {station_id}", param_hint="--station")
    if theme_id is not None and db.session.get(themes.Theme, theme_id) is None:
        raise click.BadParameter(f"there is no theme {theme_id}", param_hint="--theme")
    return ReportFilters(first, last, station_id, theme_id)


def _write(dataset: exports.Dataset, filters: ReportFilters, fmt: str, output: str) -> int:
    if output == "-":
        sys.stdout.flush()
        out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
        try:
            return exports.write_csv(dataset, filters, out)
        finally:
            out.flush()
            out.detach()
    # Written beside the target and moved into place, so a failed export leaves no half file.
    folder = os.path.dirname(os.path.abspath(output))
    handle, partial = tempfile.mkstemp(dir=folder, prefix=".export-", suffix=f".{fmt}")
    try:
        with open(handle, "w" if fmt == "csv" else "wb",
                  **({"encoding": "utf-8", "newline": ""} if fmt == "csv" else {})) as out:
            if fmt == "csv":
                count = exports.write_csv(dataset, filters, out)
            else:
                count = exports.write_xlsx(dataset, filters, out)
        os.replace(partial, output)
    except BaseException:
        if os.path.exists(partial):
            os.unlink(partial)
        raise
    return count


def _command(dataset: exports.Dataset):
    @click.option("--format", "fmt", type=click.Choice(sorted(exports.FORMATS)), default=None,
                  help="xlsx or csv (default: from the output's extension; csv for -).")
    @click.option("--output", "-o", required=True, help="The file to write, or - for CSV on stdout.")
    @click.option("--month", default=None, help="One month, YYYY-MM.")
    @click.option("--from", "first", default=None, help="First month, YYYY-MM.")
    @click.option("--to", "last", default=None, help="Last month, YYYY-MM (included).")
    @click.option("--station", "station_id", type=int, default=None,
                  help="Only this station (default: every station).")
    @click.option("--theme", "theme_id", type=int, default=None, help="Only this theme.")
    @reads_only_command  # a long export must not hold SQLite's write lock
    def command(fmt, output, month, first, last, station_id, theme_id):
        filters = _filters(month, first, last, station_id, theme_id)
        if fmt is None:
            fmt = "csv" if output == "-" or output.lower().endswith(".csv") else "xlsx"
        if output == "-" and fmt != "csv":
            raise click.UsageError("an Excel file cannot go to stdout; give --output PATH")
        count = _write(dataset, filters, fmt, output)
        db.session.rollback()
        where = "stdout" if output == "-" else output
        click.echo(f"{count} rows of {dataset.name} written to {where}", err=output == "-")

    command.__doc__ = f"Export {dataset.name} (the same file as the staff page)."
    return export_cli.command(dataset.name)(command)


for _dataset in exports.DATASETS.values():
    _command(_dataset)
