"""The staff side of a resident's own data: the station's open profile correction requests
(done, or refused with a reason), an erasure request made on paper carried out by the station
manager (or a district administrator), and the district's retention review."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts import services as users
from timebank.accounts.permissions import Role, has_role, role_required
from timebank.org import services as org
from timebank.personal_data import services as personal
from timebank.personal_data.schemas import DecisionSchema, PaperErasureSchema, ResolveSchema
from timebank.web.actions import messages_of, perform
from timebank.web.forms import load_form
from timebank.web.stations import station_in_view

bp = Blueprint("personal_data_station", __name__, url_prefix="/station/personal-data")
district_bp = Blueprint("retention", __name__, url_prefix="/admin/retention")

def _messages(errors: dict) -> str:
    return " ".join(str(message) for messages in errors.values() for message in messages)


@bp.get("/")
@role_required(Role.SOCIAL_WORKER)
def index():
    station_id = station_in_view()
    if station_id is None and has_role(current_user, Role.DISTRICT_ADMIN):
        return redirect(url_for("station.choose_station", next=request.full_path.rstrip("?")))
    org.require_station_staff(current_user, station_id)
    station = org.get_station(station_id)
    return render_template(
        "personal_data/station.html", station=station,
        requests=personal.open_corrections(station.id), fields=personal.CORRECTABLE_FIELDS,
        may_erase=has_role(current_user, Role.STATION_MANAGER))


@bp.post("/corrections/<int:profile_correction_id>/resolve")
@role_required(Role.SOCIAL_WORKER)
def resolve(profile_correction_id: int):
    found = personal.correction_for(current_user, profile_correction_id)
    back = url_for("personal_data_station.index", station_id=found.station_id)
    data, errors = load_form(ResolveSchema())
    if data is None:
        flash(_messages(errors), "error")
        return redirect(back)
    return perform(lambda: personal.resolve_correction(found, by=current_user, done=data["outcome"] == "done",
                                                       reason=data["reason"]),
                   success=_("The request was answered; the person has been told."),
                   back_to=back)


@bp.get("/erase")
@role_required(Role.STATION_MANAGER)
def find_member():
    """The paper request's person, by their phone number."""
    member = users.get_by_phone(request.args.get("phone", ""))
    if member is None:
        flash(_("No member has this phone number."), "error")
        return redirect(url_for("personal_data_station.index"))
    return redirect(url_for("personal_data_station.paper_erasure", user_id=member.id))


def _erasure_page(member, errors=None, form=None, status=200):
    return render_template(
        "personal_data/paper_erasure.html", member=member,
        balance=personal.member_balance(member), duties=personal.open_duties(member),
        communities=personal.pool_communities(), home=org.home_community(member),
        errors=errors or {}, form=form or {}), status


@bp.get("/members/<int:user_id>/erase")
@role_required(Role.STATION_MANAGER)
def paper_erasure(user_id: int):
    member = personal.member_to_erase(current_user, user_id)
    if member.erased_at is not None:
        abort(404)
    return _erasure_page(member)


@bp.post("/members/<int:user_id>/erase")
@role_required(Role.STATION_MANAGER)
def carry_out_paper_erasure(user_id: int):
    member = personal.member_to_erase(current_user, user_id)
    data, errors = load_form(PaperErasureSchema())
    if data is None:
        return _erasure_page(member, errors, request.form, 422)
    return perform(
        lambda: personal.erase_on_paper(current_user, member, paper_date=data["paper_date"],
                                        reason=data["reason"],
                                        donate_to_pool_id=data["donate_to_pool_id"]),
        success=_("The member's personal data was erased; their hours and service records "
                  "stay under an anonymous label."),
        back_to=url_for("personal_data_station.index"),
        failure_to=url_for("personal_data_station.paper_erasure", user_id=user_id),
        say=messages_of)


# --- the district's retention review ----------------------------------------------------------

@district_bp.get("/")
@role_required(Role.DISTRICT_ADMIN)
def retention():
    return render_template("personal_data/retention.html", reviews=personal.flagged(),
                           years=personal.retention_years())


@district_bp.post("/<int:review_id>/decide")
@role_required(Role.DISTRICT_ADMIN)
def decide(review_id: int):
    found = personal.get_review(current_user, review_id)
    data, errors = load_form(DecisionSchema())
    if data is None:
        flash(_messages(errors), "error")
        return redirect(url_for("retention.retention"))
    decision = personal.Decision(erase=data["decision"] == "erase", reason=data["reason"])
    return perform(lambda: personal.decide(found, decision, by=current_user),
                   success=_("Decided."), back_to=url_for("retention.retention"))
