"""The district settings over JSON: ``GET``/``PUT /api/v1/admin/settings`` (district administrators)."""

from flask import jsonify
from flask_login import current_user

from timebank.accounts.permissions import Role, role_required
from timebank.errors import InvalidInput
from timebank.extensions import db
from timebank.settings import services as settings
from timebank.settings.schemas import (
    SettingsChangeSchema,
    SettingsSchema,
    as_changes,
    renamed,
    settings_json,
)
from timebank.web.api import api_blueprint, json_body
from timebank.web.openapi import doc

bp = api_blueprint("settings_api", __name__)


@bp.get("/admin/settings")
@role_required(Role.DISTRICT_ADMIN)
@doc(summary="The district's settings: check-in rounding and the monthly pool grant cap",
     tags=["admin"], response=SettingsSchema, errors=(403,))
def read_settings():
    return jsonify(settings_json(settings.current()))


@bp.put("/admin/settings")
@role_required(Role.DISTRICT_ADMIN)
@doc(summary="Change district settings, with a reason (audited old → new). Rounding is one of "
             "1, 5, 10, 15, 30, 60 minutes; the cap 0 to 100000 minutes",
     tags=["admin"], body=SettingsChangeSchema, response=SettingsSchema, errors=(403, 422))
def change_settings():
    changes, reason = as_changes(json_body(SettingsChangeSchema()))
    try:
        settings.update(changes, by=current_user, reason=reason)
    except InvalidInput as error:
        raise renamed(error) from None
    db.session.commit()
    return jsonify(settings_json(settings.current()))
