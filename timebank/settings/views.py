"""The district settings page (/admin/settings) for district administrators."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import Role, role_required
from timebank.settings import services as settings
from timebank.settings.schemas import FIELDS, SettingsFormSchema, as_changes, renamed
from timebank.web.actions import attempt, form_errors
from timebank.web.forms import load_form

bp = Blueprint("settings", __name__, url_prefix="/admin/settings")


def _page(errors=None, form=None, status=200):
    rows = settings.current()
    for row in rows:
        row["field"] = next(key for key, name in FIELDS.items() if name == row["name"])
    return render_template("admin/settings.html", rows=rows, errors=errors or {},
                           form=form or {}), status


@bp.get("/")
@role_required(Role.DISTRICT_ADMIN)
def index():
    return _page()


@bp.post("/")
@role_required(Role.DISTRICT_ADMIN)
def update():
    data, errors = load_form(SettingsFormSchema())
    if data is None:
        return _page(errors, request.form, 422)
    changes, reason = as_changes(data)
    outcome = attempt(lambda: settings.update(changes, by=current_user, reason=reason))
    if outcome.error is not None:
        return _page(form_errors(renamed(outcome.error)), request.form, outcome.error.status)
    flash(_("Settings saved.") if outcome.result else _("Nothing changed."), "success")
    return redirect(url_for("settings.index"))
