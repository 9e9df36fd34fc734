"""The reveal in the JSON API: ``POST /api/v1/users/{id}/reveal``. A logged-in browser sends the
CSRF token in ``X-CSRFToken`` (the rule of every cookie-authenticated write)."""

from flask import jsonify
from flask_login import current_user

from timebank.accounts import services as users
from timebank.accounts.permissions import login_required
from timebank.extensions import db
from timebank.privacy import services as privacy
from timebank.privacy.schemas import RevealedSchema, RevealSchema
from timebank.web.api import api_blueprint, json_body
from timebank.web.openapi import doc

bp = api_blueprint("privacy_api", __name__)


def revealed(person, field: str, reason: str | None) -> str:
    """Reveal and commit; a refusal's audit row is committed before the 403 goes out."""
    try:
        value = privacy.reveal(current_user, person, field, reason=reason)
    except privacy.RevealRefused:
        db.session.commit()
        raise
    db.session.commit()
    return value


@bp.post("/users/<int:user_id>/reveal")
@login_required
@doc(summary="Reveal a member's full phone number or ID number (staff of their station and "
             "district administrators; audited, and so is a refusal)", tags=["privacy"],
     body=RevealSchema, response=RevealedSchema, errors=(403, 404))
def reveal(user_id: int):
    person = users.get_user(user_id)
    data = json_body(RevealSchema())
    value = revealed(person, data["field"], data["reason"])
    return jsonify(RevealedSchema().dump({"user_id": person.id, "field": data["field"],
                                          "value": value}))
