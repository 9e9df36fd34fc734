"""The official export's pages for station managers and district administrators: choose a
month (a station, the district administrator all of them) and a system, see what the file
holds, map activities to their external project ids, download the file, and import the result
list back (upload, preview with the counts, confirm).

The uploaded result list is kept under the instance folder between the preview and the
confirmation, so the confirmation applies exactly the file that was previewed (checked again,
all rows or none); a preview never confirmed is removed a day later. A result list is small
(a month's records, within the app's 1 MiB body limit), so both run in the request.
"""

import json
import os
import secrets
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import Role, has_role, role_required
from timebank.clock import local, now, this_month
from timebank.errors import InvalidInput, PermissionDenied
from timebank.extensions import db
from timebank.imports.services import ImportFileError
from timebank.org import services as org
from timebank.web import uploads
from timebank.web.actions import attempt, messages_of
from timebank.web.forms import load_form, safe_next
from volunteers.activities import services as activities
from volunteers.official import services as official
from volunteers.official.schemas import ExportQuerySchema, ImportFormSchema, ProjectFormSchema

bp = Blueprint("official", __name__, url_prefix="/station/official")

#: Bytes sent at a time from the workbook.
CHUNK = 64 * 1024
#: Previews never confirmed (their uploads hold ID numbers) are removed after this long.
KEEP_SECONDS = 24 * 3600


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "official-imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _query() -> tuple[dict, dict]:
    query, errors = load_form(ExportQuerySchema(), request.args)
    if query is None:
        query = ExportQuerySchema().load({})
    if query["month"] is None:
        query["month"] = "{:04d}-{:02d}".format(*this_month())
    return query, errors


def _scope(query: dict) -> official.Scope:
    year, month = (int(part) for part in query["month"].split("-"))
    return official.scope_for(current_user, month=(year, month), station_id=query["station_id"],
                              system=query["system"], only_pending=query["pending"])


def _page(query: dict, errors: dict, status: int = 200, **context):
    scope = _scope(query)
    rows = list(official.export_rows(scope))
    summary = official.summarise(rows)
    listed: dict[int, dict] = {}
    for row in rows:
        entry = listed.setdefault(row.activity_id, {
            "id": row.activity_id, "title": row.activity, "day": local(row.start).date(),
            "project_id": row.project_id, "records": 0, "pending": 0})
        entry["records"] += 1
        entry["pending"] += 0 if row.synced else 1
    every = has_role(current_user, Role.DISTRICT_ADMIN)
    post = org.post_of(current_user)
    context.setdefault("result", None)
    context.setdefault("token", None)
    context.setdefault("import_errors", {})
    return render_template(
        "official/index.html", query=query, errors=errors, scope=scope, summary=summary,
        activities=list(listed.values()), systems=official.SYSTEMS, every_station=every,
        stations=org.all_stations() if every else [],
        station=org.get_station(scope.station_id) if scope.station_id else None,
        own_station=post.station if post else None, today=local(now()).date(), **context,
    ), status


@bp.get("/")
@role_required(Role.STATION_MANAGER)
def index():
    query, errors = _query()
    return _page(query, errors, 422 if errors else 200)


@bp.get("/export.xlsx")
@role_required(Role.STATION_MANAGER)
def download():
    query, errors = _query()
    if errors:
        return _page(query, errors, 422)
    scope = _scope(query)
    handle = _spooled()
    try:
        official.write_export(scope, handle, by=current_user)
        db.session.commit()  # the audit row is on record before the file leaves
    except BaseException:
        handle.close()
        raise
    size = handle.seek(0, 2)
    handle.seek(0)
    response = Response(_chunks(handle), content_type=official.XLSX, direct_passthrough=True,
                        headers={"Content-Disposition":
                                 f'attachment; filename="{scope.filename()}"',
                                 "Cache-Control": "no-store"})
    response.content_length = size
    response.call_on_close(handle.close)
    return response


def _spooled():
    import tempfile

    return tempfile.TemporaryFile(prefix="official-", suffix=".xlsx")


def _chunks(handle):
    with handle:
        while chunk := handle.read(CHUNK):
            yield chunk


@bp.post("/activities/<int:activity_id>/project")
@role_required(Role.SOCIAL_WORKER)
def set_project(activity_id: int):
    """Map an activity to its project id in a system (staff of its station); blank removes."""
    activity = activities.station_activity(current_user, activity_id)
    back = safe_next(request.form.get("next"), url_for("station.activity_detail",
                                                       activity_id=activity.id))
    data, errors = load_form(ProjectFormSchema())

    def save():
        if data is None:
            raise InvalidInput(fields=errors)
        return official.set_project(activity, data["system"], data["external_id"],
                                    by=current_user)

    saved = attempt(save)
    if saved.error is not None:
        flash(messages_of(saved.error), "error")
    elif saved.result:
        flash(_("“%(title)s” is project %(project)s in %(system)s.", title=activity.title,
                project=saved.result, system=official.SYSTEMS[data["system"]]), "success")
    else:
        flash(_("“%(title)s” has no project id in %(system)s now.", title=activity.title,
                system=official.SYSTEMS[data["system"]]), "success")
    return redirect(back)


# --- importing the result list ------------------------------------------------------------------

def _paths(token: str) -> dict[str, Path]:
    if not (0 < len(token) <= 64) or not token.replace("-", "").replace("_", "").isalnum():
        abort(404)
    folder = _folder()
    # openpyxl opens only files named .xlsx; a CSV is told apart by its content and its name
    return {"meta": folder / f"{token}.json", "upload": folder / f"{token}.upload.xlsx",
            "confirmed": folder / f"{token}.confirmed"}


def _run(paths: dict[str, Path], meta: dict, *, dry_run: bool):
    from datetime import date

    return official.import_results(
        paths["upload"], filename=meta["filename"], system=meta["system"], batch=meta["batch"],
        day=date.fromisoformat(meta["day"]) if meta.get("day") else None, by=current_user,
        dry_run=dry_run)


@bp.post("/import")
@role_required(Role.STATION_MANAGER)
def upload():
    """Keep the uploaded result list and show its preview: what would be marked, what is
    already, and each unknown or bad row by its number."""
    query, _errors = _query()
    data, errors = load_form(ImportFormSchema())
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        errors = {**errors, "file": [_("Choose a file to upload.")]}
    if errors:
        return _page(query, {}, 422, import_errors=errors)
    uploads.remove_old_files(_folder(), KEEP_SECONDS)
    token = secrets.token_urlsafe(24)
    paths = _paths(token)
    upload.save(paths["upload"])
    meta = {"filename": upload.filename, "system": data["system"], "batch": data["batch"].strip(),
            "day": data["day"].isoformat() if data["day"] else None, "user_id": current_user.id}
    paths["meta"].write_text(json.dumps(meta, ensure_ascii=False))
    try:
        result = _run(paths, meta, dry_run=True)
    except ImportFileError as error:
        paths["upload"].unlink(missing_ok=True)
        return _page(query, {}, 422, import_errors={"file": error.fields["file"]})
    except InvalidInput as error:
        paths["upload"].unlink(missing_ok=True)
        return _page(query, {}, 422, import_errors=error.fields)
    finally:
        db.session.rollback()
    if not result.ok or not result.matched:
        paths["upload"].unlink(missing_ok=True)
    query["system"] = data["system"]
    return _page(query, {}, 200 if result.ok else 422, result=result,
                 token=token if result.ok and result.matched else None)


@bp.post("/import/confirm")
@role_required(Role.STATION_MANAGER)
def confirm():
    """Mark the previewed file's records 已补录 (checked again: all rows or none), or drop it."""
    token = request.form.get("token", "")
    paths = _paths(token)
    if not paths["meta"].exists():
        abort(404)
    meta = json.loads(paths["meta"].read_text())
    if meta["user_id"] != current_user.id:
        abort(404)
    back = url_for(".index", system=meta["system"])
    if request.form.get("cancel"):
        paths["upload"].unlink(missing_ok=True)
        flash(_("The file was dropped; nothing was marked."), "info")
        return redirect(back)
    if not paths["upload"].exists() or not _confirm_once(paths["confirmed"]):
        abort(409)  # dropped, or confirmed already
    try:
        done = attempt(lambda: _run(paths, meta, dry_run=False),
                       let_through=PermissionDenied)
    except ImportFileError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(back)
    finally:
        paths["upload"].unlink(missing_ok=True)
    if done.error is not None:
        flash(messages_of(done.error), "error")
    elif not done.result.ok:
        flash(_("The file changed since its preview; nothing was marked: %(problems)s",
                problems="; ".join(map(str, done.result.problems[:5]))), "error")
    else:
        flash(_("%(count)d records marked as entered (已补录) in batch %(batch)s; %(already)d were already.",
                count=done.result.matched, batch=meta["batch"], already=done.result.already),
              "success")
    return redirect(back)


def _confirm_once(path: Path) -> bool:
    """Mark the preview confirmed; False if it already was (a double click, two tabs)."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True
