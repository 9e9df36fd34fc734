"""The volunteer's side of star levels: applying from 我的时间 (`hours.mine` shows where they
stand, through `services.standing`)."""

from flask import Blueprint, url_for
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import login_required
from timebank.stars import services as stars
from timebank.web.actions import perform

bp = Blueprint("stars", __name__, url_prefix="/stars")


@bp.post("/apply")
@login_required
def apply():
    """Apply for the highest level reached; the outcome is flashed on 我的时间."""
    return perform(
        lambda: stars.apply(current_user),
        success=lambda application: _(
            "You applied for %(level)s. Your station will decide and tell you.",
            level=stars.level_name(application.level)),
        back_to=url_for("hours.mine"))
