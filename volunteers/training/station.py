"""The station's side of training (培训): courses and sessions, the session's attendance list and
check-in QR code, attendance recorded by hand, qualifications seen on paper, the district's
qualification types, and waivers of an activity's required qualification."""

from datetime import datetime

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import Role, has_role, role_required
from timebank.clock import local, now, zone
from timebank.extensions import db
from timebank.org import services as org
from timebank.web import qrcodes
from timebank.web.actions import attempt, form_errors, perform
from timebank.web.forms import load_form, load_form_or_flash
from volunteers.activities import services as activities
from volunteers.pages import my_station
from volunteers.pages import station_bp as bp
from volunteers.training import services as training
from volunteers.training.schemas import (
    CourseFormSchema,
    PaperFormSchema,
    PhoneFormSchema,
    QualificationCreateSchema,
    SessionFormSchema,
    WaiverFormSchema,
)
from volunteers.training.views import scan_url

RECENT_SESSIONS = 30


@bp.get("/training", endpoint="training")
@role_required(Role.SOCIAL_WORKER)
def training_index():
    station = my_station()
    courses = list(db.session.scalars(training.courses_statement(current_user,
                                                                          station.id)))
    sessions = list(db.session.scalars(
        training.sessions_statement(current_user, station.id).limit(RECENT_SESSIONS)))
    return render_template(
        "training/station.html", station=station, courses=courses, sessions=sessions,
        counts=training.attendance_counts(session.id for session in sessions),
        qualifications=training.qualifications(),
        may_add_qualification=has_role(current_user, Role.DISTRICT_ADMIN))


@bp.post("/training/courses")
@role_required(Role.SOCIAL_WORKER)
def training_create_course():
    station = my_station()
    data = load_form_or_flash(CourseFormSchema())
    back = url_for("station.training")
    if data is None:
        return redirect(back)
    return perform(lambda: training.create_course(current_user, station.id, **data),
                   success=_("The course is created. Now schedule its sessions."), back_to=back)


@bp.post("/training/qualifications")
@role_required(Role.DISTRICT_ADMIN)
def training_create_qualification():
    data = load_form_or_flash(QualificationCreateSchema())
    back = url_for("station.training")
    if data is None:
        return redirect(back)
    return perform(lambda: training.create_qualification(current_user, **data),
                   success=_("The qualification is added."), back_to=back)


def _session_values(form=None) -> dict:
    if form is not None:
        return form.to_dict()
    return {"day": local(now()).date().isoformat(), "start_time": "09:00", "end_time": "11:00"}


@bp.route("/training/courses/<int:course_id>/sessions/new", methods=["GET", "POST"])
@role_required(Role.SOCIAL_WORKER)
def training_new_session(course_id: int):
    station = my_station()
    course = training.course_for_staff(current_user, course_id)
    errors = {}
    if request.method == "POST":
        data, errors = load_form(SessionFormSchema())
        if data is not None:
            day = data.pop("day")
            data["starts_at"] = datetime.combine(day, data.pop("start_time"), tzinfo=zone())
            data["ends_at"] = datetime.combine(day, data.pop("end_time"), tzinfo=zone())
            outcome = attempt(lambda: training.create_session(course, current_user, **data))
            if outcome.error is None:
                flash(_("The session is scheduled."), "success")
                return redirect(url_for("station.training_session",
                                        session_id=outcome.result.id))
            errors = form_errors(outcome.error)
            for moment, field in (("starts_at", "start_time"), ("ends_at", "end_time")):
                if moment in errors:
                    errors[field] = errors.pop(moment)
    return render_template("training/session_form.html", station=station, course=course,
                           values=_session_values(request.form if errors else None),
                           errors=errors), 422 if errors else 200


@bp.get("/training/sessions/<int:session_id>")
@role_required(Role.SOCIAL_WORKER)
def training_session(session_id: int):
    station = my_station()
    session = training.session_for_staff(current_user, session_id)
    return render_template("training/session.html", station=station, session=session,
                           attendance=training.attendance_of(session),
                           url=scan_url(training.make_code(session)),
                           held=session.starts_at <= now(), open=training.in_scan_window(session))


@bp.get("/training/sessions/<int:session_id>/code.svg")
@role_required(Role.SOCIAL_WORKER)
def training_session_code(session_id: int):
    session = training.session_for_staff(current_user, session_id)
    response = Response(qrcodes.svg(scan_url(training.make_code(session))),
                        mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/training/sessions/<int:session_id>/attendance")
@role_required(Role.SOCIAL_WORKER)
def training_record_attendance(session_id: int):
    session = training.session_for_staff(current_user, session_id)
    back = url_for("station.training_session", session_id=session.id)
    data = load_form_or_flash(PhoneFormSchema())
    if data is None:
        return redirect(back)

    def record():
        member = training.member_by_phone(data["phone"])
        return training.record_attendance(session, member.id, by=current_user)

    return perform(record, back_to=back, say=_say,
                   success=lambda result: _("Attendance recorded.") if result[1]
                   else _("This volunteer's attendance was already recorded."))


def _say(error) -> str:
    return " ".join(str(message) for messages in (error.fields or {}).values()
                    for message in messages) or error.message


@bp.route("/volunteers/<int:user_id>/training", methods=["GET", "POST"])
@role_required(Role.SOCIAL_WORKER)
def training_volunteer(user_id: int):
    """A volunteer's training record for staff: minutes, sessions, qualifications; and the form
    to record a qualification seen on paper."""
    station = my_station()
    member = org.member_to_act_on(current_user, user_id)
    errors = {}
    if request.method == "POST":
        data, errors = load_form(PaperFormSchema())
        if data is not None:
            outcome = attempt(lambda: training.record_paper(current_user, member, **data))
            if outcome.error is None:
                flash(_("The qualification is recorded."), "success")
                return redirect(url_for("station.training_volunteer", user_id=member.id))
            errors = form_errors(outcome.error)
    return render_template("training/volunteer.html", station=station, member=member,
                           found=training.summary(member.id),
                           qualifications=training.qualifications(), errors=errors,
                           values=request.form if errors else {}), 422 if errors else 200


@bp.route("/activities/<int:activity_id>/waivers", methods=["GET", "POST"])
@role_required(Role.SOCIAL_WORKER)
def training_waivers(activity_id: int):
    station = my_station()
    activity = activities.station_activity(current_user, activity_id)
    errors = {}
    if request.method == "POST":
        data, errors = load_form(WaiverFormSchema())
        if data is not None:
            def waive():
                member = training.member_by_phone(data["phone"])
                return training.grant_waiver(activity, member.id, reason=data["reason"],
                                             by=current_user)
            outcome = attempt(waive)
            if outcome.error is None:
                flash(_("The waiver is recorded: this volunteer may now sign up."), "success")
                return redirect(url_for("station.training_waivers", activity_id=activity.id))
            errors = form_errors(outcome.error)
    return render_template("training/waivers.html", station=station, activity=activity,
                           waivers=training.waivers_of(activity.id), errors=errors,
                           values=request.form if errors else {}), 422 if errors else 200
