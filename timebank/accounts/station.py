"""Staff administration pages (/admin/staff): district administrators manage every staff
account, station managers the social workers of their own station. The rules (who may give
which role, the last district administrator, hand-overs within one station) are in
`timebank.accounts.services`; these pages load the form, call one service, commit, show."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts import recovery
from timebank.accounts import services as users
from timebank.accounts.permissions import ROLE_LABELS, Role, role_required
from timebank.accounts.schemas import (
    DeactivateSchema,
    HandOverSchema,
    PostChangeSchema,
    ReactivateSchema,
    RolesChangeSchema,
    StaffCreateSchema,
)
from timebank.errors import referenced
from timebank.org import services as org
from timebank.web.actions import attempt, form_errors, perform
from timebank.web.forms import load_form
from timebank.web.inputs import db_int
from timebank.web.pagination import paginate

bp = Blueprint("staff_admin", __name__, url_prefix="/admin/staff")

PER_PAGE = 30


def _moved_message(moved: dict) -> str:
    return _("Moved %(volunteers)d volunteers, %(activities)d activities and %(approvals)d "
             "approvals.", volunteers=moved.get("volunteers", 0),
             activities=moved.get("activities", 0), approvals=moved.get("approvals", 0))


@bp.get("/")
@role_required(Role.STATION_MANAGER)
def index():
    filters = {"q": request.args.get("q", "")[:40],
               "station_id": request.args.get("station_id", type=db_int),
               "status": request.args.get("status", "")}
    statement = users.staff_statement(current_user, filters["q"], station_id=filters["station_id"],
                                      status=filters["status"])
    page = paginate(statement, PER_PAGE)
    posts = {user.id: org.post_of(user) for user in page.items}
    return render_template("admin/staff/index.html", page=page, posts=posts, filters={
        key: value for key, value in filters.items() if value not in (None, "")},
        stations=users.stations_to_post_at(current_user), role_labels=ROLE_LABELS)


def _new_page(errors=None, form=None, status=200):
    return render_template("admin/staff/new.html", errors=errors or {}, form=form or {},
                           stations=users.stations_to_post_at(current_user),
                           roles=users.roles_viewer_may_give(current_user),
                           role_labels=ROLE_LABELS), status


@bp.get("/new")
@role_required(Role.STATION_MANAGER)
def new():
    return _new_page()


@bp.post("/new")
@role_required(Role.STATION_MANAGER)
def create():
    data, errors = load_form(StaffCreateSchema())
    if data is None:
        return _new_page(errors, request.form, 422)
    outcome = attempt(lambda: users.create_staff(data, by=current_user))
    if outcome.error is not None:
        return _new_page(form_errors(outcome.error), request.form, outcome.error.status)
    user, generated = outcome.result
    flash(_("Created the account of %(name)s.", name=user.name), "success")
    if generated is None:
        return redirect(url_for("staff_admin.show", staff_id=user.id))
    # The generated password is shown this once, on this page; it is stored only hashed.
    return render_template("admin/staff/created.html", user=user, password=generated)


def _show_page(user, errors=None, form=None, status=200, moved=None):
    """The staff member's page; after a refused form, its errors show in that form
    (``active``: the last part of the URL it posted to)."""
    return render_template(
        "admin/staff/show.html", user=user, post=org.post_of(user), errors=errors or {},
        form=form or {}, stations=users.stations_to_post_at(current_user),
        roles=users.roles_viewer_may_give(current_user), role_labels=ROLE_LABELS,
        colleagues=users.colleagues_for_hand_over(user), moved=moved,
        can_reset=recovery.may_issue(current_user, user),
        active=request.path.rsplit("/", 1)[-1] if request.method == "POST" else None), status


@bp.get("/<int:staff_id>")
@role_required(Role.STATION_MANAGER)
def show(staff_id: int):
    return _show_page(users.staff_to_manage(current_user, staff_id))


def _act(staff_id: int, schema, action, success):
    """Load the form into `schema`, run `action(user, data)`; refusals shown on the page."""
    user = users.staff_to_manage(current_user, staff_id)
    data, errors = load_form(schema)
    if data is None:
        return _show_page(user, errors, request.form, 422)
    outcome = attempt(lambda: action(user, data))
    if outcome.error is not None:
        return _show_page(user, form_errors(outcome.error), request.form, outcome.error.status)
    flash(success(outcome.result), "success")
    return redirect(url_for("staff_admin.show", staff_id=user.id))


@bp.post("/<int:staff_id>/roles")
@role_required(Role.STATION_MANAGER)
def change_roles(staff_id: int):
    return _act(staff_id, RolesChangeSchema(),
                lambda user, data: users.change_roles(user, data["roles"], by=current_user,
                                                      reason=data["reason"]),
                lambda _roles: _("Roles changed."))


@bp.post("/<int:staff_id>/post")
@role_required(Role.STATION_MANAGER)
def change_post(staff_id: int):
    return _act(staff_id, PostChangeSchema(),
                lambda user, data: users.change_post(user, data["station_id"],
                                                     data["grid_team_id"], by=current_user,
                                                     reason=data["reason"]),
                lambda _post: _("Post changed."))


def _colleague(user_id):
    return referenced(users.get_user, user_id) if user_id is not None else None


@bp.post("/<int:staff_id>/deactivate")
@role_required(Role.STATION_MANAGER)
def deactivate(staff_id: int):
    def act(user, data):
        return users.deactivate(user, by=current_user, reason=data["reason"],
                                hand_over_to=_colleague(data["hand_over_to_id"]))

    return _act(staff_id, DeactivateSchema(), act,
                lambda moved: " ".join([_("Account deactivated: logins are refused and API "
                                          "tokens revoked.")]
                                       + ([_moved_message(moved)] if moved else [])))


@bp.post("/<int:staff_id>/reactivate")
@role_required(Role.STATION_MANAGER)
def reactivate(staff_id: int):
    user = users.staff_to_manage(current_user, staff_id)
    data, _errors = load_form(ReactivateSchema())
    return perform(lambda: users.reactivate(user, by=current_user,
                                            reason=(data or {}).get("reason")),
                   success=_("Account reactivated."),
                   back_to=url_for("staff_admin.show", staff_id=user.id))


@bp.post("/<int:staff_id>/hand-over")
@role_required(Role.STATION_MANAGER)
def hand_over(staff_id: int):
    def act(user, data):
        return users.hand_over(user, referenced(users.get_user, data["to_user_id"]),
                               by=current_user, reason=data["reason"])

    return _act(staff_id, HandOverSchema(), act, _moved_message)
