"""The inbox page (a user's notifications, newest first, marked read once shown) and the
member's choice of channels (SMS, WeChat) beside it, set on the profile page."""

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import update

from timebank.accounts.permissions import login_required
from timebank.clock import now
from timebank.extensions import db
from timebank.notifications import services as notifications
from timebank.notifications.models import Notification
from timebank.web.actions import perform

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("/")
@login_required
def inbox():
    items = list(db.session.scalars(notifications.inbox(current_user).limit(100)))
    unread = [item.id for item in items if item.read_at is None]
    page = render_template("notifications.html", items=items, unread=set(unread))
    if unread:
        db.session.execute(update(Notification).where(Notification.id.in_(unread))
                           .values(read_at=now()))
        db.session.commit()
    return page


@bp.post("/channels")
@login_required
def channels():
    """Save the profile page's notice channels (checkboxes: absent is off)."""
    user = current_user._get_current_object()
    return perform(
        lambda: notifications.set_channels(user, sms="sms" in request.form,
                                           wechat_on="wechat" in request.form),
        success=_("Your notice settings are saved."),
        back_to=url_for("auth.profile") + "#notice-channels")
