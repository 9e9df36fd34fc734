"""The volunteer profile's form and API shapes, with the consent rule: skills, interests and
availability are kept only with the volunteer's consent; and a valid resident ID number."""


from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema

from timebank.web.schemas import (
    BaseSchema,
    FilterSchema,
    LocalDateTime,
    OptionalDate,
    OptionalInteger,
    Phone,
    TagList,
    one_of,
)
from volunteers.profiles.services import (
    CONSENT_METHODS,
    GUARDIAN_RELATIONSHIPS,
    valid_id_number,
)
from volunteers.vocabulary import SKILLS, SLOTS, TARGET_GROUPS

GENDERS = {"female": _l("Female"), "male": _l("Male")}


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
    skills = fields.List(fields.String(validate=one_of(SKILLS, _l("Choose skills from the list."))))
    skills_other = fields.String(validate=validate.Length(max=200))
    interest_groups = fields.List(fields.String(
        validate=one_of(TARGET_GROUPS, _l("Choose target groups from the list."))))
    interest_themes = TagList()
    availability = fields.List(fields.String(
        validate=one_of(SLOTS, _l("Choose times from the weekly grid."))))
    monthly_limit = fields.Integer(validate=validate.Range(
        min=0, max=30, error=_l("Enter a number from 0 to 30.")))
    id_number = IdNumber()
    birth_date = OptionalDate()
    gender = fields.String(allow_none=True, validate=one_of(
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


class GuardianFormSchema(BaseSchema):
    """A minor's guardian (监护人) and their consent: ``declaration`` when the guardian ticks it
    on the minor's phone, ``consent_on_paper`` when staff record a signed form."""

    guardian_name = fields.String(required=True, validate=validate.Length(
        min=1, max=40, error=_l("Enter the guardian's name (at most 40 characters).")))
    guardian_phone = Phone(required=True)
    guardian_relationship = fields.String(required=True, validate=one_of(
        GUARDIAN_RELATIONSHIPS, _l("Choose the relationship from the list.")),
        metadata={"enum": list(GUARDIAN_RELATIONSHIPS)})
    declaration = fields.Boolean(load_default=False)
    consent_on_paper = fields.Boolean(load_default=False)


class ChildRegistrationFormSchema(GuardianFormSchema):
    """Station staff register a minor (children under 14 only so) with the guardian's consent
    signed on paper."""

    name = fields.String(required=True, validate=validate.Length(
        min=1, max=40, error=_l("Enter a name of at most 40 characters.")))
    phone = Phone(required=True)
    community_id = fields.Integer(required=True)
    id_number = IdNumber(load_default=None)
    birth_date = OptionalDate()
    gender = fields.String(load_default=None, allow_none=True, validate=one_of(
        GENDERS, _l("Choose a gender from the list.")))

    def load(self, data, *args, **kwargs):
        if isinstance(data, dict) and data.get("gender") == "":
            data = {**data, "gender": None}
        return super().load(data, *args, **kwargs)


class GuardianSchema(BaseSchema):
    """A minor's guardian as the API shows it; the phone masked except to the volunteer."""

    name = fields.String(attribute="guardian_name", allow_none=True)
    phone = fields.Method("_phone", metadata={"type": "string", "example": "139****0002"})
    relationship = fields.String(attribute="guardian_relationship", allow_none=True,
                                 metadata={"enum": list(GUARDIAN_RELATIONSHIPS)})
    consent_at = LocalDateTime(attribute="guardian_consent_at", allow_none=True)
    consent_method = fields.String(attribute="guardian_consent_method", allow_none=True,
                                   metadata={"enum": list(CONSENT_METHODS)})

    def __init__(self, *args, viewer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.viewer = viewer

    def _phone(self, profile) -> str:
        from volunteers.profiles.services import shown_guardian_phone

        return shown_guardian_phone(self.viewer, profile)


class RelinkFormSchema(BaseSchema):
    social_worker_id = fields.Integer(required=True)
    reason = fields.String(load_default="", validate=validate.Length(max=300))


class VolunteerProfileSchema(BaseSchema):
    """A volunteer profile as the API shows it; the ID number is masked unless `viewer` is the
    volunteer (`timebank.privacy.services`: staff of their station reveal it, audited)."""

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
    #: Extensions (issue #21): today's age (周岁) and, for a minor, the guardian.
    age = fields.Method("_age", metadata={"type": "integer", "nullable": True})
    guardian = fields.Method("_guardian", metadata={"type": "object", "nullable": True})

    def __init__(self, *args, viewer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.viewer = viewer

    def _age(self, profile):
        from volunteers.profiles.services import age_on, today

        return age_on(profile, today())

    def _guardian(self, profile):
        if not profile.guardian_name:
            return None
        return GuardianSchema(viewer=self.viewer).dump(profile)

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


class VolunteerQuerySchema(FilterSchema):
    """``/station/volunteers?q=&skill=&community_id=``: name or phone, a skill, a community."""

    q = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=60))
    skill = fields.String(load_default=None, allow_none=True,
                          validate=validate.OneOf(list(SKILLS)))
    community_id = fields.Integer(load_default=None, allow_none=True)
