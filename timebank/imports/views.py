"""The import page for district administrators (and station managers, for their station's
volunteers): choose a kind, download its template, upload a file, see the dry run (what would
be created and updated, each bad row with its number, column and reason), then confirm.

The upload is stored under the instance folder (``IMPORT_UPLOAD_FOLDER``) between the dry run
and the confirmation, so the confirmation applies exactly the file that was checked (checked
again, all rows or none, in one transaction). Both the dry run and the import run in a
background thread of the worker that took the request, so a file of 100,000 rows does not
outlast gunicorn's request timeout: the page `/admin/imports/run/<token>` shows the rows done
so far and reloads itself every two seconds until the job ends (no script needed), and
`/admin/imports/run/<token>.json` gives the same status to anything that polls. The job's
status is a small JSON file beside the upload; if the worker dies mid-import its transaction
is rolled back (nothing written) and the page says the job stopped.

This page alone accepts bodies up to ``IMPORT_MAX_UPLOAD_BYTES`` (20 MB); a bigger file gets
the page with a clear message (413) and nothing is read or written.
"""

import json
import os
import secrets
import threading
import time
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from timebank.accounts import services as users
from timebank.accounts.permissions import Role, role_required
from timebank.database import deferred_begin
from timebank.extensions import db
from timebank.imports import services as imports
from timebank.web import uploads

bp = Blueprint("imports", __name__, url_prefix="/admin/imports")

_TOKEN_LENGTH = 24
#: Rows between two updates of a running job's status.
PROGRESS_EVERY = 1000
#: A running job whose status has not moved for this long has stopped (its worker died).
STALE_SECONDS = 600
#: Uploads and job files older than this are removed when the next file is uploaded.
KEEP_SECONDS = 7 * 24 * 3600


def _folder() -> Path:
    folder = Path(current_app.config["IMPORT_UPLOAD_FOLDER"]
                  or Path(current_app.instance_path) / "imports")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _page(status: int = 200, **context):
    kinds = imports.kinds_for(current_user)
    context.setdefault("chosen", request.args.get("kind") or (kinds[0].kind if kinds else ""))
    for name in ("result", "token", "error", "problems", "job"):
        context.setdefault(name, None)
    return render_template("admin/imports.html", kinds=kinds, **context), status


@bp.get("/")
@role_required(Role.STATION_MANAGER)
def index():
    return _page()


@bp.get("/template/<kind>.<fmt>")
@role_required(Role.STATION_MANAGER)
def template(kind, fmt):
    if fmt not in imports.FORMATS or kind not in imports.importers():
        abort(404)
    mimetype = ("text/csv; charset=utf-8" if fmt == "csv" else
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return Response(imports.template_file(kind, fmt), mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename={kind}-template.{fmt}"})


def allow_large_uploads() -> None:
    """``before_request``, run before the hooks that read the body (CSRF, the check for NUL
    bytes): the upload alone may be as large as ``IMPORT_MAX_UPLOAD_BYTES``."""
    if request.endpoint == "imports.check":
        request.max_content_length = current_app.config["IMPORT_MAX_UPLOAD_BYTES"]


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    limit = current_app.config["IMPORT_MAX_UPLOAD_BYTES"]
    return _page(413, error=_(
        "The file is larger than %(size)d MB, so it was not read and nothing was written. "
        "Split it into several files.", size=limit // (1024 * 1024)))


# --- stored uploads and their jobs ---------------------------------------------------------------

def _paths(token: str) -> dict[str, Path]:
    if len(token) > 64 or not token.replace("-", "").replace("_", "").isalnum():
        abort(404)
    folder = _folder()
    return {"meta": folder / f"{token}.json", "upload": folder / f"{token}.upload",
            "status": folder / f"{token}.status.json", "confirmed": folder / f"{token}.confirmed"}


def _confirm_once(path: Path) -> bool:
    """Mark the dry run confirmed; False if it already was. Creating the file is atomic, so of
    two confirmations sent at once (a double click, two tabs) only one starts the import."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def _meta(token: str) -> dict:
    """The stored upload's description; 404 unless it is the current user's."""
    paths = _paths(token)
    if not paths["meta"].exists():
        abort(404)
    meta = json.loads(paths["meta"].read_text())
    if meta["user_id"] != current_user.id:
        abort(404)
    return meta


def _write_status(path: Path, **status) -> None:
    status["updated_at"] = time.time()
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(status, ensure_ascii=False))
    partial.replace(path)  # readers never see half a file


def _status(token: str) -> dict:
    path = _paths(token)["status"]
    status = json.loads(path.read_text()) if path.exists() else {"state": "none"}
    if status["state"] == "running" and time.time() - status["updated_at"] > STALE_SECONDS:
        status = {**status, "state": "stopped"}
    return status


def _job(app, token: str, paths: dict[str, Path], meta: dict, dry_run: bool) -> None:
    """Run the import (or its dry run) of a stored upload, writing its status as it goes."""
    if dry_run:
        deferred_begin.set(True)  # only reads: on SQLite, no write lock for the check
    with app.app_context():
        base = {"dry_run": dry_run, "kind": meta["kind"], "filename": meta["filename"]}

        def progress(phase, rows):
            _write_status(paths["status"], state="running", phase=phase, rows=rows, **base)

        status = {"state": "failed"}
        try:
            by = users.get_user(meta["user_id"])
            result = imports.run(meta["kind"], paths["upload"], filename=meta["filename"],
                                 dry_run=dry_run, by=by, progress=progress,
                                 every=PROGRESS_EVERY)
            if result.applied:
                db.session.commit()
            else:
                db.session.rollback()
            status = {"state": "done", "result": result.as_dict()}
        except imports.ImportFileError as error:
            db.session.rollback()
            status = {"state": "done", "error": error.message,
                      "problems": [str(problem) for problem in error.problems]}
        except Exception:
            db.session.rollback()
            current_app.logger.exception("import %s failed", token)
        finally:
            db.session.remove()
        if not (dry_run and status.get("result", {}).get("problem_count") == 0):
            paths["upload"].unlink(missing_ok=True)  # applied or bad: never applied later
        _write_status(paths["status"], **status, **base)


def _start(token: str, meta: dict, *, dry_run: bool) -> None:
    paths = _paths(token)
    _write_status(paths["status"], state="running", phase="checked", rows=0, dry_run=dry_run,
                  kind=meta["kind"], filename=meta["filename"])
    db.session.rollback()  # this request holds no transaction while the job runs
    threading.Thread(target=_job, name=f"import-{token[:8]}", daemon=True, args=(
        current_app._get_current_object(), token, paths, meta, dry_run)).start()


@bp.post("/check")
@role_required(Role.STATION_MANAGER)
def check():
    """Store the upload and start its dry run."""
    upload = request.files.get("file")
    kind = request.form.get("kind", "")
    if kind not in {importer.kind for importer in imports.kinds_for(current_user)}:
        return _page(422, error=_("Choose what to import."))
    if upload is None or not upload.filename:
        return _page(422, error=_("Choose a file to upload."))
    uploads.remove_old_files(_folder(), KEEP_SECONDS)
    token = secrets.token_urlsafe(_TOKEN_LENGTH)
    paths = _paths(token)
    upload.save(paths["upload"])
    meta = {"kind": kind, "filename": upload.filename, "user_id": current_user.id}
    paths["meta"].write_text(json.dumps(meta, ensure_ascii=False))
    _start(token, meta, dry_run=True)
    return redirect(url_for("imports.run", token=token))


@bp.post("/apply")
@role_required(Role.STATION_MANAGER)
def apply():
    """Import the stored upload its dry run checked (all rows or none), or drop it."""
    token = request.form.get("token", "")
    meta, status = _meta(token), _status(token)
    paths = _paths(token)
    if request.form.get("cancel"):
        paths["upload"].unlink(missing_ok=True)
        return redirect(url_for("imports.index"))
    if not (status["state"] == "done" and status.get("dry_run") and status.get("result")
            and paths["upload"].exists()) or not _confirm_once(paths["confirmed"]):
        abort(409)  # not checked, still running, already applied or dropped
    _start(token, meta, dry_run=False)
    return redirect(url_for("imports.run", token=token))


@bp.get("/run/<token>")
@role_required(Role.STATION_MANAGER)
def run(token):
    """The job's page: its progress while it runs, then the dry run or the import's result."""
    meta, status = _meta(token), _status(token)
    context = {"job": status, "chosen": meta["kind"]}
    if status.get("result"):
        result = imports.ImportResult.from_dict(status["result"])
        waiting = status["dry_run"] and result.ok and _paths(token)["upload"].exists()
        context.update(result=result, token=token if waiting else None)
    if status.get("error"):
        context.update(error=status["error"], problems=status.get("problems"))
    if status["state"] == "stopped":
        context.update(error=_("The import stopped before it ended, so nothing was written. "
                               "Upload the file again."))
    if status["state"] == "failed":
        context.update(error=_("Something went wrong on our side, so nothing was written."))
    return _page(200, **context)


@bp.get("/run/<token>.json")
@role_required(Role.STATION_MANAGER)
def run_status(token):
    """The job's status: ``state`` (running, done, stopped, failed), ``phase`` and ``rows``
    while it runs, then ``result`` (counts and bad rows) or ``error``."""
    _meta(token)
    status = _status(token)
    status.pop("updated_at", None)
    return jsonify(status)
