"""The inbox page: a user's notifications, newest first, marked read once shown."""

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select, update

from timebank.accounts.permissions import login_required
from timebank.clock import now
from timebank.extensions import db
from timebank.notifications.models import Notification

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("/")
@login_required
def inbox():
    items = list(db.session.scalars(select(Notification).where(
        Notification.user_id == current_user.id).order_by(Notification.id.desc()).limit(100)))
    unread = [item.id for item in items if item.read_at is None]
    page = render_template("notifications.html", items=items, unread=set(unread))
    if unread:
        db.session.execute(update(Notification).where(Notification.id.in_(unread))
                           .values(read_at=now()))
        db.session.commit()
    return page
