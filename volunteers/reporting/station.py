"""The monthly station report for staff: ``/station/reports/monthly`` (the page, a month picker)
and its Excel and PDF downloads. A social worker or station manager reads their own station's;
a district administrator any station (the station pages' picker, or ``?station_id=``).
Each download is audited (``report.station_monthly.export``) and committed before it is sent."""

from flask import Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import Role, role_required
from timebank.audit import services as audit
from timebank.clock import local, now, shift_month
from timebank.errors import InvalidInput
from timebank.extensions import db
from volunteers.pages import my_station
from volunteers.pages import station_bp as bp
from volunteers.reporting import monthly, monthly_files
from volunteers.reporting.filters import sees_every_station, stations_visible_to
from volunteers.themes import services as themes

FILES = {"xlsx": (monthly_files.xlsx, monthly_files.XLSX),
         "pdf": (monthly_files.pdf, monthly_files.PDF)}


def last_month() -> tuple[int, int]:
    today = local(now())
    return shift_month(today.year, today.month, -1)


def month_asked(value: str | None) -> tuple[int, int]:
    """``?month=YYYY-MM``; last month when absent. A bad month is refused (422)."""
    if not value:
        return last_month()
    try:
        return themes.parse_month(value.strip())
    except ValueError:
        raise InvalidInput(fields={"month": [_("Enter a month as YYYY-MM.")]}) from None


def _report_for_viewer():
    station = my_station()
    monthly.require_reader(current_user, station.id)
    month = month_asked(request.args.get("month"))
    return station, month, monthly.station_report(station.id, month).to_dict()


@bp.get("/reports/monthly")
@role_required(Role.SOCIAL_WORKER)
def monthly_report():
    station = my_station()
    context = {"station": station, "stations": stations_visible_to(current_user),
               "every_station": sees_every_station(current_user), "errors": {},
               "value_text": monthly.value_text, "title_text": monthly.title_text}
    try:
        station, month, report = _report_for_viewer()
    except InvalidInput as error:
        return render_template("reporting/monthly.html", report=None,
                               month=request.args.get("month", ""), errors=error.fields,
                               **{k: v for k, v in context.items() if k != "errors"}), 422
    return render_template("reporting/monthly.html", report=report,
                           month="{:04d}-{:02d}".format(*month), **context)


def _download(fmt: str) -> Response:
    station, month, report = _report_for_viewer()
    audit.record("report.station_monthly.export", f"station:{station.id}", station_id=station.id,
                 month=report["first"], format=fmt)
    db.session.commit()
    render, content_type = FILES[fmt]
    body = render(report)
    db.session.rollback()
    return Response(body, content_type=content_type, headers={
        "Content-Disposition": f'attachment; filename="{monthly_files.filename(report, fmt)}"',
        "Cache-Control": "no-store"})


@bp.get("/reports/monthly.xlsx")
@role_required(Role.SOCIAL_WORKER)
def monthly_report_xlsx():
    return _download("xlsx")


@bp.get("/reports/monthly.pdf")
@role_required(Role.SOCIAL_WORKER)
def monthly_report_pdf():
    return _download("pdf")


@bp.app_template_global()
def report_value_text(value, unit: str) -> str:
    """A report figure's value in words (`monthly.value_text`), for `_station_report.html`."""
    return monthly.value_text(value, unit)


@bp.app_template_global()
def report_cell_text(cell) -> str:
    """A report table's cell: numbers with one decimal (hours, percent, averages), ``–``."""
    return monthly_files.cell_text(cell)


@bp.app_template_global()
def report_moment_text(iso: str) -> str:
    """When a report was made, in the platform's zone (`monthly.moment_text`)."""
    return monthly.moment_text(iso)
