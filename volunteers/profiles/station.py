"""The station's side of linkage (两工联动): my linked volunteers and teams, and relinking a
volunteer with another social worker of the station (audited); a minor's guardian's consent
signed on paper, and registering a child (under 14 only staff may), both audited."""

from typing import TYPE_CHECKING

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import Role, role_required
from timebank.clock import local, now
from timebank.errors import InvalidInput
from timebank.extensions import db
from timebank.org import services as org
from timebank.stars import services as stars
from timebank.web.actions import attempt, form_errors, messages_of, perform
from timebank.web.forms import load_form
from volunteers.pages import can_choose_station, hold_post, month_label, my_station, prime_places
from volunteers.pages import station_bp as bp
from volunteers.profiles import services as profiles
from volunteers.profiles.models import VolunteerProfile
from volunteers.profiles.schemas import (
    GENDERS,
    ChildRegistrationFormSchema,
    GuardianFormSchema,
    RelinkFormSchema,
    VolunteerQuerySchema,
)
from volunteers.vocabulary import SKILLS

if TYPE_CHECKING:
    from timebank.accounts.models import User


def _station_social_workers(station_id: int) -> list["User"]:
    return sorted(org.social_workers_at(station_id), key=lambda worker: (worker.name, worker.id))


@bp.get("/volunteers")
@role_required(Role.SOCIAL_WORKER)
def volunteers():
    """My linked volunteers; with ``?q=`` (name or phone), ``skill=`` or ``community_id=``, a
    search of all the station's volunteers. A district administrator always searches."""
    station = my_station()
    today = local(now())
    query, errors = load_form(VolunteerQuerySchema(), request.args)
    if query is None:
        query = VolunteerQuerySchema().load({})
    searching = any(query.values()) or can_choose_station(current_user)
    if searching:
        found = profiles.search_station_volunteers(
            station, by=current_user, words=query["q"], skill=query["skill"],
            community_id=query["community_id"])
        rows = profiles.volunteer_rows(found, today.year, today.month)
    else:
        rows = profiles.linked_volunteer_rows(current_user, today.year, today.month)
    places = prime_places(row["profile"].community_id for row in rows)
    teams = profiles.teams_led_by(current_user)
    return render_template(
        "station/volunteers.html", station=station, rows=rows, teams=teams, places=places,
        month=month_label(today), query=query, errors=errors, searching=searching,
        limit=profiles.SEARCH_LIMIT, skills=SKILLS, communities=station.town.communities,
        id_numbers={row["profile"].user_id: profiles.shown_id_number(current_user, row["profile"])
                    for row in rows},
        minors={row["profile"].user_id for row in rows if profiles.is_minor(row["profile"])},
        awards=stars.awards_of(row["profile"].user_id for row in rows),
        workers=_station_social_workers(station.id)), 422 if errors else 200


@bp.post("/volunteers/<int:user_id>/relink")
@role_required(Role.SOCIAL_WORKER)
def relink(user_id: int):
    station = my_station()
    profile = db.session.get(VolunteerProfile, user_id)
    if profile is None:
        abort(404)
    data, errors = load_form(RelinkFormSchema())
    workers = {worker.id: worker for worker in _station_social_workers(station.id)}
    if data is None or data["social_worker_id"] not in workers:
        flash(_("Choose a social worker of this station."), "error")
        return redirect(url_for(".volunteers"))
    worker = workers[data["social_worker_id"]]
    return perform(
        lambda: profiles.relink(profile, worker, by=current_user, reason=data["reason"]),
        success=lambda _profile: _("%(volunteer)s is now linked with %(worker)s.",
                                   volunteer=profile.user.name, worker=worker.name),
        back_to=url_for(".volunteers"), refused=InvalidInput, say=messages_of)


def _station_profile(user_id: int) -> VolunteerProfile:
    """A volunteer of the viewer's station: 404 if there is none, 403 for another station's."""
    profile = db.session.get(VolunteerProfile, user_id)
    if profile is None:
        abort(404)
    station = profiles.station_of(profile)
    if not org.can_manage_station(current_user, station.id if station else None):
        abort(403)
    return profile


@bp.route("/volunteers/<int:user_id>/guardian", methods=["GET", "POST"])
@role_required(Role.SOCIAL_WORKER)
def guardian(user_id: int):
    """Record a minor's guardian and the consent form they signed (监护人同意书, kept on paper)."""
    hold_post()
    profile = _station_profile(user_id)
    errors, values = {}, {}
    if request.method == "POST":
        values = request.form.to_dict()
        data, errors = load_form(GuardianFormSchema())
        if data is not None:
            saved = attempt(lambda: profiles.record_guardian(profile, data, by=current_user))
            if saved.error is None:
                flash(_("The guardian's consent for %(name)s is recorded.", name=profile.user.name),
                      "success")
                return redirect(url_for(".volunteers"))
            errors = form_errors(saved.error)
    elif profile.guardian_name:
        values = {"guardian_name": profile.guardian_name,
                  "guardian_relationship": profile.guardian_relationship or ""}
    return render_template(
        "station/guardian.html", profile=profile, values=values, errors=errors,
        station=profiles.station_of(profile), relationships=profiles.GUARDIAN_RELATIONSHIPS,
        methods=profiles.CONSENT_METHODS, age=profiles.age_on(profile, profiles.today()),
        shown_phone=profiles.shown_guardian_phone(current_user, profile),
    ), 422 if errors else 200


@bp.route("/volunteers/new-child", methods=["GET", "POST"])
@role_required(Role.SOCIAL_WORKER)
def register_child():
    """Register a child (under 14 only the station may) or another minor, with the guardian's
    details and the consent form they signed."""
    station = my_station()
    errors, values = {}, {}
    if request.method == "POST":
        values = request.form.to_dict()
        data, errors = load_form(ChildRegistrationFormSchema())
        if data is not None:
            saved = attempt(lambda: profiles.register_child(data, by=current_user))
            if saved.error is None:
                flash(_("%(name)s is registered, with the guardian's consent.", name=data["name"]),
                      "success")
                return redirect(url_for(".volunteers", q=data["name"]))
            errors = form_errors(saved.error)
    return render_template(
        "station/register_child.html", station=station, values=values, errors=errors,
        communities=station.town.communities, relationships=profiles.GUARDIAN_RELATIONSHIPS,
        genders=GENDERS,
    ), 422 if errors else 200
