"""Excel and CSV exports for staff: a page to choose a dataset and the filters, and the files.

A social worker or station manager exports their own station; a district administrator any
station or all of them (`volunteers.report_filters`). Each download is audited, and the audit
row is committed before the file is sent, so an interrupted export is still on record.
"""

from typing import TYPE_CHECKING

from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import Role, role_required
from timebank.audit import services as audit
from timebank.errors import InvalidInput
from timebank.extensions import db
from timebank.org import services as org
from volunteers.reporting import exports
from volunteers.reporting.filters import filters_for, sees_every_station, stations_visible_to
from volunteers.themes import services as themes

if TYPE_CHECKING:
    from volunteers.themes.models import Theme

bp = Blueprint("exports", __name__, url_prefix="/reports/exports")

#: Bytes sent at a time from an Excel file.
CHUNK = 64 * 1024


def _themes() -> list["Theme"]:
    """Themes the viewer can filter by: the district's and their station's (or every one)."""
    if sees_every_station(current_user):
        return themes.themes_to_filter_by(None, every_station=True)
    return themes.themes_to_filter_by(org.station_id_of(current_user))


def _page(errors: dict | None = None, status: int = 200, **chosen):
    return render_template(
        "reports/exports.html", datasets=exports.DATASETS, errors=errors or {},
        values={**request.args.to_dict(), **chosen}, stations=stations_visible_to(current_user),
        every_station=sees_every_station(current_user), themes=_themes(),
        own_station=post.station if (post := org.post_of(current_user)) else None,
    ), status


@bp.get("/")
@role_required(Role.SOCIAL_WORKER)
def index():
    """The form; submitted (it sends `dataset`), it checks the choice and sends to the file."""
    try:
        filters = filters_for(current_user, request.args)
    except InvalidInput as error:
        return _page(error.fields, 422)
    if "dataset" not in request.args:
        return _page()
    dataset, fmt = request.args.get("dataset"), request.args.get("format", "xlsx")
    problems = {}
    if dataset not in exports.DATASETS:
        problems["dataset"] = [_("Choose what to export.")]
    if fmt not in exports.FORMATS:
        problems["format"] = [_("Choose from the list.")]
    if problems:
        return _page(problems, 422)
    return redirect(url_for("exports.download", dataset=dataset, fmt=fmt,
                            **filters.query_args()))


@bp.get("/<dataset>.<fmt>")
@role_required(Role.SOCIAL_WORKER)
def download(dataset: str, fmt: str):
    chosen = exports.DATASETS.get(dataset)
    if chosen is None or fmt not in exports.FORMATS:
        abort(404)
    try:
        filters = filters_for(current_user, request.args)
    except InvalidInput as error:
        return _page(error.fields, 422, dataset=dataset, format=fmt)
    audit.record("report.export", f"export:{dataset}", dataset=dataset, format=fmt,
                 filters=filters.query_args())
    db.session.commit()
    headers = {"Content-Disposition": f'attachment; filename="{exports.filename(chosen, filters, fmt)}"',
               "Cache-Control": "no-store"}
    if fmt == "csv":
        return Response(stream_with_context(exports.csv_chunks(chosen, filters)),
                        content_type=exports.FORMATS[fmt], headers=headers)
    handle = exports.xlsx_file(chosen, filters)
    db.session.rollback()  # the rows are read: end the transaction before the file is sent
    size = handle.seek(0, 2)
    handle.seek(0)
    response = Response(_chunks(handle), content_type=exports.FORMATS[fmt], headers=headers,
                        direct_passthrough=True)
    response.content_length = size
    response.call_on_close(handle.close)  # also when the client leaves before the end
    return response


def _chunks(handle):
    with handle:
        while chunk := handle.read(CHUNK):
            yield chunk
