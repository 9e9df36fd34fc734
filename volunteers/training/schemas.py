"""marshmallow schemas of training and qualifications (the API and the forms alike)."""

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from timebank.web.schemas import (
    BaseSchema,
    FilterSchema,
    LocalDateTime,
    OptionalDate,
    OptionalInteger,
    page_of,
)
from volunteers.training.models import AttendanceMethod, QualificationSource
from volunteers.training.services import (
    LONG_MOST,
    NAME_MOST,
    NUMBER_MOST,
    REASON_MOST,
    SESSION_MINUTES_MOST,
    TEXT_MOST,
    TITLE_MOST,
)


class QualificationSchema(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    valid_months = fields.Integer(allow_none=True, metadata={
        "description": "months a grant stays valid by default; null: no expiry"})
    active = fields.Boolean()


class QualificationCreateSchema(BaseSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=NAME_MOST))
    valid_months = OptionalInteger(validate=validate.Range(
        min=1, max=600, error=_l("Enter whole months from 1 to 600, or leave it empty.")))


class TrainingCourseSchema(BaseSchema):
    id = fields.Integer()
    station_id = fields.Integer(allow_none=True, metadata={"description": "null: district-wide"})
    title = fields.String()
    organiser = fields.String()
    description = fields.String()
    qualification_id = fields.Integer(allow_none=True)
    qualification = fields.Function(
        lambda course: course.qualification.name if course.qualification else None,
        allow_none=True, metadata={"type": "string"})
    created_at = LocalDateTime()


class TrainingCourseCreateSchema(BaseSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=TITLE_MOST))
    organiser = fields.String(load_default="", validate=validate.Length(max=TITLE_MOST))
    description = fields.String(load_default="", validate=validate.Length(max=LONG_MOST))
    qualification_id = OptionalInteger(metadata={
        "description": "the qualification granted on attendance; null: none"})
    station_id = OptionalInteger(metadata={
        "description": "a district administrator names the station; staff: their own"})
    district_wide = fields.Boolean(load_default=False, metadata={
        "description": "a district administrator's course for every station"})


class CourseQuerySchema(FilterSchema):
    station_id = OptionalInteger()


class TrainingSessionSchema(BaseSchema):
    id = fields.Integer()
    course_id = fields.Integer()
    course = fields.Function(lambda session: session.course.title, metadata={"type": "string"})
    trainer = fields.String()
    place = fields.String()
    starts_at = LocalDateTime()
    ends_at = LocalDateTime()
    minutes = fields.Integer(metadata={"description": "training minutes credited (never service)"})
    capacity = fields.Integer(allow_none=True)
    status = fields.String()


class TrainingSessionCreateSchema(BaseSchema):
    course_id = fields.Integer(required=True)
    trainer = fields.String(load_default="", validate=validate.Length(max=TITLE_MOST))
    place = fields.String(load_default="", validate=validate.Length(max=TEXT_MOST))
    starts_at = LocalDateTime(required=True)
    ends_at = LocalDateTime(required=True)
    minutes = OptionalInteger(validate=validate.Range(
        min=1, max=SESSION_MINUTES_MOST, error=_l("Enter whole minutes from 1 to 1440.")),
        metadata={"description": "training minutes credited; default: the session's length"})
    capacity = OptionalInteger(validate=validate.Range(min=1, max=10000))


class SessionQuerySchema(FilterSchema):
    station_id = OptionalInteger()
    course_id = OptionalInteger()


class SessionFormSchema(BaseSchema):
    """The station's form: a day and local times."""

    trainer = fields.String(load_default="", validate=validate.Length(max=TITLE_MOST))
    place = fields.String(load_default="", validate=validate.Length(max=TEXT_MOST))
    day = fields.Date(required=True)
    start_time = fields.Time(required=True)
    end_time = fields.Time(required=True)
    minutes = OptionalInteger(validate=validate.Range(
        min=1, max=SESSION_MINUTES_MOST, error=_l("Enter whole minutes from 1 to 1440.")))
    capacity = OptionalInteger(validate=validate.Range(min=1, max=10000))


class TrainingAttendanceSchema(BaseSchema):
    id = fields.Integer()
    session_id = fields.Integer()
    user_id = fields.Integer()
    user_name = fields.Function(lambda row: row.user.name, metadata={"type": "string"})
    minutes = fields.Integer()
    method = fields.String(metadata={"enum": [method.value for method in AttendanceMethod]})
    created_at = LocalDateTime()


class TrainingAttendanceCreateSchema(BaseSchema):
    user_id = fields.Integer(required=True)


class TrainingScanSchema(BaseSchema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=500))


class VolunteerQualificationSchema(BaseSchema):
    id = fields.Integer()
    user_id = fields.Integer()
    qualification_id = fields.Integer()
    qualification = fields.Function(lambda grant: grant.qualification.name,
                                    metadata={"type": "string"})
    obtained_on = fields.Date()
    expires_on = fields.Date(allow_none=True)
    source = fields.String(metadata={"enum": [source.value for source in QualificationSource]})
    attendance_id = fields.Integer(allow_none=True)
    certificate_number = fields.String()
    revoked_at = LocalDateTime(allow_none=True)
    held_today = fields.Boolean(metadata={"description": "valid today (not expired or revoked)"})


class PaperQualificationSchema(BaseSchema):
    qualification_id = fields.Integer(required=True)
    obtained_on = fields.Date(required=True)
    expires_on = OptionalDate(metadata={
        "description": "the last valid day; default: the qualification's months"})
    certificate_number = fields.String(required=True,
                                       validate=validate.Length(min=1, max=NUMBER_MOST))


class WaiverSchema(BaseSchema):
    id = fields.Integer()
    activity_id = fields.Integer()
    user_id = fields.Integer()
    user_name = fields.Function(lambda waiver: waiver.user.name, metadata={"type": "string"})
    reason = fields.String()
    granted_by_id = fields.Integer()
    created_at = LocalDateTime()


class WaiverCreateSchema(BaseSchema):
    user_id = fields.Integer(required=True)
    reason = fields.String(required=True, validate=validate.Length(
        min=1, max=REASON_MOST, error=_l("Give a reason (at most 300 characters).")))


class TrainingSummarySchema(BaseSchema):
    user_id = fields.Integer()
    training_minutes = fields.Integer(metadata={
        "description": "sum of training attendance minutes; never service hours"})
    attendances = fields.List(fields.Nested(TrainingAttendanceSchema))
    qualifications = fields.List(fields.Nested(VolunteerQualificationSchema))


QualificationPageSchema = page_of(QualificationSchema, "QualificationPageSchema")
TrainingCoursePageSchema = page_of(TrainingCourseSchema, "TrainingCoursePageSchema")
TrainingSessionPageSchema = page_of(TrainingSessionSchema, "TrainingSessionPageSchema")


def training_body(user_id: int, found: dict) -> dict:
    """`services.summary` as the API's answer."""
    grants = []
    for grant, held in found["qualifications"]:
        body = VolunteerQualificationSchema().dump(grant)
        body["held_today"] = held
        grants.append(body)
    return {"user_id": user_id, "training_minutes": found["minutes"],
            "attendances": TrainingAttendanceSchema(many=True).dump(found["attendances"]),
            "qualifications": grants}


class CourseFormSchema(BaseSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=TITLE_MOST))
    organiser = fields.String(load_default="", validate=validate.Length(max=TITLE_MOST))
    description = fields.String(load_default="", validate=validate.Length(max=LONG_MOST))
    qualification_id = OptionalInteger()


class PhoneFormSchema(BaseSchema):
    """Staff name a volunteer by their mobile number."""

    phone = fields.String(required=True, validate=validate.Length(min=1, max=30))


class WaiverFormSchema(PhoneFormSchema):
    reason = fields.String(required=True, validate=validate.Length(
        min=1, max=REASON_MOST, error=_l("Give a reason (at most 300 characters).")))


class PaperFormSchema(BaseSchema):
    qualification_id = fields.Integer(required=True)
    obtained_on = fields.Date(required=True)
    expires_on = OptionalDate()
    certificate_number = fields.String(required=True,
                                       validate=validate.Length(min=1, max=NUMBER_MOST))
