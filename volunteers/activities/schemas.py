"""marshmallow schemas of the coordination layer, shared by the HTML pages and the JSON API.

A rule about input is written here once: the consent rule of the volunteer profile (skills,
interests and availability are kept only with the volunteer's consent), a valid resident ID
number, a known skill, target group or weekly slot.
"""

import re
from datetime import datetime

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from timebank.clock import MAX_YEAR, MIN_YEAR, zone
from timebank.web.schemas import BaseSchema, LocalDateTime, OptionalInteger, in_supported_years, valid_month
from volunteers.activities.services import ActivityStatus, CreditMode
from volunteers.profiles.services import SKILLS, SLOTS, TARGET_GROUPS, valid_id_number

GENDERS = {"female": _l("Female"), "male": _l("Male")}

#: Tags and free-text lists may be separated by commas (either width), 、 or semicolons.
TAG_SEPARATORS = re.compile(r"[,，、;；\n]+")






class TagList(fields.Field):
    """Short words as a list; a string is split at commas, 、 and semicolons."""

    default_error_messages = {"invalid": _l("Enter words separated by commas.")}

    def __init__(self, max_items: int = 20, max_length: int = 20, **kwargs):
        super().__init__(**kwargs)
        self.max_items, self.max_length = max_items, max_length

    def _serialize(self, value, attr, obj, **kwargs):
        return list(value or [])

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = TAG_SEPARATORS.split(value)
        if not isinstance(value, list | tuple) or not all(isinstance(tag, str) for tag in value):
            raise self.make_error("invalid")
        tags = []
        for tag in (tag.strip() for tag in value):
            if tag and tag not in tags:
                tags.append(tag)
        if len(tags) > self.max_items or any(len(tag) > self.max_length for tag in tags):
            raise ValidationError(str(_l("At most %(count)d words of up to %(length)d characters each.",
                                         count=self.max_items, length=self.max_length)))
        return tags


def _one_of(choices, message) -> validate.OneOf:
    return validate.OneOf(list(choices), error=message)


class IdNumber(fields.String):
    """A mainland resident ID number (check digit verified); empty means none."""

    def __init__(self, **kwargs):
        super().__init__(allow_none=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip().replace(" ", "").upper()
        if not text:
            return None
        if not valid_id_number(text):
            raise ValidationError(str(_l("This is not a valid 18-character resident ID number.")))
        return text


#: Profile fields that may be kept only with the volunteer's consent.
CONSENTED_FIELDS = ("skills", "skills_other", "interest_groups", "interest_themes", "availability")


class VolunteerProfileFormSchema(BaseSchema):
    """The volunteer's own profile. Skills, interests and availability need ``consent``."""

    community_id = OptionalInteger(validate=validate.Range(min=1))
    skills = fields.List(fields.String(validate=_one_of(SKILLS, _l("Choose skills from the list."))))
    skills_other = fields.String(validate=validate.Length(max=200))
    interest_groups = fields.List(fields.String(
        validate=_one_of(TARGET_GROUPS, _l("Choose target groups from the list."))))
    interest_themes = TagList()
    availability = fields.List(fields.String(
        validate=_one_of(SLOTS, _l("Choose times from the weekly grid."))))
    monthly_limit = fields.Integer(validate=validate.Range(
        min=0, max=30, error=_l("Enter a number from 0 to 30.")))
    id_number = IdNumber()
    gender = fields.String(allow_none=True, validate=_one_of(
        GENDERS, _l("Choose a gender from the list.")))
    consent = fields.Boolean()

    def load(self, data, *args, **kwargs):
        if isinstance(data, dict) and data.get("gender") == "":
            data = {**data, "gender": None}
        return super().load(data, *args, **kwargs)

    @validates_schema
    def _consent(self, data, **kwargs):
        if data.get("consent", True):
            return
        if any(data.get(name) for name in CONSENTED_FIELDS):
            raise ValidationError(str(_l(
                "Skills, interests and availability are saved only with your consent: tick the "
                "consent box, or clear them.")), "consent")


class ActivityFormSchema(BaseSchema):
    """The station's activity form: local date and time inputs become aware ``starts_at`` and
    ``ends_at`` in the platform's zone; an empty end date means the start date."""

    title = fields.String(required=True, validate=validate.Length(
        min=2, max=80, error=_l("Enter a title (2 to 80 characters).")))
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    theme_id = OptionalInteger()
    target_group = fields.String(required=True, validate=_one_of(
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
        validate=_one_of(SKILLS, _l("Choose skills from the list."))), load_default=list)
    credit_mode = fields.String(load_default=CreditMode.SCANNED, validate=_one_of(
        list(CreditMode), _l("Choose how hours are credited.")))
    fixed_minutes = OptionalInteger(validate=validate.Range(
        min=1, max=24 * 60, error=_l("Enter minutes from 1 to 1440.")))
    allow_walk_ins = fields.Boolean(load_default=False)
    status = fields.String(load_default=ActivityStatus.DRAFT, validate=_one_of(
        list(ActivityStatus), _l("Choose a status from the list.")))

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


class ThemeFormSchema(BaseSchema):
    """One month of a theme calendar: the station's, or with ``scope`` "district" the district's."""

    year = fields.Integer(required=True, validate=validate.Range(min=MIN_YEAR, max=MAX_YEAR))
    month = fields.Integer(required=True, validate=validate.Range(min=1, max=12))
    scope = fields.String(load_default="station", validate=validate.OneOf(["station", "district"]))
    title = fields.String(required=True, validate=validate.Length(
        min=1, max=60, error=_l("Enter a title (up to 60 characters).")))
    description = fields.String(load_default="", validate=validate.Length(max=1000))
    tags = TagList(load_default=list)


class RelinkFormSchema(BaseSchema):
    social_worker_id = fields.Integer(required=True)
    reason = fields.String(load_default="", validate=validate.Length(max=300))


class AttendanceFormSchema(BaseSchema):
    attendance = fields.String(allow_none=True, load_default=None, validate=validate.OneOf(
        ["attended", "no_show"], error=_l("Choose attended or no-show.")))

    def load(self, data, *args, **kwargs):
        if isinstance(data, dict) and data.get("attendance") == "":
            data = {**data, "attendance": None}
        return super().load(data, *args, **kwargs)


# --- the JSON API: the contract's resource shapes and request bodies -------------------------



class ThemeSchema(BaseSchema):
    id = fields.Integer()
    station_id = fields.Integer(allow_none=True, metadata={"description": "Null for the district"})
    month = fields.String(attribute="month_key", metadata={"example": "2026-03"})
    title = fields.String()
    description = fields.String()
    tags = fields.List(fields.String())


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
    target_group = fields.String(validate=_one_of(
        TARGET_GROUPS, _l("Choose a target group from the list.")))
    starts_at = LocalDateTime()
    ends_at = LocalDateTime()
    slots = fields.Integer(strict=True, validate=validate.Range(
        min=1, max=1000, error=_l("Enter a number from 1 to 1000.")))
    required_skills = fields.List(fields.String(
        validate=_one_of(SKILLS, _l("Choose skills from the list."))))
    credit_mode = fields.String(validate=_one_of(list(CreditMode),
                                                 _l("Choose how hours are credited.")))
    fixed_minutes = fields.Integer(allow_none=True, strict=True, validate=validate.Range(
        min=1, max=24 * 60, error=_l("Enter minutes from 1 to 1440.")))
    allow_walk_ins = fields.Boolean()
    status = fields.String(validate=_one_of(list(ActivityStatus),
                                            _l("Choose a status from the list.")))


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
    status = fields.String(load_default=ActivityStatus.DRAFT, validate=_one_of(
        (ActivityStatus.PUBLISHED, ActivityStatus.DRAFT),
        _l("A new activity is either published or a draft.")))


class ActivityQuerySchema(BaseSchema):
    """``?month=YYYY-MM&station_id=&theme_id=`` of the theme and activity lists."""

    month = fields.String(load_default=None, validate=valid_month)
    station_id = fields.Integer(load_default=None)
    theme_id = fields.Integer(load_default=None)


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


class VolunteerProfileSchema(BaseSchema):
    """A volunteer profile as the API shows it; the ID number is masked unless `viewer` is the
    volunteer or staff of their station (`profiles.shown_id_number`)."""

    user_id = fields.Integer()
    community_id = fields.Integer(allow_none=True)
    station_id = fields.Function(
        lambda profile: profile.community.station.id
        if profile.community is not None and profile.community.station is not None else None,
        allow_none=True, metadata={"type": "integer"})
    linked_social_worker_id = fields.Integer(allow_none=True)
    id_number = fields.Method("_id_number", metadata={"type": "string", "example": "4401**********123X"})
    gender = fields.String(allow_none=True)
    birth_date = fields.Date(allow_none=True)
    skills = fields.List(fields.String())
    skills_other = fields.String()
    interest_groups = fields.List(fields.String())
    interest_themes = fields.List(fields.String())
    availability = fields.List(fields.String(), metadata={"example": ["sat-am", "sun-pm"]})
    monthly_limit = fields.Integer()
    consent = fields.Function(lambda profile: profile.consent_at is not None,
                              metadata={"type": "boolean"})
    consent_at = LocalDateTime(allow_none=True)

    def __init__(self, *args, viewer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.viewer = viewer

    def _id_number(self, profile) -> str:
        from volunteers.profiles.services import shown_id_number  # who may see it is decided there

        return shown_id_number(self.viewer, profile)


class VolunteerProfileUpdateSchema(VolunteerProfileFormSchema):
    """``PUT /me/volunteer-profile``: the form's fields and rules; fields left out stay as they
    are. Without ``consent`` in the body the consent already given (or not) applies."""

    community_id = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1))
    birth_date = fields.Date(allow_none=True)

    def __init__(self, *args, consented: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.consented = consented

    def load(self, data, *args, **kwargs):
        if isinstance(data, dict) and "consent" not in data:
            data = {**data, "consent": self.consented}
        return super().load(data, *args, **kwargs)
