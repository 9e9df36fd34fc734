"""The audit log viewer for district administrators: who did what, when and why."""

from flask import Blueprint, render_template, request

from timebank.accounts.permissions import Role, role_required
from timebank.audit import labels
from timebank.audit import services as audit
from timebank.web.forms import parse_day
from timebank.web.pagination import paginate

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

PER_PAGE = 50


@bp.get("/")
@role_required(Role.DISTRICT_ADMIN)
def index():
    errors = {}
    days = {}
    for name in ("from", "to"):
        days[name], problem = parse_day(request.args.get(name))
        if problem:
            errors[name] = [problem]
    filters = {"user": request.args.get("user", ""), "action": request.args.get("action", ""),
               "from": request.args.get("from", ""), "to": request.args.get("to", "")}
    statement = audit.search(user=filters["user"], action=filters["action"],
                             first_day=days["from"], last_day=days["to"])
    page = paginate(statement, PER_PAGE)
    return render_template("admin/audit.html", page=page, filters=filters, errors=errors,
                           actions=audit.actions(), labels=labels,
                           subject_names=audit.subject_names(page.items))
