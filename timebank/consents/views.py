"""Pages: the privacy notice (`/privacy`, public), agreeing to a changed notice
(`/privacy/agree`), and 我的授权 (`/me/consents`): the optional consents, given or withdrawn."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import login_required
from timebank.consents import services as consents
from timebank.web.actions import attempt, perform
from timebank.web.forms import safe_next

bp = Blueprint("consents", __name__)


def _lang() -> str:
    return "en" if str(get_locale() or "").startswith("en") else "zh"


@bp.get("/privacy")
def notice():
    version = request.args.get("version")
    shown = consents.notice(version) if version else consents.current_notice()
    if shown is None:
        abort(404)
    return render_template("consents/notice.html", notice=shown,
                           text_templates=shown.template_names(_lang()),
                           current=consents.current_version())


@bp.route("/privacy/agree", methods=["GET", "POST"])
@login_required
def agree():
    """Our privacy notice changed: agree to go on (or go to 我的数据, or log out)."""
    target = safe_next(request.values.get("next"), url_for("site.home"))
    if not consents.privacy_consent_needed(current_user):
        return redirect(target)
    current = consents.current_notice()
    errors = {}
    if request.method == "POST":
        if not request.form.get("agree"):
            errors = {"agree": [_("Please read and agree to the privacy notice.")]}
        else:
            agreed = attempt(lambda: consents.agree_to_notice(
                current_user, request.form.get("version") or None))
            if agreed.error is None:
                flash(_("Thank you. You agreed to the privacy notice of %(version)s.",
                        version=current.version), "success")
                return redirect(target)
            errors = {"agree": [agreed.error.fields.get("version", [agreed.error.message])[0]]}
    return render_template("consents/agree.html", notice=current, next=target, errors=errors,
                           text_templates=current.template_names(_lang()),
                           before=consents.agreed_version(current_user)), 422 if errors else 200


@bp.get("/me/consents")
@login_required
def mine():
    return render_template("consents/mine.html", purposes=consents.overview(current_user),
                           agreed=consents.live_consent(current_user, consents.PRIVACY),
                           history=consents.consents_of(current_user))


@bp.post("/me/consents/<purpose>/<any(give, withdraw):change>")
@login_required
def change(purpose: str, change: str):
    if purpose not in consents.OPTIONAL:
        abort(404)
    label = consents.OPTIONAL[purpose][0]
    if change == "give":
        return perform(lambda: consents.give(current_user, purpose),
                       success=_("You gave your consent: %(what)s.", what=label),
                       back_to=url_for("consents.mine"))
    return perform(lambda: consents.withdraw(current_user, purpose),
                   success=_("You withdrew your consent: %(what)s.", what=label),
                   back_to=url_for("consents.mine"))
