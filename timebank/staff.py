"""Pages for station staff: the member directory (full phone numbers are shown only here)."""

from flask import Blueprint, render_template, request
from sqlalchemy import func, or_, select

from timebank.extensions import db
from timebank.permissions import Role, role_required
from timebank.users import User

bp = Blueprint("staff", __name__, url_prefix="/staff")

PER_PAGE = 50


@bp.get("/members")
@role_required(Role.SOCIAL_WORKER)
def members():
    query = request.args.get("q", "").strip()
    statement = select(User).order_by(User.id.desc())
    if query:
        like = f"%{query}%"
        statement = statement.where(or_(User.name.like(like), User.phone.like(like)))
    page = db.paginate(statement, per_page=PER_PAGE, error_out=False)
    total = db.session.scalar(select(func.count(User.id)))
    return render_template("staff/members.html", page=page, query=query, total=total)
