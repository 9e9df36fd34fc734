"""The reveal on the staff pages without JavaScript: a small form next to the masked value posts
here (CSRF), and the answer is a page with the full value and the way back. With JavaScript
the same button asks the API (`timebank.privacy.api`) and shows the value in place."""

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from timebank.accounts import services as users
from timebank.accounts.permissions import login_required
from timebank.errors import InvalidInput
from timebank.privacy import services as privacy
from timebank.privacy.api import revealed
from timebank.privacy.schemas import RevealSchema
from timebank.web.forms import load_form, safe_next

bp = Blueprint("privacy", __name__, url_prefix="/staff/members")


@bp.post("/<int:user_id>/reveal")
@login_required
def reveal(user_id: int):
    person = users.get_user(user_id)
    data, errors = load_form(RevealSchema())
    if data is None:
        raise InvalidInput(fields=errors)
    value = revealed(person, data["field"], data["reason"])
    back_to = safe_next(request.form.get("next"), url_for("site.home"))
    return render_template("privacy/revealed.html", person=person, field=data["field"],
                           label=privacy.field_label(data["field"]), value=value,
                           back_to=back_to, viewer=current_user)
