"""JSON API of training and qualifications: qualification types, courses and sessions for
staff, attendance (recorded by staff or scanned by the volunteer), a volunteer's training and
qualifications, paper qualifications and waivers of an activity's requirement."""

from flask import jsonify, request
from flask_login import current_user

from timebank.accounts.permissions import Role, login_required, role_required
from timebank.extensions import db
from timebank.org import services as org
from timebank.web.api import api_blueprint, json_body, paginated
from timebank.web.openapi import doc
from timebank.web.schemas import PAGE_PARAMETERS
from volunteers.activities import services as activities
from volunteers.training import services as training
from volunteers.training.models import Qualification
from volunteers.training.schemas import (
    CourseQuerySchema,
    PaperQualificationSchema,
    QualificationCreateSchema,
    QualificationPageSchema,
    QualificationSchema,
    SessionQuerySchema,
    TrainingAttendanceCreateSchema,
    TrainingAttendanceSchema,
    TrainingCourseCreateSchema,
    TrainingCoursePageSchema,
    TrainingCourseSchema,
    TrainingScanSchema,
    TrainingSessionCreateSchema,
    TrainingSessionPageSchema,
    TrainingSessionSchema,
    TrainingSummarySchema,
    VolunteerQualificationSchema,
    WaiverCreateSchema,
    WaiverSchema,
    training_body,
)

bp = api_blueprint("training_api", __name__)

_STATION = {"in": "query", "name": "station_id", "schema": {"type": "integer"},
            "description": "a district administrator's choice of station; staff: their own"}


def _station_for(query_station_id: int | None) -> int | None:
    """The station a staff request is about: their own, or the one a district administrator
    names (None: district-wide)."""
    own = org.station_id_of(current_user)
    return own if own is not None else query_station_id


@bp.get("/qualifications")
@doc(summary="Qualification types (资质类型) in use", tags=["training"], auth=False,
     response=QualificationPageSchema, parameters=PAGE_PARAMETERS)
def list_qualifications():
    statement = db.select(Qualification).where(Qualification.active.is_(True)) \
        .order_by(Qualification.id)
    return jsonify(paginated(statement, QualificationSchema()))


@bp.post("/qualifications")
@role_required(Role.DISTRICT_ADMIN)
@doc(summary="Add a qualification type (district administrator); a name in use: 409",
     tags=["training"], body=QualificationCreateSchema, response=QualificationSchema, status=201,
     errors=(403, 409, 422))
def create_qualification():
    data = json_body(QualificationCreateSchema())
    qualification = training.create_qualification(current_user, **data)
    body = QualificationSchema().dump(qualification)
    db.session.commit()
    return jsonify(body), 201


@bp.get("/training-courses")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Training courses of the station and the district's (staff)", tags=["training"],
     response=TrainingCoursePageSchema, parameters=(*PAGE_PARAMETERS, _STATION), errors=(403, 422))
def list_courses():
    query = CourseQuerySchema().load(request.args.to_dict())
    statement = training.courses_statement(current_user, _station_for(query["station_id"]))
    return jsonify(paginated(statement, TrainingCourseSchema()))


@bp.post("/training-courses")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Create a training course at the station (or district-wide: a district "
             "administrator), optionally granting a qualification on attendance",
     tags=["training"], body=TrainingCourseCreateSchema, response=TrainingCourseSchema, status=201,
     errors=(403, 404, 422))
def create_course():
    data = json_body(TrainingCourseCreateSchema())
    station_id = None if data.pop("district_wide") else _station_for(data.pop("station_id"))
    data.pop("station_id", None)
    if station_id is not None:
        org.get_station(station_id)
    course = training.create_course(current_user, station_id, **data)
    body = TrainingCourseSchema().dump(course)
    db.session.commit()
    return jsonify(body), 201


@bp.get("/training-sessions")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Training sessions of the courses the staff member sees, newest first",
     tags=["training"], response=TrainingSessionPageSchema, errors=(403, 422), parameters=(
         *PAGE_PARAMETERS, _STATION, {"in": "query", "name": "course_id",
                                      "schema": {"type": "integer"}}))
def list_sessions():
    query = SessionQuerySchema().load(request.args.to_dict())
    statement = training.sessions_statement(current_user, _station_for(query["station_id"]),
                                            course_id=query["course_id"])
    return jsonify(paginated(statement, TrainingSessionSchema()))


@bp.post("/training-sessions")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Schedule a session of a course (staff of its station)", tags=["training"],
     body=TrainingSessionCreateSchema, response=TrainingSessionSchema, status=201, errors=(403, 404, 422))
def create_session():
    data = json_body(TrainingSessionCreateSchema())
    course = training.course_for_staff(current_user, data.pop("course_id"))
    session = training.create_session(course, current_user, **data)
    body = TrainingSessionSchema().dump(session)
    db.session.commit()
    return jsonify(body), 201


@bp.get("/training-sessions/<int:session_id>/attendance")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Who attended a session (staff of its course's station)", tags=["training"],
     response=TrainingAttendanceSchema(many=True), errors=(403, 404))
def list_attendance(session_id: int):
    session = training.session_for_staff(current_user, session_id)
    return jsonify(TrainingAttendanceSchema(many=True).dump(training.attendance_of(session)))


@bp.post("/training-sessions/<int:session_id>/attendance")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Record a volunteer's attendance (staff, once the session has started: else 409 "
             "session_not_held); 201 new, 200 already recorded. A course granting a "
             "qualification grants it", tags=["training"], body=TrainingAttendanceCreateSchema,
     response=TrainingAttendanceSchema, status=201, errors=(403, 404, 409, 422))
def record_attendance(session_id: int):
    session = training.session_for_staff(current_user, session_id)
    data = json_body(TrainingAttendanceCreateSchema())
    attendance, new = training.record_attendance(session, data["user_id"], by=current_user)
    body = TrainingAttendanceSchema().dump(attendance)
    db.session.commit()
    return jsonify(body), 201 if new else 200


@bp.post("/training-sessions/scan")
@login_required
@doc(summary="The volunteer scanned a session's code: 201 attendance recorded, 200 already; "
             "from 30 minutes before the start to the end, else 409 outside_session_window",
     tags=["training"], body=TrainingScanSchema, response=TrainingAttendanceSchema, status=201,
     errors=(404, 409, 422))
def scan():
    data = json_body(TrainingScanSchema())
    attendance, new = training.scan(data["token"], current_user)
    body = TrainingAttendanceSchema().dump(attendance)
    db.session.commit()
    return jsonify(body), 201 if new else 200


@bp.get("/me/training")
@login_required
@doc(summary="My training minutes (never service hours), sessions attended and "
             "qualifications", tags=["training"], response=TrainingSummarySchema)
def my_training():
    return jsonify(training_body(current_user.id, training.summary(current_user.id)))


@bp.get("/volunteers/<int:user_id>/training")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="A volunteer's training minutes and qualifications (staff of their station)",
     tags=["training"], response=TrainingSummarySchema, errors=(403, 404))
def volunteer_training(user_id: int):
    member = org.member_to_act_on(current_user, user_id)
    return jsonify(training_body(member.id, training.summary(member.id)))


@bp.post("/volunteers/<int:user_id>/qualifications")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Record a qualification seen on paper (staff of the volunteer's station)",
     tags=["training"], body=PaperQualificationSchema, response=VolunteerQualificationSchema,
     status=201, errors=(403, 404, 422))
def record_paper(user_id: int):
    member = org.member_to_act_on(current_user, user_id)
    data = json_body(PaperQualificationSchema())
    grant = training.record_paper(current_user, member, **data)
    body = VolunteerQualificationSchema().dump(grant)
    body["held_today"] = training.holds(member.id, grant.qualification_id,
                                        training.today())
    db.session.commit()
    return jsonify(body), 201


@bp.post("/activities/<int:activity_id>/qualification-waivers")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Let a volunteer take part without the activity's required qualification, for a "
             "reason (staff of its station; audited); 409 no_qualification_required, "
             "waiver_exists", tags=["training"], body=WaiverCreateSchema, response=WaiverSchema,
     status=201, errors=(403, 404, 409, 422))
def create_waiver(activity_id: int):
    activity = activities.station_activity(current_user, activity_id)
    data = json_body(WaiverCreateSchema())
    waiver = training.grant_waiver(activity, data["user_id"], reason=data["reason"],
                                   by=current_user)
    body = WaiverSchema().dump(waiver)
    db.session.commit()
    return jsonify(body), 201
