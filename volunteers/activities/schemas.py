"""marshmallow schemas of the coordination layer, shared by the HTML pages and the JSON API.

A rule about input is written here once: the consent rule of the volunteer profile (skills,
interests and availability are kept only with the volunteer's consent), a valid resident ID
number, a known skill, target group or weekly slot.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from marshmallow import fields, post_load, validate

from timebank.clock import zone
from timebank.web.schemas import (
    BaseSchema,
    FilterSchema,
    LocalDateTime,
    OptionalInteger,
    in_supported_years,
    one_of,
    valid_month,
)
from volunteers.activities.models import ActivityStatus, CreditMode
from volunteers.vocabulary import SERVICE_CATEGORIES, SKILLS, TARGET_GROUPS


class ActivityFormSchema(BaseSchema):
    """The station's activity form: local date and time inputs become aware ``starts_at`` and
    ``ends_at`` in the platform's zone; an empty end date means the start date."""

    title = fields.String(required=True, validate=validate.Length(
        min=2, max=80, error=_l("Enter a title (2 to 80 characters).")))
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    theme_id = OptionalInteger()
    target_group = fields.String(required=True, validate=one_of(
        TARGET_GROUPS, _l("Choose a target group from the list.")))
    community_id = fields.Integer(required=True)
    place = fields.String(load_default="", validate=validate.Length(max=120))
    start_date = fields.Date(required=True, load_only=True, validate=in_supported_years)
    start_time = fields.Time(required=True, load_only=True)
    end_date = fields.Date(allow_none=True, load_default=None, load_only=True, validate=in_supported_years)
    end_time = fields.Time(required=True, load_only=True)
    slots = fields.Integer(required=True, validate=validate.Range(
        min=1, max=1000, error=_l("Enter a number from 1 to 1000.")))
    required_skills = fields.List(fields.String(
        validate=one_of(SKILLS, _l("Choose skills from the list."))), load_default=list)
    credit_mode = fields.String(load_default=CreditMode.SCANNED, validate=one_of(
        list(CreditMode), _l("Choose how hours are credited.")))
    fixed_minutes = OptionalInteger(validate=validate.Range(
        min=1, max=24 * 60, error=_l("Enter minutes from 1 to 1440.")))
    allow_walk_ins = fields.Boolean(load_default=False)
    status = fields.String(load_default=ActivityStatus.DRAFT, validate=one_of(
        list(ActivityStatus), _l("Choose a status from the list.")))
    #: Required: an empty choice is refused by the list's own message.
    service_category = fields.String(load_default="", validate=one_of(
        SERVICE_CATEGORIES, _l("Choose a service category from the list.")))
    service_content = fields.String(load_default="", validate=validate.Length(
        max=500, error=_l("Describe the service in at most 500 characters.")))
    people_served = OptionalInteger(validate=validate.Range(
        min=0, max=1_000_000, error=_l("Enter a whole number of people, 0 or more.")))
    person_in_charge = fields.String(load_default="", validate=validate.Length(
        max=40, error=_l("Enter a name of at most 40 characters.")))
    min_age = OptionalInteger(validate=validate.Range(
        min=0, max=100, error=_l("Enter an age from 0 to 100.")))
    risky = fields.Boolean(load_default=False)
    required_qualification_id = OptionalInteger()
    insurance_reference = fields.String(load_default="", validate=validate.Length(
        max=60, error=_l("Enter a policy number of at most 60 characters.")))

    def load(self, data, *args, **kwargs):
        if isinstance(data, dict) and data.get("end_date") == "":
            data = {**data, "end_date": None}
        return super().load(data, *args, **kwargs)

    @post_load
    def _aware_times(self, data, **kwargs):
        start_date, end_date = data.pop("start_date"), data.pop("end_date") or None
        start_time, end_time = data.pop("start_time"), data.pop("end_time")
        data["starts_at"] = datetime.combine(start_date, start_time, tzinfo=zone())
        data["ends_at"] = datetime.combine(end_date or start_date, end_time, tzinfo=zone())
        if data["credit_mode"] == CreditMode.SCANNED:
            data["fixed_minutes"] = None
        return data


class AttendanceFormSchema(BaseSchema):
    attendance = fields.String(allow_none=True, load_default=None, validate=validate.OneOf(
        ["attended", "no_show"], error=_l("Choose attended or no-show.")))

    def load(self, data, *args, **kwargs):
        if isinstance(data, dict) and data.get("attendance") == "":
            data = {**data, "attendance": None}
        return super().load(data, *args, **kwargs)


# --- the JSON API: the contract's resource shapes and request bodies -------------------------



class ActivitySchema(BaseSchema):
    """The activity shape of the public contract, plus where it is and how hours are credited.

    ``slots_left`` comes from `taken` (activity id → places taken, from
    `activities.places_taken` for a whole page at once).
    """

    id = fields.Integer()
    title = fields.String()
    description = fields.String()
    theme_id = fields.Integer(allow_none=True)
    station_id = fields.Integer()
    community_id = fields.Integer()
    target_group = fields.String()
    starts_at = LocalDateTime()
    ends_at = LocalDateTime()
    slots = fields.Integer()
    slots_left = fields.Method("_slots_left", metadata={"type": "integer"})
    required_skills = fields.List(fields.String())
    allow_walk_ins = fields.Boolean()
    status = fields.String(metadata={"enum": list(ActivityStatus)})
    place = fields.String()
    credit_mode = fields.String(metadata={"enum": list(CreditMode)})
    fixed_minutes = fields.Integer(allow_none=True)
    #: The record fields (服务类别, 服务内容, 服务对象人数, 活动负责人).
    service_category = fields.String(allow_none=True, metadata={"enum": list(SERVICE_CATEGORIES)})
    service_content = fields.String()
    people_served = fields.Integer(allow_none=True)
    person_in_charge = fields.String()
    #: Extensions (issue #21): the youngest age allowed, and insurance of risky activities.
    min_age = fields.Integer(allow_none=True)
    risky = fields.Boolean()
    insurance_reference = fields.String()
    #: The qualification a volunteer must hold (issue #18), and its name; null: none.
    required_qualification_id = fields.Integer(allow_none=True)
    required_qualification = fields.Function(
        lambda activity: activity.required_qualification.name
        if activity.required_qualification_id else None, allow_none=True)

    def __init__(self, *args, taken: dict[int, int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.taken = taken or {}

    def _slots_left(self, activity) -> int:
        return max(activity.slots - self.taken.get(activity.id, 0), 0)


class ActivityChangesSchema(BaseSchema):
    """A station's change to an activity (``PATCH``): any of these fields; status
    ``cancelled`` cancels it and its sign-ups."""

    title = fields.String(validate=validate.Length(
        min=2, max=80, error=_l("Enter a title (2 to 80 characters).")))
    description = fields.String(validate=validate.Length(max=2000))
    theme_id = fields.Integer(allow_none=True, strict=True)
    community_id = fields.Integer(strict=True)
    place = fields.String(validate=validate.Length(max=120))
    target_group = fields.String(validate=one_of(
        TARGET_GROUPS, _l("Choose a target group from the list.")))
    starts_at = LocalDateTime()
    ends_at = LocalDateTime()
    slots = fields.Integer(strict=True, validate=validate.Range(
        min=1, max=1000, error=_l("Enter a number from 1 to 1000.")))
    required_skills = fields.List(fields.String(
        validate=one_of(SKILLS, _l("Choose skills from the list."))))
    credit_mode = fields.String(validate=one_of(list(CreditMode),
                                                 _l("Choose how hours are credited.")))
    fixed_minutes = fields.Integer(allow_none=True, strict=True, validate=validate.Range(
        min=1, max=24 * 60, error=_l("Enter minutes from 1 to 1440.")))
    allow_walk_ins = fields.Boolean()
    status = fields.String(validate=one_of(list(ActivityStatus),
                                            _l("Choose a status from the list.")))
    service_category = fields.String(validate=one_of(
        SERVICE_CATEGORIES, _l("Choose a service category from the list.")),
        metadata={"enum": list(SERVICE_CATEGORIES)})
    service_content = fields.String(validate=validate.Length(
        max=500, error=_l("Describe the service in at most 500 characters.")))
    people_served = fields.Integer(allow_none=True, strict=True, validate=validate.Range(
        min=0, max=1_000_000, error=_l("Enter a whole number of people, 0 or more.")))
    person_in_charge = fields.String(validate=validate.Length(
        max=40, error=_l("Enter a name of at most 40 characters.")))
    min_age = fields.Integer(allow_none=True, strict=True, validate=validate.Range(
        min=0, max=100, error=_l("Enter an age from 0 to 100.")), metadata={
        "description": "The youngest age (周岁) allowed on the activity's date; null: any"})
    risky = fields.Boolean(metadata={
        "description": "高空、水上、大型活动、应急救援 …: published only with `insurance_reference`"})
    insurance_reference = fields.String(validate=validate.Length(
        max=60, error=_l("Enter a policy number of at most 60 characters.")),
        metadata={"description": "The insurance policy number (保单号)"})
    required_qualification_id = fields.Integer(allow_none=True, strict=True, metadata={
        "description": "A qualification (`GET /api/v1/qualifications`) volunteers must hold on "
                       "the activity's date; null: none"})


class ActivityCreateSchema(ActivityChangesSchema):
    """A new activity. Staff create at their own station; district administrators name one."""

    station_id = fields.Integer(load_default=None, allow_none=True, strict=True, metadata={
        "description": "Required for district administrators; others create at their station"})
    title = fields.String(required=True, validate=validate.Length(
        min=2, max=80, error=_l("Enter a title (2 to 80 characters).")))
    community_id = fields.Integer(required=True, strict=True)
    starts_at = LocalDateTime(required=True)
    ends_at = LocalDateTime(required=True)
    slots = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=1000, error=_l("Enter a number from 1 to 1000.")))
    status = fields.String(load_default=ActivityStatus.DRAFT, validate=one_of(
        (ActivityStatus.PUBLISHED, ActivityStatus.DRAFT),
        _l("A new activity is either published or a draft.")))
    service_category = fields.String(load_default="community", validate=one_of(
        SERVICE_CATEGORIES, _l("Choose a service category from the list.")), metadata={
        "enum": list(SERVICE_CATEGORIES),
        "description": "服务类别; `community` when omitted (clients written before it)"})


class SignUpSchema(BaseSchema):
    id = fields.Integer()
    activity_id = fields.Integer()
    user_id = fields.Integer()
    status = fields.String(metadata={"enum": ["confirmed", "waitlisted", "cancelled", "invited"]})


class SignUpActivitySchema(BaseSchema):
    """What a volunteer's list of sign-ups says about each activity."""

    id = fields.Integer()
    title = fields.String()
    station_id = fields.Integer()
    community_id = fields.Integer()
    place = fields.String()
    starts_at = LocalDateTime()
    ends_at = LocalDateTime()
    status = fields.String(metadata={"enum": list(ActivityStatus)})


class MySignUpSchema(SignUpSchema):
    activity = fields.Nested(SignUpActivitySchema)




class StationActivityQuerySchema(FilterSchema):
    """``/station/activities?month=YYYY-MM&q=&theme_id=&status=&worker_id=``."""

    month = fields.String(load_default=None, allow_none=True, validate=valid_month)
    q = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=80))
    theme_id = fields.Integer(load_default=None, allow_none=True)
    status = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf([status.value for status in ActivityStatus]))
    worker_id = fields.Integer(load_default=None, allow_none=True)
