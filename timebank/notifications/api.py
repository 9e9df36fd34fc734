"""JSON API of notifications: the caller's inbox."""

from flask import jsonify
from flask_login import current_user

from timebank.accounts.permissions import login_required
from timebank.notifications import services as notifications
from timebank.notifications.schemas import NotificationPageSchema, NotificationSchema
from timebank.web.api import api_blueprint, paginated
from timebank.web.openapi import doc
from timebank.web.schemas import PAGE_PARAMETERS

bp = api_blueprint("notifications_api", __name__)


@bp.get("/me/notifications")
@login_required
@doc(summary="My notifications, newest first (reading them here does not mark them read)",
     tags=["notifications"], response=NotificationPageSchema, parameters=PAGE_PARAMETERS)
def my_notifications():
    return jsonify(paginated(notifications.inbox(current_user), NotificationSchema()))
