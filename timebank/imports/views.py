"""The import page for district administrators (and station managers, for their station's
volunteers): choose a kind, download its template, upload a file, see the dry run (what would
be created and updated, each bad row with its number, column and reason), then confirm.

The upload is stored under the instance folder between the dry run and the confirmation, so
the confirmation applies exactly the file that was checked (it is checked again, all rows or
none, in the confirming request's one transaction). This page alone accepts bodies up to
``IMPORT_MAX_UPLOAD_BYTES`` (20 MB); a bigger file gets a clear message and nothing is written.
"""

import json
import secrets
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from timebank.accounts.permissions import Role, role_required
from timebank.extensions import db
from timebank.imports import services as imports

bp = Blueprint("imports", __name__, url_prefix="/admin/imports")

_TOKEN_LENGTH = 24


def _folder() -> Path:
    folder = Path(current_app.config["IMPORT_UPLOAD_FOLDER"]
                  or Path(current_app.instance_path) / "imports")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _page(status: int = 200, **context):
    kinds = imports.kinds_for(current_user)
    context.setdefault("chosen", request.args.get("kind") or (kinds[0].kind if kinds else ""))
    for name in ("result", "token", "error", "problems"):
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
    """``before_request``, run before every other hook (they read the form, CSRF and the check
    for NUL bytes): the upload alone may be as large as ``IMPORT_MAX_UPLOAD_BYTES``."""
    if request.endpoint == "imports.check":
        request.max_content_length = current_app.config["IMPORT_MAX_UPLOAD_BYTES"]


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    limit = current_app.config["IMPORT_MAX_UPLOAD_BYTES"]
    return _page(413, error=_(
        "The file is larger than %(size)d MB, so it was not read and nothing was written. "
        "Split it into several files.", size=limit // (1024 * 1024)))


@bp.post("/check")
@role_required(Role.STATION_MANAGER)
def check():
    """Store the upload and show its dry run."""
    upload = request.files.get("file")
    kind = request.form.get("kind", "")
    if kind not in {importer.kind for importer in imports.kinds_for(current_user)}:
        return _page(422, error=_("Choose what to import."))
    if upload is None or not upload.filename:
        return _page(422, error=_("Choose a file to upload."))
    token = secrets.token_urlsafe(_TOKEN_LENGTH)
    folder = _folder()
    upload.save(folder / f"{token}.upload")
    (folder / f"{token}.json").write_text(json.dumps(
        {"kind": kind, "filename": upload.filename, "user_id": current_user.id}))
    return _result(token, dry_run=True)


def _stored(token: str):
    if not token.replace("-", "").replace("_", "").isalnum() or len(token) > 64:
        abort(404)
    folder = _folder()
    meta_path, path = folder / f"{token}.json", folder / f"{token}.upload"
    if not meta_path.exists() or not path.exists():
        abort(404)
    meta = json.loads(meta_path.read_text())
    if meta["user_id"] != current_user.id:
        abort(404)
    return meta, path


def _discard(token: str) -> None:
    for suffix in (".json", ".upload"):
        (_folder() / f"{token}{suffix}").unlink(missing_ok=True)


def _result(token: str, *, dry_run: bool):
    meta, path = _stored(token)
    try:
        result = imports.run(meta["kind"], path, filename=meta["filename"], dry_run=dry_run,
                             by=current_user)
    except imports.ImportFileError as error:
        db.session.rollback()
        _discard(token)
        return _page(422, chosen=meta["kind"], error=error.message, problems=error.problems)
    if dry_run or not result.ok:
        db.session.rollback()
        if not result.ok:
            _discard(token)
        return _page(200 if result.ok else 422, chosen=meta["kind"], result=result,
                     token=token if result.ok else None)
    db.session.commit()
    _discard(token)
    return _page(chosen=meta["kind"], result=result)


@bp.post("/apply")
@role_required(Role.STATION_MANAGER)
def apply():
    """Apply the stored upload checked by the dry run (all rows or none)."""
    token = request.form.get("token", "")
    if request.form.get("cancel"):
        _stored(token)
        _discard(token)
        return redirect(url_for("imports.index"))
    return _result(token, dry_run=False)

