"""My volunteer profile, on a phone: home community, skills, interests and availability (kept
with consent), and the social worker I am linked with; for a minor, the guardian's consent."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import login_required
from timebank.errors import NotFound
from timebank.extensions import db
from timebank.org import services as org
from timebank.web.actions import attempt, form_errors
from timebank.web.forms import load_form
from volunteers import vocabulary
from volunteers.pages import volunteer_bp as bp
from volunteers.profiles import services as profiles
from volunteers.profiles.models import VolunteerProfile
from volunteers.profiles.schemas import GENDERS, GuardianFormSchema, VolunteerProfileFormSchema


def _profile_values(profile: VolunteerProfile | None) -> dict:
    """What the form shows: the saved profile, or after a refused post what was posted."""
    if request.method == "POST":
        form = request.form
        return {"community_id": form.get("community_id", ""), "skills": form.getlist("skills"),
                "skills_other": form.get("skills_other", ""),
                "interest_groups": form.getlist("interest_groups"),
                "interest_themes": form.get("interest_themes", ""),
                "availability": form.getlist("availability"),
                "monthly_limit": form.get("monthly_limit", ""),
                "id_number": form.get("id_number", ""), "gender": form.get("gender", ""),
                "birth_date": form.get("birth_date", ""), "consent": "consent" in form}
    if profile is None:
        return {"skills": [], "interest_groups": [], "availability": [],
                "monthly_limit": profiles.DEFAULT_MONTHLY_LIMIT, "consent": False}
    return {"community_id": str(profile.community_id or ""), "skills": profile.skills,
            "skills_other": profile.skills_other, "interest_groups": profile.interest_groups,
            "interest_themes": "、".join(profile.interest_themes),
            "availability": profile.availability, "monthly_limit": profile.monthly_limit,
            "id_number": profiles.shown_id_number(current_user, profile),
            "gender": profile.gender or "", "consent": profile.consent_at is not None,
            "birth_date": profile.birth_date.isoformat() if profile.birth_date else ""}


def _save_profile(data: dict) -> dict:
    """Save the form; field errors come back, or nothing when it is saved (not yet committed)."""
    if data.get("community_id") is not None:
        try:
            org.get_community(data["community_id"])
        except NotFound as error:
            return error.fields
    profile = profiles.profile_for(current_user)
    before = profile.linked_social_worker_id
    saved = attempt(lambda: profiles.update_profile(profile, data))
    if saved.error is not None:
        return form_errors(saved.error)
    flash(_("Your volunteer profile is saved."), "success")
    if profile.linked_social_worker_id != before:
        if profile.linked_social_worker is not None:
            flash(_("Your social worker is now %(name)s.", name=profile.linked_social_worker.name),
                  "info")
        else:
            flash(_("There is no social worker for your community yet; the station will link "
                    "you with one."), "info")
    return {}


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    errors = {}
    if request.method == "POST":
        data, errors = load_form(VolunteerProfileFormSchema())
        if data is not None:
            errors = _save_profile(data)
            if not errors:
                return redirect(url_for(".profile"))
    saved = db.session.get(VolunteerProfile, current_user.id)
    return render_template(
        "volunteer/profile.html", profile=saved, values=_profile_values(saved), errors=errors,
        towns=org.towns_with_communities(), skills=vocabulary.SKILLS,
        target_groups=vocabulary.TARGET_GROUPS, weekdays=vocabulary.WEEKDAY_LABELS,
        day_parts=vocabulary.DAY_PART_LABELS, genders=GENDERS,
        minor=profiles.is_minor(saved), relationships=profiles.GUARDIAN_RELATIONSHIPS,
    ), 422 if errors else 200


def _guardian_values(profile: VolunteerProfile | None) -> dict:
    if request.method == "POST":
        return {name: request.form.get(name, "") for name in
                ("guardian_name", "guardian_phone", "guardian_relationship")}
    if profile is None:
        return {}
    return {"guardian_name": profile.guardian_name or "",
            "guardian_phone": profile.guardian_phone or "",
            "guardian_relationship": profile.guardian_relationship or ""}


@bp.route("/guardian", methods=["GET", "POST"])
@login_required
def guardian():
    """A minor's guardian gives their details and consent on the minor's phone (监护人同意);
    ``?next=`` (a page of this site) is where to go back to, the activity they wanted."""
    back = request.values.get("next", "")
    back = back if back.startswith("/") and not back.startswith("//") else ""
    errors = {}
    if request.method == "POST":
        data, errors = load_form(GuardianFormSchema())
        if data is not None:
            saved = attempt(lambda: profiles.record_guardian(
                profiles.profile_for(current_user), data, by=current_user))
            if saved.error is None:
                flash(_("Your guardian's consent is recorded. You can sign up for activities now."),
                      "success")
                return redirect(back or url_for(".profile"))
            errors = form_errors(saved.error)
    saved = db.session.get(VolunteerProfile, current_user.id)
    return render_template(
        "volunteer/guardian.html", profile=saved, values=_guardian_values(saved), errors=errors,
        relationships=profiles.GUARDIAN_RELATIONSHIPS, back=back,
        age=profiles.age_on(saved, profiles.today()) if saved else None,
    ), 422 if errors else 200
